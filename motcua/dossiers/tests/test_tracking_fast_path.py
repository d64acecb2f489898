"""GET /api/v1/tracking/{code} is served by a plain Django view (tracking_api.tracking_detail) on
its common path and by the documented DRF view otherwise: both must answer exactly alike, and the
look-up reads the dossier, its steps and its pauses in one query on PostgreSQL."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from motcua.dossiers import tracking, tracking_api
from motcua.dossiers.lifecycle import Channel
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests import form_fixtures as ff

pytestmark = pytest.mark.django_db

# Headers that differ between two responses by time only, or are added by middleware.
_SAME_HEADERS = ("Content-Type", "Cache-Control", "Allow", "Vary", "Retry-After")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dossier():
    d = ff.dossier(received_at=ff.vn(2025, 10, 8, 9, 15))
    ff.add_step(
        d,
        1,
        "Thẩm định hồ sơ",
        d.competent_agency,
        ff.vn(2025, 10, 8, 11, 15),
        officer_user=ff.officer("cv1", "Lê Thị Mai"),
    )
    return d


def both(path: str, **extra):
    """(fast view's response, DRF view's response) for the same request."""
    factory = RequestFactory()
    code = path.split("?")[0].rsplit("/", 1)[1]
    fast = tracking_api.tracking_detail(factory.get(path, **extra), code=code)
    cache.clear()  # the throttle counted the first one
    drf = tracking_api._DRF_VIEW(factory.get(path, **extra), code=code)
    drf.render()
    return fast, drf


def assert_same(fast, drf):
    assert fast.status_code == drf.status_code
    assert fast.content == drf.content
    for name in _SAME_HEADERS:
        assert fast.get(name) == drf.get(name), name
    assert ("Expires" in fast) == ("Expires" in drf)


def test_the_fast_view_answers_like_the_drf_view_for_every_kind_of_dossier(dossier):
    states = [dossier]
    paused = ff.dossier(received_at=ff.vn(2025, 10, 8, 9, 15))
    ff.request_supplement(paused, ff.vn(2025, 10, 9, 14, 0), ["Ảnh 4x6", "Bản sao\u2028CCCD"])
    states.append(paused)
    decided = ff.dossier(received_at=ff.vn(2025, 10, 8, 9, 15), channel=Channel.ONLINE)
    ff.decide(decided, ff.vn(2025, 10, 9, 8, 0))
    states.append(decided)
    states.append(
        ff.request_payment(
            ff.dossier(), ff.vn(2025, 10, 9, 10, 0), [{"name": "Lệ phí", "amount": 200000}]
        )
    )
    for d in states:
        d.refresh_from_db()
        fast, drf = both(f"/api/v1/tracking/{d.code}?secret={d.tracking_secret}")
        assert fast.status_code == 200
        assert_same(fast, drf)
    assert b"\\u2028" in both(f"/api/v1/tracking/{paused.code}?secret=ABCDE-23456")[0].content


@pytest.mark.parametrize(
    "query", ["?secret=ABCDE23457", "", "?secret=" + "A" * 40, "?secret=abcde-23456&x=1"]
)
def test_not_found_and_found_answers_are_the_same_bytes(dossier, query):
    fast, drf = both(f"/api/v1/tracking/{dossier.code}{query}")
    assert_same(fast, drf)


def test_throttled_answers_alike(dossier, settings):
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "public_lookup": "1/min"}
    factory = RequestFactory()
    path = f"/api/v1/tracking/{dossier.code}?secret=ABCDE23456"
    with override_settings(REST_FRAMEWORK=rest):
        tracking_api.tracking_detail(factory.get(path), code=dossier.code)
        fast = tracking_api.tracking_detail(factory.get(path), code=dossier.code)
        cache.clear()
        tracking_api._DRF_VIEW(factory.get(path), code=dossier.code)
        drf = tracking_api._DRF_VIEW(factory.get(path), code=dossier.code)
        drf.render()
    assert fast.status_code == 429
    assert_same(fast, drf)


def test_browsers_options_and_other_methods_go_to_the_drf_view(client, dossier):
    path = f"/api/v1/tracking/{dossier.code}"
    html = client.get(path, {"secret": "ABCDE23456"}, HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert client.get(path, {"secret": "ABCDE23456", "format": "json"}).status_code == 200
    assert client.options(path).status_code == 200
    posted = client.post(path, {"secret": "ABCDE23456"})
    assert posted.status_code == 405
    assert posted.json()["code"] == "method_not_allowed"
    refused = client.get(path, {"secret": "ABCDE23456"}, HTTP_ACCEPT="text/plain")
    assert refused.status_code == 406
    json_client = client.get(path, {"secret": "ABCDE23456"}, HTTP_ACCEPT="application/json")
    assert json_client.status_code == 200 and json_client.json()["code"] == dossier.code


@pytest.mark.postgres(reason="the one-query read is PostgreSQL's")
def test_one_query_on_postgresql_for_a_look_up(dossier):
    ff.request_supplement(dossier, ff.vn(2025, 10, 9, 14, 0), ["Ảnh 4x6"])
    with CaptureQueriesContext(connection) as queries:
        view = tracking.track(dossier.code, "ABCDE-23456")
    assert len(queries) == 1
    assert [s.name for s in view.steps] == ["Tiếp nhận hồ sơ", "Thẩm định hồ sơ"]
    assert view.pauses[0].items == ("Ảnh 4x6",)
    with CaptureQueriesContext(connection) as queries:
        assert tracking.track(dossier.code, "ABCDE-23457") is None
    assert len(queries) == 1


def test_one_read_and_three_reads_give_the_same_view(dossier):
    """The one-query path (PostgreSQL) against the three ORM reads it replaces."""
    ff.request_supplement(dossier, ff.vn(2025, 10, 9, 14, 0), ["Ảnh 4x6"])
    view = tracking.track(dossier.code, "abcde23456")
    found = tracking.find(dossier.code, "abcde23456")
    assert view.steps == tracking._steps(found.id)
    assert view.pauses == tracking._pauses(found.id)


def test_a_stored_secret_not_in_normal_form_still_opens_the_dossier(dossier):
    Dossier.objects.filter(pk=dossier.pk).update(tracking_secret="abcde-23456")
    view = tracking.track(dossier.code, "ABCDE23456")
    assert view is not None and len(view.steps) == 2


@pytest.mark.postgres(reason="prepared statements are PostgreSQL's")
def test_the_look_up_is_prepared_once_per_connection_and_can_be_turned_off(dossier, settings):
    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%dossiers_steprecord s JOIN agencies_agency%"],
            )
            return cursor.fetchone()[0]

    before = prepared()
    first = tracking.track(dossier.code, "ABCDE23456")
    assert tracking.track(dossier.code, "ABCDE23456") == first
    assert prepared() == before + 1  # once, however many look-ups
    assert connection.connection.prepare_threshold is None  # Django's own queries unchanged
    settings.MOTCUA_TRACKING_PREPARED = False
    assert tracking.track(dossier.code, "ABCDE23456") == first
    assert tracking.track(dossier.code, "WRONG23456") is None
