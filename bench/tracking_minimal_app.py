"""The floor for the tracking look-up: a minimal WSGI app on psycopg, no Django.

    gunicorn -w 2 -b 127.0.0.1:8802 --pythonpath bench tracking_minimal_app:application
    (DATABASE_URL=postgres://… selects the database)

`GET /track/<code>?secret=…` answers the same JSON as the real endpoint
(`GET /api/v1/tracking/{code}?secret=…`, motcua/dossiers/tracking.py and tracking_api.py): status,
procedure, agencies, times, overdue, paused, steps, pauses and the applicant's next action,
with the same queries (the dossier with its version and agencies; its step records with their
agencies; its pauses; the request event only when a supplement asked at reception has no pause)
and the same constant-time secret check. What it leaves out is the framework: no middleware,
no throttle, no serializers, no translation machinery. bench/dossier_bench.py checks that both
answer the same content before it measures them.

One connection per worker process (gunicorn's sync workers serve one request at a time), opened
on the first request, in autocommit, with Vietnam's time zone so that times print as the API
prints them. Labels are copies of the lifecycle's and tracking's Vietnamese texts.
"""

import hmac
import json
import os
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote

import psycopg

DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/motcua_bench_dossiers"
)
MAX_CODE_LENGTH = 64
MAX_SECRET_LENGTH = 32
DECOY_SECRET = "23456789AB"  # compared against when the code is unknown: same work either way

STATES = {  # code name -> (label, national code), as lifecycle.State
    "draft": ("Chưa nộp", None),
    "submitted": ("Chờ tiếp nhận", 1),
    "received": ("Đã tiếp nhận", 2),
    "refused": ("Từ chối tiếp nhận", 3),
    "processing": ("Đang xử lý", 4),
    "supplementing": ("Chờ bổ sung hồ sơ", 5),
    "awaiting_payment": ("Chờ thực hiện nghĩa vụ tài chính", 6),
    "withdrawn": ("Đã rút hồ sơ", 7),
    "stopped": ("Dừng giải quyết", 8),
    "decided": ("Đã giải quyết xong", 9),
    "returned": ("Đã trả kết quả", 10),
}
PAUSE_LABELS = {"supplement": "Chờ bổ sung", "payment": "Chờ nghĩa vụ tài chính"}
SUPPLEMENT_DETAIL = (
    "Bổ sung, hoàn thiện hồ sơ theo các nội dung dưới đây, nộp tại %(place)s hoặc theo cách đã "
    "nộp hồ sơ. Thời gian giải quyết tạm dừng đến khi nhận đủ."
)
PAY_DETAIL = (
    "Thực hiện nghĩa vụ tài chính (phí, lệ phí, thuế…) theo thông báo của cơ quan giải quyết; "
    "hồ sơ được xử lý tiếp sau khi hoàn thành."
)
PAY_DECIDED_DETAIL = (
    "Hồ sơ đã có kết quả. Thực hiện nghĩa vụ tài chính (phí, lệ phí, thuế…) theo thông báo của "
    "cơ quan giải quyết; kết quả được trả sau khi hoàn thành."
)
COLLECT_ONLINE = (
    "Hồ sơ đã có kết quả. Nhận kết quả trực tuyến trên tài khoản dịch vụ công, hoặc tại %(place)s."
)
COLLECT = "Hồ sơ đã có kết quả. Mời Ông/Bà/Tổ chức nhận kết quả tại %(place)s."

DOSSIER_SQL = """
SELECT d.id, d.code, d.tracking_secret, d.state, d.channel, d.submitted_at, d.received_at,
       d.due_at, d.decided_at, d.returned_at, d.paused_since, v.name,
       r.name, r.address, c.name, k.name, k.address
FROM dossiers_dossier d
JOIN catalog_procedureversion v ON v.id = d.procedure_version_id
LEFT JOIN agencies_agency r ON r.id = d.receiving_agency_id
LEFT JOIN agencies_agency c ON c.id = d.current_agency_id
JOIN agencies_agency k ON k.id = d.competent_agency_id
WHERE d.code = %s AND d.state <> 'draft'
LIMIT 1
"""
STEPS_SQL = """
SELECT s.name, a.name, s.started_at, s.due_at, s.finished_at
FROM dossiers_steprecord s JOIN agencies_agency a ON a.id = s.agency_id
WHERE s.dossier_id = %s ORDER BY s.started_at, s.id
"""
PAUSES_SQL = """
SELECT kind, started_at, ended_at, items FROM dossiers_pause
WHERE dossier_id = %s ORDER BY started_at, id
"""
EVENT_SQL = """
SELECT data FROM dossiers_event WHERE dossier_id = %s AND action = %s ORDER BY seq DESC LIMIT 1
"""

_connection = None


def _db():
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(DATABASE_URL, autocommit=True)
        _connection.execute("SET TIME ZONE 'Asia/Ho_Chi_Minh'")
    return _connection


