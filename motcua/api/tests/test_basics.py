"""API basics: token login, Bearer auth, JSON errors, health, schema."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return get_user_model().objects.create_user(
        "canbo", password="dung-mat-khau-9", first_name="Lan"
    )


def test_token_login_then_bearer(api_client, user):
    response = api_client.post(
        "/api/v1/auth/token", {"username": "canbo", "password": "dung-mat-khau-9"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    me = api_client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == "canbo"
    # The same token comes back on a second login.
    again = api_client.post(
        "/api/v1/auth/token", {"username": "canbo", "password": "dung-mat-khau-9"}, format="json"
    )
    assert again.json()["token"] == token


def test_wrong_password_is_a_json_401(api_client, user):
    response = api_client.post(
        "/api/v1/auth/token", {"username": "canbo", "password": "sai"}, format="json"
    )
    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_credentials",
        "detail": "Tên đăng nhập hoặc mật khẩu không đúng.",
    }


def test_missing_fields_name_the_field(api_client):
    response = api_client.post("/api/v1/auth/token", {"username": "x"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "password" in body["errors"]


def test_unauthenticated_and_bad_token(api_client):
    assert api_client.get("/api/v1/me").json()["code"] == "not_authenticated"
    api_client.credentials(HTTP_AUTHORIZATION="Bearer 0000000000000000000000000000000000000000")
    response = api_client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_unknown_api_path_is_json_404(api_client):
    response = api_client.get("/api/v1/khong-co")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_errors_are_translated_to_english(api_client, user):
    response = api_client.post(
        "/api/v1/auth/token",
        {"username": "canbo", "password": "sai"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["detail"] == "Wrong username or password."


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_schema_and_docs(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "openapi: 3" in text
    assert "/api/v1/auth/token" in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_api_root_lists_entry_points(api_client):
    body = api_client.get("/api/v1/").json()
    assert body["auth_token"].endswith("/api/v1/auth/token")
    assert body["schema"].endswith("/api/schema/")
