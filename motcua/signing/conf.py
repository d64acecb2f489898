"""Settings of the signing app, read at each use from django.conf.settings, else the environment.

| setting / environment variable          | default                 | meaning                                  |
| --------------------------------------- | ----------------------- | ---------------------------------------- |
| MOTCUA_SIGNING_KEY_DIR                  | VAR_DIR/signing         | where `signing-demo-keys` writes keys     |
| MOTCUA_SIGNING_REQUEST_TTL_MINUTES      | 30                      | life of an external signing request      |
| MOTCUA_VERIFY_PAGE_RATE                 | 30/min                  | uploads to the public verification page  |
| MOTCUA_SIGNING_LOCATION                 | "" (none)               | /Location written in each signature      |

Secrets (PKCS#12 passphrases, token PINs) are never stored in the database: a SigningKey names
the setting or environment variable that holds them (`secret`), or `file:<path>` of a file that
holds it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from motcua.common.conf import setting


def key_dir() -> Path:
    return Path(setting("MOTCUA_SIGNING_KEY_DIR", Path(settings.VAR_DIR) / "signing"))


def request_ttl_minutes() -> int:
    return int(setting("MOTCUA_SIGNING_REQUEST_TTL_MINUTES", 30))


def verify_page_rate() -> str:
    return str(setting("MOTCUA_VERIFY_PAGE_RATE", "30/min"))


def signature_location() -> str:
    return str(setting("MOTCUA_SIGNING_LOCATION", ""))


def secret(name: str) -> str | None:
    """The value of the setting or environment variable `name` (a passphrase or a PIN), or of
    the file named after `file:` (a secrets file readable only by the app, like the demo's)."""
    if not name:
        return None
    if name.startswith("file:"):
        try:
            return Path(name[5:]).read_text(encoding="utf-8").strip()
        except OSError:
            return None
    value = setting(name)
    return None if value is None else str(value)
