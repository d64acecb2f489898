"""Roll-ups kept from events equal roll-ups rebuilt from scratch, row by row."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from motcua.dossiers.tests import factories as f
from motcua.metrics import selectors
from motcua.metrics.indicators import COUNTERS
from motcua.metrics.models import DailyRollup, MonthlyRollup
from motcua.metrics.rebuild import rebuild

from . import scenario

KEY = ("day", "competent_agency_id", "receiving_agency_id", "procedure_id", "channel")


@pytest.fixture
def p(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield from f.province_fixture()


def rows(model=DailyRollup) -> dict[tuple, dict]:
    return {
        tuple(r[k] for k in KEY): {c: r[c] for c in COUNTERS}
        for r in model.objects.values(*KEY, *COUNTERS)
    }


def test_rebuild_equals_incremental(p):
    scenario.build(p, dossiers=90)
    incremental = rows()
    monthly = rows(MonthlyRollup)
    assert len({k[0] for k in monthly}) == 1 < len({k[0] for k in incremental})
    assert sum(r["received"] for r in incremental.values()) > 40
    assert sum(r["resolved_late"] for r in incremental.values()) > 0
    assert sum(r["processing_seconds"] for r in incremental.values()) > 0
    assert sum(r["digitised"] for r in incremental.values()) > 0
    assert sum(r["paid_online"] for r in incremental.values()) > 0
    DailyRollup.objects.update(received=999)  # damage: the rebuild must not keep anything
    MonthlyRollup.objects.update(decided=999)
    DailyRollup.objects.create(
        day=f.T0.date().replace(year=2020),
        competent_agency=p.justice,
        receiving_agency=p.center,
        procedure=p.procedure,
        channel="online",
        received=5,
    )
    out = io.StringIO()
    call_command("rebuild_metrics", stdout=out)
    assert out.getvalue().startswith(f"{len(incremental)} roll-up rows")
    rebuilt = rows()
    assert rebuilt.keys() == incremental.keys()
    for key in incremental:
        assert rebuilt[key] == incremental[key], key
    assert rows(MonthlyRollup) == monthly


def test_whole_months_read_from_monthly_rows_equal_the_days(p):
    # Dossiers over two months (08/10/2025 + 25 days reaches November).
    scenario.build(p, dossiers=30, days=30, seed=4)
    start, end = date(2025, 9, 20), date(2025, 11, 30)
    assert [m.__name__ for m, *_ in selectors.segments(start, end)] == [
        "DailyRollup",
        "MonthlyRollup",
    ]
    expected = DailyRollup.objects.filter(day__gte=start, day__lte=end).aggregate(
        **{c: Sum(c) for c in COUNTERS}
    )
    assert selectors.counters(start, end)[None] == {c: expected[c] or 0 for c in COUNTERS}
    assert MonthlyRollup.objects.filter(day=date(2025, 11, 1)).exists()
    by_month = selectors.counters(start, end, group_by="month")
    assert set(by_month) == {date(2025, 10, 1), date(2025, 11, 1)}
    assert sum(m["received"] for m in by_month.values()) == expected["received"] > 0


def test_segments_split_edges_and_whole_months():
    seg = selectors.segments(date(2025, 1, 15), date(2025, 12, 31))
    assert [(m.__name__, a, b) for m, a, b in seg] == [
        ("DailyRollup", date(2025, 1, 15), date(2025, 1, 31)),
        ("MonthlyRollup", date(2025, 2, 1), date(2025, 12, 31)),
    ]
    seg = selectors.segments(date(2025, 3, 1), date(2025, 3, 30))
    assert [(m.__name__, a, b) for m, a, b in seg] == [
        ("DailyRollup", date(2025, 3, 1), date(2025, 3, 30))
    ]
    seg = selectors.segments(date(2024, 2, 1), date(2024, 3, 2))
    assert [(m.__name__, a, b) for m, a, b in seg] == [
        ("MonthlyRollup", date(2024, 2, 1), date(2024, 2, 29)),
        ("DailyRollup", date(2024, 3, 1), date(2024, 3, 2)),
    ]


def test_rebuild_range_leaves_other_days(p):
    scenario.build(p, dossiers=24, days=4)
    before = rows()
    days = sorted({k[0] for k in before})
    DailyRollup.objects.filter(day=days[1]).delete()
    DailyRollup.objects.filter(day=days[0]).update(received=77)
    monthly = rows(MonthlyRollup)
    rebuild(days[1], days[1])
    # The month is recomputed from the daily rows, the damaged day included.
    assert rows(MonthlyRollup) != monthly
    after = rows()
    assert {k: v for k, v in after.items() if k[0] == days[1]} == {
        k: v for k, v in before.items() if k[0] == days[1]
    }
    # Outside the range: untouched (even if wrong).
    assert all(v["received"] == 77 for k, v in after.items() if k[0] == days[0])


def test_command_refuses_a_reversed_range(db):
    with pytest.raises(CommandError, match="before"):
        call_command("rebuild_metrics", "--from", "2025-10-10", "--to", "2025-10-01")
    with pytest.raises(CommandError, match="invalid date"):
        call_command("rebuild_metrics", "--from", "10/10/2025")
