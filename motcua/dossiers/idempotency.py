"""`Idempotency-Key` for the dossier API's writes (every POST).

A client that did not get an answer (timeout, dropped connection) sends the same request again
with the same key; it must not create a second dossier or act twice.

- The key is claimed by inserting an `IdempotencyKey` row (user, scope = method and path, key)
  **in the same transaction as the work**. The row stores a hash of the request (the parsed body,
  files by their SHA-256, and the query string) and, when the work succeeded, the status and body
  of the response.
- Same user, key and scope, same hash: the stored response is returned as it was (same status,
  same body, header `Idempotent-Replayed: true`) and nothing runs again. A different hash:
  409 `idempotency_mismatch`.
- Concurrent retries: the first request's insert holds the unique index entry until it commits;
  the others block on their own insert, then fail on the constraint, read the committed row and
  return its response. On SQLite whole transactions are serialised, with the same result.
- Only successes (2xx) are stored. An error rolls the claim back with the work, so a retry after
  a 400/403/409 runs again (and usually gets the same error), and a corrected request may even
  reuse the key: nothing was stored under it.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response

from motcua.api.errors import ApiError

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Optional, 1–255 characters (a UUID is a good choice). Retrying with the same key and "
        "the same body returns the first successful response without doing the work again "
        "(header `Idempotent-Replayed: true`); the same key with another body gives 409 "
        "`idempotency_mismatch`. Keys are per user and per method and path."
    ),
)


def _file_digest(upload: UploadedFile) -> dict:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)  # the view reads it again
    return {"file": upload.name, "size": upload.size, "sha256": digest.hexdigest()}


def _plain(value):
    if isinstance(value, UploadedFile):
        return _file_digest(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def request_hash(request) -> str:
    """A hash of what the request asks: parsed data (so that a multipart retry with another
    boundary hashes the same), files by content, and the query string."""
    data = request.data
    if hasattr(data, "lists"):  # QueryDict (form or multipart): every value of every field
        data = {key: values for key, values in data.lists()}
    content = {"data": _plain(data), "query": sorted(request.query_params.lists())}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            "invalid_idempotency_key",
            _("Khóa chống gửi trùng (Idempotency-Key) phải là chuỗi từ 1 đến 255 ký tự."),
            status.HTTP_400_BAD_REQUEST,
        )
    return key


_INSERT_NEW_SQL = (
    'INSERT INTO dossiers_idempotencykey ("key", user_id, scope, request_hash, created_at) '
    "VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT ON CONSTRAINT unique_idempotency_key DO NOTHING RETURNING id"
)


def _insert_new(user, scope: str, key: str, digest: str) -> IdempotencyKey | None:
    """PostgreSQL: claim the key in one statement; None if a committed row holds it (a
    concurrent request's insert is waited for, as with the unique index below)."""
    created_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_NEW_SQL, [key, user.pk, scope, digest, created_at])
        found = cursor.fetchone()
    if found is None:
        return None
    row = IdempotencyKey(
        id=found[0], key=key, user=user, scope=scope, request_hash=digest, created_at=created_at
    )
    row._state.adding = False
    return row


def _claim(user, scope: str, key: str, digest: str) -> tuple[IdempotencyKey, Response | None]:
    """(row, None) when this request does the work; (row, stored response) for a retry."""
    rows = IdempotencyKey.objects.select_for_update()
    lookup = {"user": user, "scope": scope, "key": key}
    if connection.vendor == "postgresql" and getattr(user, "pk", None) is not None:
        # One statement instead of a locking read, a savepoint, the insert and its release.
        new = _insert_new(user, scope, key, digest)
        if new is not None:
            return new, None
        row = rows.get(**lookup)
    else:
        row = rows.filter(**lookup).first()
    if row is None:
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(**lookup, request_hash=digest), None
        except IntegrityError:
            # A concurrent request with this key committed first: replay its response.
            row = rows.get(**lookup)
    if row.request_hash != digest:
        raise ApiError(
            "idempotency_mismatch",
            _(
                "Khóa chống gửi trùng (Idempotency-Key) này đã được dùng cho một yêu cầu có nội "
                "dung khác."
            ),
            status.HTTP_409_CONFLICT,
        )
    replay = Response(row.response, status=row.status_code)
    replay[REPLAYED_HEADER] = "true"
    return row, replay


def idempotent(handler):
    """Decorate an API view's `post`: honour `Idempotency-Key` (runs after authentication)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = _key(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        scope = f"{request.method} {request.path}"[:255]
        digest = request_hash(request)
        with transaction.atomic():
            row, replay = _claim(request.user, scope, key, digest)
            if replay is not None:
                return replay
            response = handler(view, request, *args, **kwargs)
            if not status.is_success(response.status_code):
                transaction.set_rollback(True)  # errors are not stored: the claim goes too
                return response
            # Stored as the client received it (JSON types): a replay is the same JSON document.
            row.status_code = response.status_code
            row.response = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            row.save(update_fields=["status_code", "response"])
        return response

    return wrapper
