"""The performance paths must not change a number: inside `selectors.memoized()` (one page) the
reads are shared and derived (the total from the months, communes from agencies, fields from
procedures, every snapshot grouping from one query), and a scope covering every agency drops its
IN lists. Each is compared with the plain reads, on dossiers driven through the real services."""

from datetime import timedelta

import pytest

from motcua.agencies.models import Agency
from motcua.dossiers.tests import factories as f
from motcua.metrics import selectors
from motcua.metrics.models import DailyRollup

from . import scenario

START = f.T0.date() - timedelta(days=1)
END = f.T0.date() + timedelta(days=40)
NOW = f.T0 + timedelta(days=3)  # inside the period: the open-dossier snapshot is given


@pytest.fixture
def p(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield from f.province_fixture()


@pytest.fixture
def data(p):
    scenario.build(p, dossiers=60)
    return p


def _every_grouping(**filters) -> dict:
    return {
        g: selectors.indicator_values(START, END, group_by=g, now=NOW, **filters)
        for g in (None, *selectors.GROUPS)
    }


def test_memoized_page_reads_equal_plain_reads(data):
    p = data
    for filters in ({}, {"agencies": {p.justice.pk}}, {"field": p.procedure.field_id}):
        plain = _every_grouping(**filters)
        assert plain[None]["total"]["counters"]["received"] > 0 or filters
        with selectors.memoized():
            # The groupings first, then the total: derived reads are exercised both ways.
            memo = {
                g: selectors.indicator_values(START, END, group_by=g, now=NOW, **filters)
                for g in (*selectors.GROUPS, None)
            }
            again = _every_grouping(**filters)
        assert memo == plain, filters
        assert again == plain, filters
    total = _every_grouping()[None]["total"]["counters"]
    assert total["open"] > 0  # the snapshot was compared too, not only zeros


def test_memoized_index_equals_plain_index(data):
    for group_by in selectors.INDEX_GROUPS:
        plain = selectors.index_values(START, END, group_by=group_by, now=NOW)
        with selectors.memoized():
            selectors.indicator_values(START, END, group_by="agency", now=NOW)
            memo = selectors.index_values(START, END, group_by=group_by, now=NOW)
        assert memo == plain, group_by
    communes = selectors.index_values(START, END, group_by="commune", now=NOW)
    assert communes["rows"], "the commune ranking has rows to compare"


def test_memo_lasts_one_block_and_hands_out_copies(data, django_assert_num_queries):
    p = data
    with selectors.memoized():
        before = selectors.counters(START, END)[None]
        mine = selectors.counters(START, END)[None]
        mine["received"] = -1  # a caller updating its dict does not change the memo
        with django_assert_num_queries(0):
            assert selectors.counters(START, END)[None] == before
        DailyRollup.objects.create(
            day=START,
            competent_agency=p.justice,
            receiving_agency=p.center,
            procedure=p.procedure,
            channel="counter",
            received=5,
        )
        assert selectors.counters(START, END)[None]["received"] == before["received"]
    # Outside the block every read is fresh.
    assert selectors.counters(START, END)[None]["received"] == before["received"] + 5


def test_scope_with_every_agency_equals_no_scope(data):
    everything = set(Agency.objects.values_list("pk", flat=True))
    plain = selectors.indicator_values(START, END, group_by="agency", now=NOW)
    listed = selectors.indicator_values(START, END, group_by="agency", now=NOW, agencies=everything)
    with selectors.memoized():  # here the IN lists are dropped
        dropped = selectors.indicator_values(
            START, END, group_by="agency", now=NOW, agencies=everything
        )
    assert plain == listed == dropped
    missing_one = everything - {data.justice.pk}
    with selectors.memoized():
        narrower = selectors.indicator_values(START, END, now=NOW, agencies=missing_one)
    assert narrower == selectors.indicator_values(START, END, now=NOW, agencies=missing_one)


def test_channels_from_the_page_read_equal_plain_reads(data):
    from motcua.metrics import dashboard_data

    plain = dashboard_data.received_by_channel(START, END)
    with selectors.memoized():
        selectors.indicator_values(START, END, group_by="month", now=NOW)
        memo = dashboard_data.received_by_channel(START, END)
    assert memo == plain
    assert sum(plain[None].values()) > 0


# --- the optional dashboard cache (MOTCUA_METRICS_DASHBOARD_CACHE_SECONDS) ---------------------

URL = "/can-bo/thong-ke/"
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}


def _page(client, user, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    rollup_reads = [q for q in queries if "metrics_monthlyrollup" in q["sql"].lower()]
    rollup_reads += [q for q in queries if "metrics_dailyrollup" in q["sql"].lower()]
    cards = {c["code"]: c["value"] for c in response.context["cards"]}
    return cards, len(rollup_reads)


@pytest.fixture
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_dashboard_cache_is_off_by_default(client, data, fresh_cache):
    _cards, reads = _page(client, data.manager, PERIOD)
    assert reads > 0
    _cards, again = _page(client, data.manager, PERIOD)
    assert again == reads  # computed again


def test_dashboard_cache_reuses_numbers_per_scope_and_filters(client, data, settings, fresh_cache):
    p = data
    settings.MOTCUA_METRICS_DASHBOARD_CACHE_SECONDS = 60
    cards, reads = _page(client, p.manager, PERIOD)
    assert reads > 0 and cards["received"] > 0
    # Same scope and filters: the numbers come from the cache, not from the roll-ups.
    again, reads_again = _page(client, p.manager, PERIOD)
    assert (again, reads_again) == (cards, 0)
    # Another period, or a user with another scope, is computed on its own.
    _other, other_reads = _page(client, p.manager, {**PERIOD, "to": START.isoformat()})
    assert other_reads > 0
    commune, commune_reads = _page(client, p.commune_specialist, PERIOD)
    assert commune_reads > 0
    assert commune["received"] < cards["received"]  # not the manager's cached figures
