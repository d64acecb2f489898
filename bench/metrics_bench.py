"""Indicators at scale: roll-up rebuild time and dashboard latency on a generated database.

    .venv/bin/python bench/metrics_bench.py [--database-url URL] [--year 2025] [--repeat 30]
        [--skip-rebuild] [--json results.json]
        [--synthetic-rollups 10000000 [--synthetic-year 2026] [--synthetic-communes 150]
         [--synthetic-open 200000]]

Runs on the database that bench/generate_dossiers.py filled (default motcua_bench_dossiers;
DATABASE_URL is never read, so a slip cannot touch a working database). The generator writes
events with COPY, so no roll-up exists until `rebuild` runs: that is the first measurement.
Then, for a province-year and for one agency-year:

- the selectors behind the dashboard (`indicator_values` grouped by nothing, agency, month and
  procedure, `index_values` by agency), each called --repeat times: p50 and p95;
- the whole dashboard page /can-bo/thong-ke/ as the province manager `quanly`, through Django's
  test client (no network), --repeat times: p50 and p95, and its query count;
- the page's reads alone, shared as on the page (`selectors.memoized()`): p50 and p95;
- the page again with the optional 60 s cache (an addition, not the main result);
- the month's periodic report downloaded as Excel by the manager (read back with openpyxl);
- a check that the roll-up numbers equal a direct count on the dossiers and events tables
  (received and decided; the dossiers in progress now when the year contains today), so a fast
  answer is also a right one.

`--synthetic-rollups N` (PostgreSQL, labelled SYNTHETIC in the output): first replaces the
roll-ups of `--synthetic-year` (default: this year, which must have no real events) with rows
shaped like N dossiers a year and copies open dossiers for the snapshot (see build_synthetic),
then measures that year. For a scale the generator cannot reach on this machine (10 M).
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


SYNTHETIC_PREFIX = "SYN."
SYNTHETIC_APPLICANT = "SYNTHETIC-BENCH"
OPEN_STATES = ("processing", "supplementing", "awaiting_payment")


def build_synthetic(year: int, dossiers: int, communes: int, open_dossiers: int) -> dict:
    """SYNTHETIC roll-ups shaped like `dossiers` dossiers received in `year` (PostgreSQL only),
    for measuring the read path at a scale the generator cannot reach on this machine:

    - `communes` synthetic communes (a people's committee and its one-stop centre each, below
      the province, e-ids SYN.nnn), each deciding 40 procedures received online and at the
      counter, plus every key of the real roll-ups (departments, province centre);
    - a daily row per key on ~60 % of working days and ~10 % of days off, `received` drawn so
      that the year sums to about `dossiers`, the other counters derived from it (decided,
      early / on time / late, online, returned, digitised, paid, processing time);
    - the monthly rows by rebuild.rebuild_months (the same code as production);
    - `open_dossiers` open dossiers for the snapshot: copies of the real open dossiers (new
      public ids, no code, applicant SYNTHETIC-BENCH) spread over the synthetic communes.

    The year's roll-ups are replaced; the year must have no real events."""
    from django.db import connection, transaction

    from motcua.agencies.models import AdministrativeUnit, Agency
    from motcua.dossiers.models import Event
    from motcua.metrics import rebuild

    start, end = date(year, 1, 1), date(year, 12, 31)
    low, high = rebuild._bounds(start, end)
    if Event.objects.filter(at__gte=low, at__lt=high).exists():
        raise SystemExit(f"{year} has real events: choose another --synthetic-year")
    t0 = time.perf_counter()
    root = Agency.objects.filter(parent__isnull=True, kind="province_committee").first()
    units = list(AdministrativeUnit.objects.filter(level="commune").order_by("pk")[:communes])
    with transaction.atomic():
        for i, unit in enumerate(units):
            e_id = f"{SYNTHETIC_PREFIX}{i:03d}"
            committee, _ = Agency.objects.get_or_create(
                e_id=e_id,
                defaults={
                    "name": f"UBND {unit.name} (tổng hợp giả lập)",
                    "kind": "commune_committee",
                    "parent": root,
                    "unit": unit,
                },
            )
            Agency.objects.get_or_create(
                e_id=f"{e_id}.40",
                defaults={
                    "name": f"Bộ phận một cửa {unit.name} (giả lập)",
                    "kind": "commune_center",
                    "parent": committee,
                    "unit": unit,
                },
            )
        with connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute("DELETE FROM metrics_dailyrollup WHERE day BETWEEN %s AND %s", [start, end])
            cur.execute(
                "DELETE FROM metrics_monthlyrollup WHERE day BETWEEN %s AND %s", [start, end]
            )
            cur.execute(
                """CREATE TEMP TABLE syn_keys ON COMMIT DROP AS
                SELECT c.id AS comp, ctr.id AS recv, p.id AS proc, ch.channel
                FROM agencies_agency c
                JOIN agencies_agency ctr ON ctr.parent_id = c.id AND ctr.e_id LIKE %s
                CROSS JOIN LATERAL (
                    SELECT id FROM catalog_procedure ORDER BY (id * 7919 + c.id * 104729) %% 1009
                    LIMIT 40) p
                CROSS JOIN (VALUES ('online'), ('counter')) ch(channel)
                WHERE c.e_id LIKE %s AND c.kind = 'commune_committee'
                UNION
                SELECT DISTINCT competent_agency_id, receiving_agency_id, procedure_id, channel
                FROM metrics_monthlyrollup""",
                [f"{SYNTHETIC_PREFIX}%", f"{SYNTHETIC_PREFIX}%"],
            )
            cur.execute("SELECT count(*) FROM syn_keys")
            keys = cur.fetchone()[0]
            active_days = 365 * (5 / 7 * 0.6 + 2 / 7 * 0.1)
            mean = max(1.0, dossiers / (keys * active_days))
            cur.execute(
                """INSERT INTO metrics_dailyrollup (day, competent_agency_id, receiving_agency_id,
                    procedure_id, channel, submitted, received, received_online_full,
                    received_online_partial, reception_supplement_requested, supplement_requested,
                    refused, withdrawn, stopped, decided, approved, denied, resolved_early,
                    resolved_on_time, resolved_late, processing_seconds, closed_in_time,
                    closed_late, returned, finished, digitised, reused, result_electronic,
                    extended, payment_requested, paid, paid_online, paid_amount,
                    paid_online_amount)
                SELECT day, comp, recv, proc, channel,
                    CASE WHEN channel = 'online' THEN r ELSE 0 END, r,
                    CASE WHEN channel = 'online' THEN r ELSE 0 END, 0,
                    r / 10, r / 12, r / 30, 0, 0,
                    r, r - r / 20, r / 20, r / 2, r - r / 2 - r / 15, r / 15,
                    r::bigint * 3 * 28800, 0, 0, r, r, r - r / 10, r / 5, r / 2,
                    r / 40, r / 3, r / 3, CASE WHEN channel = 'online' THEN r / 3 ELSE 0 END,
                    (r / 3)::bigint * 50000,
                    CASE WHEN channel = 'online' THEN (r / 3)::bigint * 50000 ELSE 0 END
                FROM (
                    SELECT d::date AS day, k.*, 1 + floor(random() * (2 * %s - 1))::int AS r
                    FROM generate_series(%s::date, %s::date, interval '1 day') d
                    CROSS JOIN syn_keys k
                    WHERE random() < CASE WHEN extract(isodow FROM d) < 6 THEN 0.6 ELSE 0.1 END
                ) g""",
                [mean, start, end],
            )
            daily = cur.rowcount
        monthly = rebuild.rebuild_months(start, end)
        copies = 0
        with connection.cursor() as cur:
            cur.execute(
                "DELETE FROM dossiers_dossier WHERE applicant_name = %s", [SYNTHETIC_APPLICANT]
            )
            cur.execute(
                "SELECT count(*) FROM dossiers_dossier WHERE state = ANY(%s)", [list(OPEN_STATES)]
            )
            real_open = cur.fetchone()[0]
            if open_dossiers > real_open and real_open:
                copies = -(-(open_dossiers - real_open) // real_open)
                cur.execute(
                    """SELECT column_name FROM information_schema.columns
                    WHERE table_name = 'dossiers_dossier' AND column_name <> 'id'
                    ORDER BY ordinal_position"""
                )
                columns = [r[0] for r in cur.fetchall()]
                replaced = {
                    "public_id": "gen_random_uuid()",
                    "code": "NULL",
                    "applicant_name": "%s",
                    "competent_agency_id": "a.comp",
                    "receiving_agency_id": "a.recv",
                    "current_agency_id": "a.comp",
                    "current_officer_id": "NULL",
                }
                select = ", ".join(replaced.get(c, f"d.{c}") for c in columns)
                cur.execute(
                    f"""INSERT INTO dossiers_dossier ({", ".join(columns)})
                    SELECT {select}
                    FROM dossiers_dossier d
                    CROSS JOIN generate_series(1, %s) g
                    JOIN LATERAL (
                        SELECT c.id AS comp, ctr.id AS recv FROM agencies_agency c
                        JOIN agencies_agency ctr ON ctr.parent_id = c.id
                        WHERE c.e_id LIKE %s AND c.kind = 'commune_committee'
                        ORDER BY (c.id * 31 + d.id * 17 + g) %% 997 LIMIT 1) a ON true
                    WHERE d.state = ANY(%s) AND d.applicant_name <> %s""",
                    [
                        SYNTHETIC_APPLICANT,
                        copies,
                        f"{SYNTHETIC_PREFIX}%",
                        list(OPEN_STATES),
                        SYNTHETIC_APPLICANT,
                    ],
                )
            cur.execute("ANALYZE dossiers_dossier")
            cur.execute("ANALYZE metrics_dailyrollup")
            cur.execute("ANALYZE metrics_monthlyrollup")
            cur.execute(
                "SELECT count(*), count(*) FILTER (WHERE state = ANY(%s)) FROM dossiers_dossier",
                [list(OPEN_STATES)],
            )
            total_dossiers, total_open = cur.fetchone()
            cur.execute(
                "SELECT coalesce(sum(received), 0) FROM metrics_monthlyrollup "
                "WHERE day BETWEEN %s AND %s",
                [start, end],
            )
            received = cur.fetchone()[0]
    out = {
        "synthetic": True,
        "year": year,
        "keys": keys,
        "daily_rows": daily,
        "monthly_rows": monthly,
        "received": int(received),
        "dossiers_table": total_dossiers,
        "open_dossiers": total_open,
        "build_s": round(time.perf_counter() - t0, 1),
    }
    print(f"SYNTHETIC roll-ups: {out}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--synthetic-rollups",
        type=int,
        metavar="N",
        help="SYNTHETIC: replace the roll-ups of --synthetic-year with rows shaped like N "
        "dossiers a year and add open dossiers for the snapshot, then measure that year "
        "(implies --skip-rebuild)",
    )
    parser.add_argument("--synthetic-year", type=int, default=None)
    parser.add_argument("--synthetic-communes", type=int, default=150)
    parser.add_argument("--synthetic-open", type=int, default=200_000)
    args = parser.parse_args(argv)
    _setup(args.database_url)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Sum
    from django.test import Client

    from motcua.dossiers.models import Dossier, Event
    from motcua.metrics import rebuild, selectors
    from motcua.metrics.models import DailyRollup, MonthlyRollup

    results: dict = {
        "dossiers": Dossier.objects.count(),
        "events": Event.objects.count(),
    }
    print(f"database: {results['dossiers']:,} dossiers, {results['events']:,} events")

    if args.synthetic_rollups:
        from django.utils import timezone

        args.year = args.synthetic_year or timezone.localdate().year
        args.skip_rebuild = True
        results["synthetic"] = build_synthetic(
            args.year, args.synthetic_rollups, args.synthetic_communes, args.synthetic_open
        )
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
    busiest = (  # from the roll-ups, so that the synthetic mode has one too
        MonthlyRollup.objects.filter(day__gte=start, day__lte=end)
        .values("competent_agency_id")
        .order_by()
        .annotate(n=Sum("received"))
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

    # The page's reads alone (no tables, no template), shared as on the page.
    from motcua.metrics import dashboard_data

    def page_reads():
        with selectors.memoized():
            for group_by in (None, "agency", "month", "procedure"):
                selectors.indicator_values(start, end, group_by=group_by)
            selectors.index_values(start, end, group_by="agency")
            selectors.index_values(start, end, group_by="commune")
            dashboard_data.received_by_channel(start, end)

    timings["province/page-reads-memoized"] = _time(page_reads, args.repeat)
    print(f"{'province/page-reads-memoized':40} {timings['province/page-reads-memoized']}")

    # An addition, not the main result: the optional 60 s cache (same scope and filters).
    from django.conf import settings
    from django.core.cache import cache

    settings.MOTCUA_METRICS_DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    timings["page/province-year-cached-60s"] = _time(
        lambda: client.get(url), max(5, args.repeat // 3)
    )
    settings.MOTCUA_METRICS_DASHBOARD_CACHE_SECONDS = 0
    print(f"{'page/province-year-cached-60s':40} {timings['page/province-year-cached-60s']}")
    # The manager exports a month's report to Excel (the "done means"): the last month
    # of the year with data, timed, and read back with openpyxl.
    from io import BytesIO

    from openpyxl import load_workbook

    last = (
        MonthlyRollup.objects.filter(day__gte=start, day__lte=end, received__gt=0)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    ) or start
    report_url = f"/can-bo/thong-ke/bao-cao/?period={last:%Y-%m}&format=xlsx"
    response = client.get(report_url)
    assert response.status_code == 200, response.status_code
    book = load_workbook(BytesIO(response.content), read_only=True)
    timings["report/month-xlsx"] = {
        **_time(lambda: client.get(report_url), max(5, args.repeat // 3)),
        "period": f"{last:%m/%Y}",
        "bytes": len(response.content),
        "sheets": book.sheetnames,
    }
    print(f"{'report/month-xlsx':40} {timings['report/month-xlsx']}")
    results["timings"] = timings

    # Fast and right: the roll-ups against a direct count (not for synthetic roll-ups).
    checks = {}
    for scope_name, agencies in ({} if args.synthetic_rollups else scopes).items():
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
    if not args.synthetic_rollups and start <= date.today() <= end:
        # The snapshot of dossiers in progress against a plain count over the dossiers table.
        snapshot = selectors.indicator_values(start, end)["total"]["counters"]
        with connection.cursor() as cur:
            cur.execute(
                """SELECT count(*) FROM dossiers_dossier
                   WHERE state IN ('processing', 'supplementing', 'awaiting_payment')
                     AND received_at IS NOT NULL AND decided_at IS NULL"""
            )
            direct_open = cur.fetchone()[0]
        checks["open_now"] = {
            "snapshot_in_progress": snapshot.get("open"),
            "direct_in_progress": direct_open,
        }
        print(f"check open now: {checks['open_now']}")
    results["checks"] = checks
    # The goal is the dashboard's: the cached variant and the report download are apart.
    slowest = max(
        t["p95_ms"]
        for name, t in timings.items()
        if "cached" not in name and not name.startswith("report/")
    )
    results["slowest_p95_ms"] = slowest
    results["goal_ms"] = GOAL_MS
    print(f"slowest p95 {slowest} ms (goal < {GOAL_MS} ms)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