def _normalize_secret(value: str) -> str:
    return "".join(ch for ch in value.upper() if not ch.isspace() and ch != "-")


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _texts(items) -> list[str]:
    """tracking.item_texts: strings as they are; payment lines as "name: 200.000 đồng"."""
    out = []
    for item in items or []:
        if isinstance(item, dict):
            name = str(item.get("name") or item.get("text") or "").strip()
            amount = item.get("amount")
            if name and isinstance(amount, int) and not isinstance(amount, bool):
                grouped = f"{amount:,}".replace(",", ".")
                name = f"{name}: {grouped} đồng"
            item = name
        if str(item).strip():
            out.append(str(item).strip())
    return out


def track(code: str, secret: str, now: datetime) -> dict | None:
    code = "".join(code.split()).upper()
    row = None
    db = _db()
    if code and len(code) <= MAX_CODE_LENGTH and len(secret) <= MAX_SECRET_LENGTH:
        row = db.execute(DOSSIER_SQL, (code,)).fetchone()
    expected = row[2] if row else ""
    matched = hmac.compare_digest(
        _normalize_secret(expected or DECOY_SECRET).encode(), _normalize_secret(secret).encode()
    )
    if row is None or not expected or not _normalize_secret(secret) or not matched:
        return None
    (
        pk,
        code,
        _secret,
        state,
        channel,
        submitted_at,
        received_at,
        due_at,
        decided_at,
        returned_at,
        paused_since,
        procedure,
        receiving,
        receiving_address,
        current,
        competent,
        competent_address,
    ) = row
    steps = [
        {
            "name": name,
            "agency": agency,
            "started_at": _time(started),
            "due_at": _time(due),
            "finished_at": _time(finished),
            "on_time": None if finished is None else finished <= due,
        }
        for name, agency, started, due, finished in db.execute(STEPS_SQL, (pk,))
    ]
    pauses = [
        {
            "kind": kind,
            "label": PAUSE_LABELS[kind],
            "started_at": _time(started),
            "ended_at": _time(ended),
            "items": _texts(items),
        }
        for kind, started, ended, items in db.execute(PAUSES_SQL, (pk,))
    ]
    place = ", ".join(
        part
        for part in (
            (receiving, receiving_address) if receiving else (competent, competent_address)
        )
        if part
    )

    def open_items(kind: str, action: str) -> list[str]:
        for pause in reversed(pauses):
            if pause["kind"] == kind and pause["ended_at"] is None:
                return pause["items"]
        found = db.execute(EVENT_SQL, (pk, action)).fetchone()
        return _texts(found[0].get("items")) if found and isinstance(found[0], dict) else []

    if state == "supplementing":
        after = {
            "action": "supplement",
            "detail": SUPPLEMENT_DETAIL % {"place": place},
            "items": open_items("supplement", "request_supplement"),
        }
    elif state == "awaiting_payment":
        after = {
            "action": "pay",
            # Asked after the decision, before delivery: the result waits for the fees.
            "detail": PAY_DECIDED_DETAIL if decided_at is not None else PAY_DETAIL,
            "items": open_items("payment", "request_payment"),
        }
    elif state == "decided":
        text = COLLECT_ONLINE if channel == "online" else COLLECT
        after = {"action": "collect", "detail": text % {"place": place}, "items": []}
    else:
        after = {"action": "none", "detail": "", "items": []}
    # lifecycle.is_overdue: the clock runs in processing, and awaiting payment if not paused;
    # never once decided (fees asked before delivery).
    running = decided_at is None and (
        state == "processing" or (state == "awaiting_payment" and paused_since is None)
    )
    label, national = STATES[state]
    return {
        "code": code,
        "status": {"code": state, "name": label, "national_code": national},
        "procedure": procedure,
        "receiving_agency": receiving or "",
        "current_agency": current or "",
        "submitted_at": _time(submitted_at),
        "received_at": _time(received_at),
        "due_at": _time(due_at),
        "decided_at": _time(decided_at),
        "returned_at": _time(returned_at),
        "overdue": bool(due_at is not None and running and now > due_at),
        "paused": paused_since is not None,
        "steps": steps,
        "pauses": pauses,
        "next": after,
    }


NOT_FOUND = json.dumps(
    {"code": "not_found", "detail": "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu đã cho."},
    ensure_ascii=False,
    separators=(",", ":"),
).encode()
HEADERS = [
    ("Content-Type", "application/json"),
    ("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private"),
]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if environ.get("REQUEST_METHOD") != "GET" or not path.startswith("/track/"):
        start_response("404 Not Found", [*HEADERS, ("Content-Length", str(len(NOT_FOUND)))])
        return [NOT_FOUND]
    code = unquote(path[len("/track/") :])
    secret = (parse_qs(environ.get("QUERY_STRING", "")).get("secret") or [""])[0]
    view = track(code, secret, datetime.now(UTC))
    if view is None:
        body, status = NOT_FOUND, "404 Not Found"
    else:
        body = json.dumps(view, ensure_ascii=False, separators=(",", ":")).encode()
        status = "200 OK"
    start_response(status, [*HEADERS, ("Content-Length", str(len(body)))])
    return [body]
