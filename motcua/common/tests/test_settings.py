"""Settings come from the environment: each case loads the settings in a fresh interpreter."""

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "tz": settings.TIME_ZONE,
    "lang": settings.LANGUAGE_CODE,
    "languages": [code for code, _ in settings.LANGUAGES],
    "hosts": settings.ALLOWED_HOSTS,
    "media": str(settings.MEDIA_ROOT),
    "base_url": settings.MOTCUA_BASE_URL,
}))
"""


def load_settings(tmp_path, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "DATABASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "MEDIA_ROOT",
            "MOTCUA_BASE_URL",
            "MOTCUA_TESTING",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "motcua.settings", "MOTCUA_VAR_DIR": str(tmp_path)})
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=60
    )
    return result


def test_defaults_are_the_embedded_demo_without_debug(tmp_path):
    result = load_settings(tmp_path, SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["eager"] is True
    assert values["tz"] == "Asia/Ho_Chi_Minh"
    assert values["lang"] == "vi"
    assert values["languages"] == ["vi", "en"]


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_demo_generates_a_secret_key_outside_the_repository(tmp_path):
    result = load_settings(tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is True
    assert (tmp_path / "secret_key").read_text().strip()


def test_environment_selects_postgres_redis_and_the_rest(tmp_path):
    result = load_settings(
        tmp_path,
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://user@db.example:5432/motcua",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="dichvucong.example.vn,www.example.vn",
        MEDIA_ROOT=str(tmp_path / "files"),
        MOTCUA_BASE_URL="https://dichvucong.example.vn/",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["eager"] is False
    assert values["broker"] == "redis://127.0.0.1:6379/0"
    assert values["hosts"] == ["dichvucong.example.vn", "www.example.vn"]
    assert values["media"] == str(tmp_path / "files")
    assert values["base_url"] == "https://dichvucong.example.vn"


@pytest.mark.django_db
def test_celery_runs_tasks_eagerly_without_redis():
    from motcua.common.tasks import ping

    assert ping.delay().get(timeout=5) == "pong"


def test_security_headers(client, db):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
