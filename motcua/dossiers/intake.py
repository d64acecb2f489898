"""Online intake: acknowledge at once, create and submit the dossier in a worker.

`POST /api/v1/submissions` (dossiers/intake_api.py) takes the body of `POST /api/v1/dossiers` for
an online dossier (channel 2) plus `"submit": true`, checks only what is cheap and certain (the
JSON shape, the procedure code's format) and commits one `Submission` row: the acknowledgement,
whose id the applicant keeps. After the commit a Celery task (`dossiers.process_submission`)
runs the real services, as the synchronous path does (`create_dossier` then `submit`, by the same
user), and records the outcome on the row:

- the row is claimed with `SELECT … FOR UPDATE SKIP LOCKED` among the queued ones, and the
  dossier is created, submitted and the row marked `done` in that same transaction: a dossier
  exists if and only if its row says `done`, and two workers never process one row;
- a refusal by the services (or by the request's serializer) marks the row `failed` with the
  API's error body `{code, detail, …}`; nothing else is written (a savepoint);
- any other exception leaves the row `queued` (its attempt counted; after
  `MOTCUA_INTAKE_MAX_ATTEMPTS` it is `failed` with `processing_failed`), and so does a worker
  killed mid-way (its transaction never commits);
- the beat's `dossiers.sweep_submissions` re-queues rows still queued after
  `MOTCUA_INTAKE_STUCK_SECONDS` (a lost task, a broker outage at acknowledgement, a dead
  worker): nothing acknowledged is ever lost, and a duplicate task finds the row done and skips.

The acknowledgement time is the submission time: the services run with `now=created_at`, so the
dossier's code (its date and the agency's daily sequence), submission time and event are those
the synchronous path would have given at that instant, however long the queue.

Without REDIS_URL (the demo, SQLite) Celery is eager: the task runs right after the insert, in
the request, and the acknowledgement already reports the outcome.

Settings (django.conf.settings first, then the environment), documented in docs/api.md:
MOTCUA_INTAKE_BATCH, MOTCUA_INTAKE_STUCK_SECONDS, MOTCUA_INTAKE_SWEEP_LIMIT,
MOTCUA_INTAKE_MAX_ATTEMPTS, MOTCUA_INTAKE_MAX_BYTES.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from motcua.agencies.selectors import memberships_memo
from motcua.catalog.models import CODE_RE as PROCEDURE_CODE_RE
from motcua.common.conf import setting

from . import services
from .errors import DossierError, IdempotencyMismatch
from .models import Dossier, Submission, SubmissionState

log = logging.getLogger(__name__)

ONLINE_CHANNEL_CODE = 2  # the national code of the online channel (serializers.CHANNEL_CODES)
FIELDS = frozenset(
    {"procedure", "channel", "applicant", "representative", "receiving_agency", "submit"}
)
MAX_KEY_LENGTH = 255


# --- settings --------------------------------------------------------------------------------------


def _setting(name: str, default: int) -> int:
    return int(setting(name, default))


def batch_size() -> int:
    """Queued rows a task processes: its own, then up to this many − 1 of the oldest others,
    each in its own transaction (1: only its own)."""
    return max(1, _setting("MOTCUA_INTAKE_BATCH", 1))


def stuck_seconds() -> int:
    """A row still queued this long after its acknowledgement is re-queued by the sweeper."""
    return _setting("MOTCUA_INTAKE_STUCK_SECONDS", 120)


def sweep_limit() -> int:
    """Rows re-queued per sweep (oldest first); the next sweep takes the rest."""
    return _setting("MOTCUA_INTAKE_SWEEP_LIMIT", 500)


def max_attempts() -> int:
    """Attempts that end in an unexpected error before the row is `failed`."""
    return _setting("MOTCUA_INTAKE_MAX_ATTEMPTS", 5)


def max_bytes() -> int:
    """The largest body accepted (its canonical JSON), so that rows stay small."""
    return _setting("MOTCUA_INTAKE_MAX_BYTES", 16_384)


# --- acknowledgement -------------------------------------------------------------------------------


def shape_errors(payload) -> dict[str, list[str]]:
    """What is wrong with the body's shape (field → messages), without touching the database.
    Everything else (the procedure, the applicant's data, the agency) is the services' to check,
    in the worker."""
    if not isinstance(payload, dict):
        return {"non_field_errors": [_("Nội dung yêu cầu phải là một đối tượng JSON.")]}
    errors: dict[str, list[str]] = {}
    for name in sorted(set(payload) - FIELDS):
        errors[name] = [_("Trường không được hỗ trợ.")]
    if payload.get("submit") is not True:
        errors["submit"] = [_("Phải gửi “submit”: true (tạo và nộp hồ sơ trong một lần).")]
    channel = payload.get("channel")
    if type(channel) is not int or channel != ONLINE_CHANNEL_CODE:
        errors["channel"] = [_("Chỉ nhận hồ sơ nộp trực tuyến (channel 2).")]
    code = payload.get("procedure")
    if not isinstance(code, str) or len(code) > 40 or not PROCEDURE_CODE_RE.match(code):
        errors["procedure"] = [_("Mã thủ tục không đúng định dạng (ví dụ 1.001234).")]
    if not isinstance(payload.get("applicant"), dict):
        errors["applicant"] = [_("Thông tin người nộp phải là một đối tượng JSON.")]
    if payload.get("representative") is not None and not isinstance(
        payload["representative"], dict
    ):
        errors["representative"] = [_("Thông tin người đại diện phải là một đối tượng JSON.")]
    receiving = payload.get("receiving_agency")
    if receiving is not None and not isinstance(receiving, str):
        errors["receiving_agency"] = [_("Mã định danh cơ quan phải là chuỗi ký tự.")]
    return errors


def canonical(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def acknowledge(user_id: int, payload: dict, *, idempotency_key: str | None = None):
    """Commit the acknowledgement and schedule its processing: (row, replayed).

    `payload` must have passed shape_errors. The same user and key with the same body gives the
    first row back (replayed=True) and schedules nothing; with another body IdempotencyMismatch.
    One INSERT in the caller's transaction (its own, in autocommit); the task is sent after the
    commit and a broker failure does not undo the acknowledgement (the sweeper re-queues)."""
    digest = hashlib.sha256(canonical(payload).encode("utf-8")).hexdigest()
    row = Submission(
        id=uuid.uuid4(),
        user_id=user_id,
        idempotency_key=idempotency_key,
        request_hash=digest,
        payload=payload,
        created_at=timezone.now(),
    )
    try:
        if connection.in_atomic_block:  # a savepoint keeps the caller's transaction usable
            with transaction.atomic():
                _insert(row)
        else:  # autocommit (the API view): the INSERT commits by itself, no BEGIN/COMMIT
            _insert(row)
    except IntegrityError:
        if idempotency_key is None:
            raise
        # A retry (or a concurrent request with the key, which committed first: the INSERT
        # waited for it on the unique index).
        row = Submission.objects.get(user_id=user_id, idempotency_key=idempotency_key)
        if row.request_hash != digest:
            raise IdempotencyMismatch() from None
        return row, True
    pk = row.pk
    transaction.on_commit(lambda: schedule(pk), robust=True)
    return row, False


_INSERT_FIELDS = ("id", "user", "idempotency_key", "request_hash", "payload", "state", "attempts")


@functools.cache
def _insert_sql() -> tuple[str, tuple]:
    fields = tuple(Submission._meta.get_field(name) for name in (*_INSERT_FIELDS, "created_at"))
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {qn(Submission._meta.db_table)} ({columns}) VALUES ({marks})", fields


def _insert(row: Submission) -> None:
    """`row.save(force_insert=True)` without the ORM's query building (a quarter of the
    acknowledgement's time): the same values, prepared by each field for the database."""
    sql, fields = _insert_sql()
    values = [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    row._state.adding = False


def schedule(submission_id) -> None:
    from .tasks import process_submission

    process_submission.delay(str(submission_id))


def runs_inline() -> bool:
    """True when tasks run in the caller's process (eager Celery: the demo, no REDIS_URL)."""
    from motcua.celery import app

    return bool(app.conf.task_always_eager)


def status_of(user, submission_id) -> Submission | None:
    """The user's own submission (with its dossier), or None: another user's is not found."""
    try:
        pk = uuid.UUID(str(submission_id))
    except ValueError:
        return None
    return (
        Submission.objects.select_related("dossier", "dossier__procedure_version")
        .filter(pk=pk, user_id=getattr(user, "pk", None))
        .first()
    )


# --- processing ------------------------------------------------------------------------------------


def _claimable():
    # of=("self",): lock the row only, not the user joined to it.
    return (
        Submission.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("user")
        .filter(state=SubmissionState.QUEUED)
    )


def error_body(exc: Exception) -> dict:
    """The API's error body for a refusal, as plain JSON (the field named as in the request)."""
    if isinstance(exc, ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {"code": "invalid", "detail": _("Dữ liệu không hợp lệ."), "errors": errors}
    else:
        from .api import API_FIELD_NAMES

        body = exc.as_dict()
        if "field" in body:
            body["field"] = API_FIELD_NAMES.get(body["field"], body["field"])
    return json.loads(json.dumps(body, default=str))


def create_and_submit(user, payload: dict, *, now: datetime) -> Dossier:
    """What POST /api/v1/dossiers (channel 2) then POST …/actions/submit do, at `now`."""
    from .serializers import CHANNELS_BY_CODE, DossierCreateSerializer

    body = {key: value for key, value in payload.items() if key != "submit"}
    data = DossierCreateSerializer(data=body)
    data.is_valid(raise_exception=True)
    v = data.validated_data
    representative = v.get("representative")
    with memberships_memo():  # the applicant's memberships read once, as in an API request
        dossier = services.create_dossier(
            procedure_code=v["procedure"],
            applicant=dict(v["applicant"]),
            channel=CHANNELS_BY_CODE[v["channel"]],
            actor=user,
            receiving_agency=v.get("receiving_agency"),
            representative=dict(representative) if representative else None,
            now=now,
        )
        return services.submit(dossier, user, now=now)


def _handle(row: Submission) -> None:
    """Run the services for a claimed row and record the outcome (in the claim's transaction)."""
    row.attempts += 1
    try:
        with transaction.atomic():  # a refusal after the draft was created leaves nothing
            row.dossier = create_and_submit(row.user, row.payload, now=row.created_at)
    except (DossierError, ValidationError) as exc:
        row.dossier = None
        row.state, row.error = SubmissionState.FAILED, error_body(exc)
    else:
        row.state = SubmissionState.DONE
    row.processed_at = timezone.now()
    row.save(update_fields=["attempts", "dossier", "state", "error", "processed_at"])


def _run(claim) -> str | None:
    """Claim one row with `claim()` and process it in one transaction; the new state, or None
    when there was nothing to claim."""
    claimed = None
    try:
        # The errors are stored in Vietnamese (the site's language) whoever triggers the task.
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            row = claim()
            if row is None:
                return None
            claimed = row.pk
            _handle(row)
            return row.state
    except Exception as exc:
        if claimed is None:
            raise
        return _record_crash(claimed, exc)


def _record_crash(pk, exc: Exception) -> str:
    """An unexpected error: the work was rolled back; count the attempt (the row stays queued
    for the sweeper) and give up after max_attempts()."""
    log.exception("submission %s: processing failed", pk, exc_info=exc)
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        row = (
            Submission.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, state=SubmissionState.QUEUED)
            .first()
        )
        if row is None:
            return SubmissionState.QUEUED
        row.attempts += 1
        if row.attempts >= max_attempts():
            row.state = SubmissionState.FAILED
            row.error = {
                "code": "processing_failed",
                "detail": _(
                    "Hệ thống chưa xử lý được hồ sơ này; vui lòng nộp lại hoặc liên hệ nơi tiếp "
                    "nhận."
                ),
            }
            row.processed_at = timezone.now()
        row.save(update_fields=["attempts", "state", "error", "processed_at"])
        return row.state


def process(submission_id) -> str | None:
    """Process one queued row: its new state, or None if it is not queued (done, failed, or
    unknown) or another worker holds it right now."""
    return _run(lambda: _claimable().filter(pk=submission_id).first())


def process_next(*, older_than: datetime | None = None) -> str | None:
    """Process the oldest queued row nobody holds (acknowledged before `older_than`)."""

    def claim():
        rows = _claimable().order_by("created_at")
        if older_than is not None:
            rows = rows.filter(created_at__lt=older_than)
        return rows.first()

    return _run(claim)


def process_with_batch(submission_id, batch: int | None = None) -> int:
    """The task's work: the given row, then up to `batch` − 1 of the oldest others. The number
    of rows processed."""
    done = 0 if process(submission_id) is None else 1
    for _i in range((batch or batch_size()) - 1):
        if process_next() is None:
            break
        done += 1
    return done


def stuck(now: datetime | None = None, limit: int | None = None) -> list[uuid.UUID]:
    """Rows queued for longer than stuck_seconds(), oldest first."""
    cutoff = (now or timezone.now()) - timedelta(seconds=stuck_seconds())
    rows = Submission.objects.filter(state=SubmissionState.QUEUED, created_at__lt=cutoff)
    return list(rows.order_by("created_at").values_list("pk", flat=True)[: limit or sweep_limit()])


def sweep(now: datetime | None = None) -> int:
    """Re-queue the stuck rows (one task each); the number re-queued. A row whose first task is
    merely late gets a second one: the first to run processes it, the other skips it."""
    ids = stuck(now)
    for pk in ids:
        schedule(pk)
    if ids:
        log.warning(
            "intake: re-queued %s submissions queued for over %s s", len(ids), stuck_seconds()
        )
    return len(ids)
