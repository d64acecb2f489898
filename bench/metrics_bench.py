"""Indicators at scale: roll-up rebuild time and dashboard latency on a generated database.

    .venv/bin/python bench/metrics_bench.py [--database-url URL] [--year 2025] [--repeat 30]
        [--skip-rebuild] [--json results.json]

Runs on the database that bench/generate_dossiers.py filled (default motcua_bench_dossiers;
DATABASE_URL is never read, so a slip cannot touch a working database). The generator writes
events with COPY, so no roll-up exists until `rebuild` runs: that is the first measurement.
Then, for a province-year and for one agency-year:

- the selectors behind the dashboard (`indicator_values` grouped by nothing, agency, month and
  procedure, `index_values` by agency), each called --repeat times: p50 and p95;
- the whole dashboard page /can-bo/thong-ke/ as the province manager `quanly`, through Django's
  test client (no network), --repeat times: p50 and p95, and its query count;
- a check that the roll-up numbers equal a direct count on the dossiers and events tables
  (received per channel, decisions on time and late), so a fast answer is also a right one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench_dossiers"
GOAL_MS = 300.0


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
    }


def _time(fn, repeat: int) -> dict:
    fn()  # warm: plans, caches, the work calendar
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return _percentiles(samples)


def _direct_counts(start: date, end: date, agency_id: int | None) -> dict:
    """Independent SQL over the event log (not the roll-ups): dossiers received (accept events)
    and decided (approve/deny events) on the local days start..end, for the whole province or
    for the dossiers an agency decides or received (the roll-ups' scope rule)."""
    from django.db import connection

    where_agency = (
        "AND (d.competent_agency_id = %s OR d.receiving_agency_id = %s)" if agency_id else ""
    )
    params_agency = [agency_id, agency_id] if agency_id else []
    lo, hi = f"{start.isoformat()} 00:00:00+07", f"{end.isoformat()} 23:59:59.999999+07"
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT count(*) FILTER (WHERE e.action = 'accept'),
                       count(*) FILTER (WHERE e.action IN ('approve', 'deny'))
                FROM dossiers_event e JOIN dossiers_dossier d ON d.id = e.dossier_id
                WHERE e.action IN ('accept', 'approve', 'deny')
                  AND e.at >= %s AND e.at <= %s {where_agency}""",
            [lo, hi, *params_agency],
        )
        received, decided = cur.fetchone()
    return {"received": received, "decided": decided}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    _setup(args.database_url)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from motcua.dossiers.models import Dossier, Event
    from motcua.metrics import rebuild, selectors
    from motcua.metrics.models import DailyRollup, MonthlyRollup

    results: dict = {
        "dossiers": Dossier.objects.count(),
        "events": Event.objects.count(),
    }
    print(f"database: {results['dossiers']:,} dossiers, {results['events']:,} events")

    if not args.skip_rebuild:
        t0 = time.perf_counter()
        daily = rebuild.rebuild()
        t1 = time.perf_counter()
        monthly = rebuild.rebuild_months()
        t2 = time.perf_counter()
        results["rebuild"] = {
            "daily_rows": daily,
            "daily_s": round(t1 - t0, 1),
            "monthly_rows": monthly,
            "monthly_s": round(t2 - t1, 1),
        }
        print(
            f"rebuild: {daily:,} daily rows in {t1 - t0:.1f} s, "
            f"{monthly:,} monthly rows in {t2 - t1:.1f} s"
        )
    results["rollup_rows"] = {
        "daily": DailyRollup.objects.count(),
        "monthly": MonthlyRollup.objects.count(),
    }

    start, end = date(args.year, 1, 1), date(args.year, 12, 31)
    busiest = (
        Dossier.objects.filter(received_at__year=args.year)
        .values("competent_agency_id")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    agency_id = busiest["competent_agency_id"] if busiest else None
    scopes = {"province": None, "agency": {agency_id} if agency_id else None}
    timings = {}
    for scope_name, agencies in scopes.items():
        for group_by in (None, "agency", "month", "procedure"):
            label = f"{scope_name}/indicators/{group_by or 'total'}"
            timings[label] = _time(
                lambda g=group_by, a=agencies: selectors.indicator_values(
                    start, end, agencies=a, group_by=g
                ),
                args.repeat,
            )
            print(f"{label:40} {timings[label]}")
        label = f"{scope_name}/index/agency"
        timings[label] = _time(
            lambda a=agencies: selectors.index_values(start, end, agencies=a, group_by="agency"),
            args.repeat,
        )
        print(f"{label:40} {timings[label]}")

    manager = get_user_model().objects.get(username="quanly")
    client = Client()
    client.force_login(manager)
    url = f"/can-bo/thong-ke/?from={start:%d/%m/%Y}&to={end:%d/%m/%Y}"
    assert client.get(url).status_code == 200
    # Counted with an execute wrapper: Django clears connection.queries at each request start.
    queries = []
    with connection.execute_wrapper(lambda run, sql, *rest: queries.append(sql) or run(sql, *rest)):
        client.get(url)
    timings["page/province-year"] = {
        **_time(lambda: client.get(url), max(5, args.repeat // 3)),
        "queries": len(queries),
    }
    print(f"{'page/province-year':40} {timings['page/province-year']}")
    results["timings"] = timings

    # Fast and right: the roll-ups against a direct count.
    checks = {}
    for scope_name, agencies in scopes.items():
        value = selectors.indicator_values(start, end, agencies=agencies)
        counters = value["total"]["counters"]
        direct = _direct_counts(start, end, agency_id if agencies else None)
        checks[scope_name] = {
            "rollup_received": counters.get("received"),
            "direct_received": direct["received"],
            "rollup_decided": counters.get("decided"),
            "direct_decided": direct["decided"],
        }
        print(f"check {scope_name}: {checks[scope_name]}")
    results["checks"] = checks
    slowest = max(t["p95_ms"] for t in timings.values())
    results["slowest_p95_ms"] = slowest
    results["goal_ms"] = GOAL_MS
    print(f"slowest p95 {slowest} ms (goal < {GOAL_MS} ms)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
