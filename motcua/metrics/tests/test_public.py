"""The public page /so-lieu/: the province's headline figures, no personal data, cached briefly."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from motcua.backoffice.tests.conftest import no_inline_code
from motcua.dossiers.lifecycle import Channel
from motcua.dossiers.models import Dossier
from motcua.dossiers.regimes import local_date
from motcua.dossiers.tests import factories as f

URL = "/so-lieu/"


@pytest.fixture
def p(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield from f.province_fixture()
    cache.clear()


def last_month_wednesday() -> date:
    """The second Wednesday of last month (a working day, never a public holiday)."""
    first = (local_date(timezone.now()).replace(day=1) - timedelta(days=1)).replace(day=1)
    day = first + timedelta(days=7)
    while day.isoweekday() != 3:
        day += timedelta(days=1)
    return day


@pytest.fixture
def data(p):
    day = last_month_wednesday()
    at = f.vn(day.year, day.month, day.day, 9)
    f.dossier_in(p, "returned", now=at)
    f.dossier_in(p, "returned", channel=Channel.COUNTER, now=at + timedelta(hours=1))
    f.dossier_in(
        p,
        "returned",
        procedure=p.commune_procedure,
        applicant=f.applicant_data(commune="06652", name="Trần Thị Bích", id_number="022190654321"),
        now=at,
    )
    return p, day


def test_public_page_shows_headline_figures_without_personal_data(client, data):
    p, day = data
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    last = response.context["last_month"]
    assert last["received"] == 3 and last["resolved"] == 3
    assert last["online_share"] == pytest.approx(66.67)
    assert last["label"] == f"Tháng {day.month:02d}/{day.year}"
    if day.year == local_date(timezone.now()).year:  # not in January
        assert response.context["year"]["received"] == 3
        names = {r["name"] for r in response.context["top"]}
        assert names == {p.justice.name, p.commune_committee.name}
        assert p.justice.name in html
    assert f"Tháng {day.month:02d}/{day.year}" in html
    assert "66,67%" in html
    for personal in ("Nguyễn Văn An", "Trần Thị Bích", "022090123456", "022190654321", "0912"):
        assert personal not in html
    for code in Dossier.objects.values_list("code", flat=True):
        assert code not in html
    assert no_inline_code(html)
    assert "public" in response["Cache-Control"]


def test_public_page_is_cached_for_a_few_minutes(client, data):
    p, day = data
    first = client.get(URL).context["last_month"]["received"]
    at = f.vn(day.year, day.month, day.day, 14)
    f.dossier_in(p, "returned", now=at)
    assert client.get(URL).context["last_month"]["received"] == first  # from the cache
    cache.clear()
    assert client.get(URL).context["last_month"]["received"] == first + 1


def test_portal_nav_slot_links_to_the_public_page(client, p):
    html = client.get("/tra-cuu/").content.decode()
    assert '<a href="/so-lieu/">Số liệu</a>' in html
