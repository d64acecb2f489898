"""Helpers shared by the dossier API tests (this module holds no tests).

`api(user)` is an APIClient that authenticates with the user's Bearer token, as real clients do.
Dossiers are made by the factories (real services); `recent()` starts a scenario a few hours ago so
that the API's own actions, which run at the real current time, come after the factories' ones
and due times still lie ahead.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from . import factories as f

LIST = "/api/v1/dossiers"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    return client


def detail_url(dossier) -> str:
    return f"{LIST}/{dossier.code or dossier.public_id}"


def action_url(dossier, action: str) -> str:
    return f"{detail_url(dossier)}/actions/{action}"


def recent(hours: int = 6):
    return timezone.now() - timedelta(hours=hours)


def dossier_now(p, state: str, **kw):
    """A dossier in `state` made in the last hours (one action every 5 minutes)."""
    return f.dossier_in(p, state, now=recent(), gap=timedelta(minutes=5), **kw)


def post(user, url: str, data=None, **headers):
    return api(user).post(url, data or {}, format="json", **headers)


def act(user, dossier, action: str, data=None, **headers):
    return post(user, action_url(dossier, action), data, **headers)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    return body


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
