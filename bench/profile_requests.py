"""Per-request cost of the dossier hot paths in one process, without HTTP: Django's test client
(the whole middleware stack and URL resolution) on the benchmark database. For finding where
the time goes, not for the goals (those are bench/dossier_bench.py's).

    .venv/bin/python bench/profile_requests.py [--only tracking,submissions,intake] [--n 500]
        [--profile tracking|create|submit|intake] [--database-url …]

For each path: milliseconds per request (mean over --n after a warm-up) and SQL statements per
request; `--profile` prints the top of cProfile's cumulative listing for one path. Everything
the submissions create is deleted afterwards (as dossier_bench.py does). `intake` (the
acknowledgement, POST /api/v1/submissions) publishes its tasks to a Redis database of the
bench's own (BENCH_REDIS_URL, default db 11), flushed afterwards; no worker runs.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

import dossier_bench  # noqa: E402


def _timed(label: str, calls, profile: bool) -> None:
    from django.db import connection

    for call in calls[:20]:  # warm-up: imports, compiled queries, caches
        call()
    # Counted by a wrapper: the test client's request_started resets connection.queries.
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        calls[20]()
    if os.environ.get("PROFILE_SQL"):
        print("\n".join(q[:160] for q in queries))
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for call in calls[21:]:
        call()
    if profiler:
        profiler.disable()
    ms = (time.perf_counter() - started) * 1000 / max(1, len(calls) - 21)
    print(f"{label:<44} {ms:7.2f} ms/request  {len(queries):3d} statements", flush=True)
    if profiler:
        stats = pstats.Stats(profiler)
        breakdown(stats, len(calls) - 21)
        stats.sort_stats("cumulative").print_stats(30)


# Where a request's own time (cProfile's tottime) goes, by the code that spends it.
BUCKETS = (
    ("waiting for PostgreSQL (psycopg: send, wait, fetch)", ("/psycopg/",)),
    ("Django ORM (building SQL, model instances)", ("/django/db/",)),
    ("DRF (request cycle, parsers, serializers, fields)", ("/rest_framework/",)),
    (
        "our answer (dossiers serializers, selectors, permissions)",
        (
            "motcua/dossiers/serializers",
            "motcua/dossiers/selectors",
            "motcua/dossiers/permissions",
            "motcua/dossiers/forms",
            "motcua/dossiers/regimes",
        ),
    ),
    (
        "our services and rules (services, lifecycle, chain, worktime, routing)",
        (
            "motcua/dossiers/services",
            "motcua/dossiers/lifecycle",
            "motcua/dossiers/chain",
            "motcua/worktime/",
            "motcua/dossiers/routing",
            "motcua/dossiers/identity",
            "motcua/dossiers/codes",
            "motcua/agencies/",
        ),
    ),
    (
        "signal receivers (metrics, notifications, payments)",
        (
            "motcua/metrics/",
            "motcua/notifications/",
            "motcua/payments/",
        ),
    ),
    (
        "idempotency and API glue",
        ("motcua/dossiers/idempotency", "motcua/dossiers/api", "motcua/api/"),
    ),
    ("Django request cycle, middleware, URLs, translation", ("/django/",)),
)


def breakdown(stats: pstats.Stats, requests: int) -> None:
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        label = "other (stdlib: json, hashlib, uuid, datetime, …)"
        for name, parts in BUCKETS:
            if any(part in filename for part in parts):
                label = name
                break
        totals[label] = totals.get(label, 0.0) + tottime
    if os.environ.get("PROFILE_OTHER"):  # what "other" is made of
        rows = [
            (tt, f"{fn}:{name}")
            for (fn, _l, name), (_c, _n, tt, _ct, _cl) in stats.stats.items()
            if not any(p in fn for _label, parts in BUCKETS for p in parts)
        ]
        for tt, where in sorted(rows, reverse=True)[:12]:
            print(f"    other {tt * 1000 / requests:6.2f} ms  {where}")
    whole = sum(totals.values())
    print(f"per request: {whole * 1000 / requests:.2f} ms under the profiler")
    for label, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        share = seconds / whole * 100
        print(f"  {seconds * 1000 / requests:6.2f} ms  {share:4.1f} %  {label}")


def tracking(args, client) -> None:
    sample = dossier_bench.tracking_sample(args.n + 21, args.seed)
    calls = [
        (lambda c=c, s=s: client.get(f"/api/v1/tracking/{c}", {"secret": s}))
        for c, s, _state in sample
    ]
    _timed("GET /api/v1/tracking/{code}", calls, args.profile == "tracking")
    wrong = [
        (lambda c=c: client.get(f"/api/v1/tracking/{c}", {"secret": "WRONGSECRET"}))
        for c, _s, _state in sample
    ]
    _timed("GET /api/v1/tracking/{code} (wrong secret)", wrong, False)


def _applicant_and_bodies(args, **extra):
    """The first bench applicant, its API token (and whether it was created here), the headers
    and --n + 21 online submission bodies (with `extra` fields)."""
    from rest_framework.authtoken.models import Token

    user = dossier_bench.bench_applicant()
    token, created = Token.objects.get_or_create(user=user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}
    bodies = dossier_bench.submission_bodies(args.seed, args.n + 21, **extra)
    return user, token, created, headers, bodies


def submissions(args, client) -> None:
    from django.db import connection

    _user, token, created, headers, bodies = _applicant_and_bodies(args)
    marks = dossier_bench._high_water_marks(connection)
    ids: list[str] = []
    counter = iter(range(10**9))
    try:

        def create(body):
            response = client.post(
                "/api/v1/dossiers",
                json.dumps(body),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"prof-{next(counter)}-{time.time()}",
                **headers,
            )
            assert response.status_code == 201, response.content[:300]
            ids.append(response.json()["public_id"])

        def submit(public_id):
            response = client.post(
                f"/api/v1/dossiers/{public_id}/actions/submit",
                "{}",
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"prof-{next(counter)}-{time.time()}",
                **headers,
            )
            assert response.status_code == 200, response.content[:300]

        _timed(
            "POST /api/v1/dossiers (online draft)",
            [(lambda b=b: create(b)) for b in bodies],
            args.profile == "create",
        )
        _timed(
            "POST /api/v1/dossiers/{id}/actions/submit",
            [(lambda i=i: submit(i)) for i in list(ids)],
            args.profile == "submit",
        )
    finally:
        removed = dossier_bench._remove_since(connection, marks)
        if created:
            token.delete()
        print(f"({removed} rows removed)")


def intake(args, client) -> None:
    import redis
    from django.db import connection

    from motcua.dossiers.models import Submission

    user, token, created, headers, bodies = _applicant_and_bodies(args, submit=True)
    started = connection.cursor().connection.execute("SELECT now()").fetchone()[0]
    counter = iter(range(10**9))

    def acknowledge(body):
        response = client.post(
            "/api/v1/submissions",
            json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"prof-{next(counter)}-{time.time()}",
            **headers,
        )
        assert response.status_code == 202, response.content[:300]

    try:
        _timed(
            "POST /api/v1/submissions (acknowledgement)",
            [(lambda b=b: acknowledge(b)) for b in bodies],
            args.profile == "intake",
        )
    finally:
        removed, _ = Submission.objects.filter(user=user, created_at__gte=started).delete()
        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
        if created:
            token.delete()
        print(f"({removed} rows removed)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", dossier_bench.DEFAULT_DATABASE_URL),
    )
    parser.add_argument("--only", default="tracking,submissions")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", choices=["tracking", "create", "submit", "intake"])
    args = parser.parse_args(argv)
    env = dossier_bench.server_environment(args.database_url, "/tmp/motcua-bench-static")
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    os.environ.pop("REDIS_URL", None)
    only = set(args.only.split(","))
    if "intake" in only:  # the acknowledgement publishes to a broker: the bench's own database
        os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
        redis_flush = os.environ["REDIS_URL"]
        import redis

        redis.Redis.from_url(redis_flush).flushdb()
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 404s are expected
    from django.test import Client

    client = Client()
    if "tracking" in only:
        tracking(args, client)
    if "submissions" in only:
        submissions(args, client)
    if "intake" in only:
        intake(args, client)
    return 0


if __name__ == "__main__":
    sys.exit(main())
