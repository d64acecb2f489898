"""The back-office dashboard (/can-bo/thong-ke/): scope, headline numbers, charts, drill-down,
targets and the forbidden paths. Data through the real services (dossiers factories)."""

import re
from datetime import timedelta
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from motcua.backoffice.tests.conftest import no_inline_code, unlabelled_controls
from motcua.dossiers.lifecycle import Channel
from motcua.dossiers.tests import factories as f
from motcua.metrics import charts, selectors
from motcua.metrics.models import Target

URL = "/can-bo/thong-ke/"
DRILL = "/can-bo/thong-ke/ho-so/"
OCTOBER = {"from": "2025-10-01", "to": "2025-10-31"}


@pytest.fixture
def p(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield from f.province_fixture()


@pytest.fixture
def data(p):
    """October 2025: Sở Tư pháp receives four (one late, one still open, one at the counter),
    Phường Hà Tu one; one refusal."""
    f.dossier_in(p, "returned")
    f.dossier_in(p, "returned", channel=Channel.COUNTER, now=f.T0 + timedelta(days=1))
    f.dossier_in(p, "decided", now=f.T0 + timedelta(days=2), gap=timedelta(days=4))  # late
    f.dossier_in(p, "processing", now=f.T0 + timedelta(days=6))
    f.dossier_in(p, "refused")
    f.dossier_in(
        p,
        "returned",
        procedure=p.commune_procedure,
        applicant=f.applicant_data(commune="06652"),
        now=f.T0 + timedelta(days=1),
    )
    return p


def get(client, user, url, params=None):
    client.force_login(user)
    return client.get(url, params or {})


def test_manager_sees_the_province(client, data):
    p = data
    response = get(client, p.manager, URL, OCTOBER)
    assert response.status_code == 200
    html = response.content.decode()
    cards = {c["code"]: c for c in response.context["cards"]}
    assert cards["received"]["value"] == 5
    assert cards["resolved"]["value"] == 4
    # 3 of the 4 decisions in time; 4 online of 5 received.
    assert cards["on_time_rate"]["value"] == 75.0
    assert cards["online_share"]["value"] == 80.0
    assert cards["satisfaction_rate"]["value"] is None
    assert "chưa có dữ liệu" in html
    assert p.justice.name in html and p.commune_committee.name in html
    assert "Tháng 10/2025" in html
    assert no_inline_code(html)
    assert unlabelled_controls(html) == []
    # The nav slot links here.
    assert f'<a href="{URL}" aria-current="page">Thống kê</a>' in html


def test_department_officer_sees_only_their_figures(client, data):
    p = data
    response = get(client, p.commune_specialist, URL, OCTOBER)
    assert response.status_code == 200
    html = response.content.decode()
    cards = {c["code"]: c for c in response.context["cards"]}
    assert cards["received"]["value"] == 1
    assert cards["resolved"]["value"] == 1
    assert p.commune_committee.name in html
    # Another agency's numbers and names are absent.
    assert p.justice.name not in html
    assert p.procedure.name not in html
    assert p.procedure.code not in html


def test_every_headline_number_drills_down_to_as_many_dossiers(client, data):
    p = data
    response = get(client, p.manager, URL, OCTOBER)
    checked = 0
    for card in response.context["cards"]:
        if not card["href"]:
            continue
        listing = client.get(card["href"])
        assert listing.status_code == 200, card["code"]
        assert listing.context["page"].paginator.count == card["value"] or card["unit"] == "%"
        checked += 1
    assert checked >= 3
    # A rate's link lists its numerator: 4 online dossiers behind 80 %.
    online = next(c for c in response.context["cards"] if c["code"] == "online_share")
    assert client.get(online["href"]).context["page"].paginator.count == 4


def test_table_numbers_link_to_their_dossiers(client, data):
    p = data
    response = get(client, p.manager, URL, OCTOBER)
    html = response.content.decode()
    links = re.findall(r'href="(/can-bo/thong-ke/ho-so/\?[^"]+)"', html)
    agency_links = [
        link.replace("&amp;", "&")
        for link in links
        if f"agency={p.justice.e_id}" in link and "indicator=resolved_late" in link
    ]
    assert agency_links
    listing = client.get(agency_links[0])
    assert listing.status_code == 200
    assert listing.context["page"].paginator.count == 1
    dossier = listing.context["page"].object_list[0]
    assert f'href="/can-bo/ho-so/{dossier.code}/"' in listing.content.decode()
    assert no_inline_code(listing.content.decode())


def test_drilldown_count_equals_the_selector_number(client, data):
    p = data
    params = {**OCTOBER, "indicator": "resolved", "agency": p.justice.e_id}
    response = get(client, p.manager, DRILL, params)
    values = selectors.indicator_values(
        f.T0.date().replace(day=1),
        f.T0.date().replace(day=31),
        agencies=selectors.scope_for(p.manager, p.justice.e_id),
    )
    assert (
        response.context["page"].paginator.count
        == values["total"]["indicators"]["resolved"]["value"]
        == 3
    )


def test_charts_have_one_bar_per_value(client, data):
    p = data
    response = get(client, p.manager, URL, {"from": "2025-09-01", "to": "2025-10-31"})
    html = response.content.decode()
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 6
    for svg in svgs:
        assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="[^"]+"', svg)
        assert "<title" in svg and "<desc" in svg
    trend, on_time, channel, overdue, agencies, communes = svgs
    months = response.context["sections"][1]["table"].rows
    assert [r["month"] for r in months] == ["10/2025"]  # September had nothing
    assert trend.count('class="bar"') == 2 * len(months)  # received, resolved
    assert on_time.count('class="bar"') == 2 * len(months)  # stacked: in time, late
    assert channel.count('class="bar"') == 3  # counter, online, postal
    assert overdue.count('class="bar"') == 1  # the late procedure
    ranked = response.context["sections"][5]["table"].rows
    assert agencies.count('class="bar"') == len(ranked) == 2
    assert communes.count('class="bar"') == 1  # Phường Hà Tu (the province is not a commune)


def test_bar_chart_heights_follow_values():
    svg = charts.bar_chart(
        "T", "D", ["a", "b"], [charts.Series("x", [10, 5]), charts.Series("y", [0, 20])]
    )
    heights = [float(h) for h in re.findall(r'class="bar"[^>]*height="([\d.]+)"', svg)]
    assert len(heights) == 4
    # Order: a/x, a/y, b/x, b/y; the tallest is b/y (20), a/x (10) is twice b/x (5).
    assert heights[3] == max(heights) and heights[0] == 2 * heights[2] and heights[1] == 0
    stacked = charts.bar_chart(
        "T", "D", ["a"], [charts.Series("x", [3]), charts.Series("y", [1])], stacked=True
    )
    assert stacked.count('class="bar"') == 2
    hbars = charts.hbar_chart("T", "D", [("<b>", 50), ("c", 100)], maximum=100)
    assert hbars.count('class="bar"') == 2 and "<b>" not in hbars and "&lt;b&gt;" in hbars


def test_targets_achieved_vs_target(client, data):
    p = data
    response = get(client, p.manager, URL, OCTOBER)
    targets = response.context["sections"][0]["table"]
    rows = {r["_code"]: r for r in targets.rows}
    # Province-wide defaults (data migration): online share 50 %, reached with 80 %.
    assert rows["online_share"]["goal"] == 50.0
    assert rows["online_share"]["value"] == 80.0 and rows["online_share"]["_met"] is True
    assert rows["on_time_rate"]["_met"] is False  # 75 % < 100 %
    assert rows["satisfaction_rate"]["_met"] is None
    # An agency's own target wins over the default for that agency only.
    Target.objects.create(agency=p.justice, indicator="online_share", value=80)
    response = client.get(URL, {**OCTOBER, "agency": p.justice.e_id})
    rows = {r["_code"]: r for r in response.context["sections"][0]["table"].rows}
    assert rows["online_share"]["goal"] == 80.0
    assert rows["online_share"]["value"] == 75.0 and rows["online_share"]["_met"] is False
    assert "Chưa đạt" in response.content.decode()
    response = client.get(URL, OCTOBER)
    rows = {r["_code"]: r for r in response.context["sections"][0]["table"].rows}
    assert rows["online_share"]["goal"] == 50.0


def test_period_shortcuts_and_filters(client, data):
    p = data
    response = get(client, p.manager, URL, {"period": "2025-Q4", "field": "ho-tich"})
    assert response.status_code == 200
    f_ = response.context["f"]
    assert (f_.start.isoformat(), f_.end.isoformat()) == ("2025-10-01", "2025-12-31")
    assert "Quý IV/2025" in response.content.decode()
    response = client.get(URL, {**OCTOBER, "procedure": p.commune_procedure.code})
    cards = {c["code"]: c for c in response.context["cards"]}
    assert cards["received"]["value"] == 1
    query = parse_qs(urlsplit(cards["received"]["href"]).query)
    assert query["procedure"] == [p.commune_procedure.code]
    assert client.get(URL, {"from": "31/10/2025", "to": "01/10/2025"}).status_code == 400
    assert client.get(URL, {"period": "2025-13"}).status_code == 400


def test_forbidden_paths(client, data):
    p = data
    for url in (URL, DRILL + "?indicator=received", "/can-bo/thong-ke/bang/don-vi/"):
        response = client.get(url)
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    client.force_login(p.citizen)
    assert client.get(URL).status_code == 403
    assert client.get(DRILL, {"indicator": "received"}).status_code == 403
    client.force_login(p.commune_specialist)
    other = {**OCTOBER, "agency": p.justice.e_id}
    assert client.get(URL, other).status_code == 404
    assert client.get(DRILL, {**other, "indicator": "received"}).status_code == 404
    assert client.get("/can-bo/thong-ke/bang/don-vi/", other).status_code == 404
    assert client.get("/can-bo/thong-ke/bao-cao/", other).status_code == 404
    assert client.get(URL, {**OCTOBER, "agency": "H99"}).status_code == 404
    assert client.get(DRILL, {**OCTOBER, "indicator": "nothing"}).status_code == 404
    # The officer's own drill-down lists only their dossiers.
    listing = client.get(DRILL, {**OCTOBER, "indicator": "received"})
    assert listing.context["page"].paginator.count == 1


def test_target_validation_and_admin(db):
    from django.contrib import admin
    from django.core.exceptions import ValidationError

    from motcua.metrics.admin import TargetAdmin

    bad = Target(indicator="online_share", value=120)
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "value" in error.value.message_dict
    bad = Target(
        indicator="online_share",
        value=51,
        valid_from=f.T0.date(),
        valid_until=f.T0.date() - timedelta(days=1),
    )
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "valid_until" in error.value.message_dict
    with pytest.raises(ValidationError):
        Target(indicator="received", value=10).full_clean()  # a count, not a rate
    # Registered by the admin autodiscovery, like every other model.
    assert isinstance(admin.site._registry[Target], TargetAdmin)
    assert "agency" in TargetAdmin.autocomplete_fields


def test_superuser_sees_everything(client, data):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="x")
    response = get(client, root, URL, OCTOBER)
    assert response.status_code == 200
    assert {c["code"]: c["value"] for c in response.context["cards"]}["received"] == 5


def test_current_period_shows_overdue_now_with_its_list(client, data):
    """Default period = this month: no flows, but the dossier left open in October 2025 is
    overdue now (snapshot), on the card, in its list and in this month's report."""
    p = data
    response = get(client, p.manager, URL)
    assert response.status_code == 200
    cards = {c["code"]: c for c in response.context["cards"]}
    assert cards["received"]["value"] == 0
    assert cards["open_overdue"]["value"] == 1
    listing = client.get(cards["open_overdue"]["href"])
    assert listing.context["page"].paginator.count == 1
    assert listing.context["page"].object_list[0].state == "processing"
    report = client.get("/can-bo/thong-ke/bao-cao/", {"from": response.context["f"].start})
    assert report.status_code == 200
    rows = list(load_workbook(BytesIO(report.content)).active.iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "STT")
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert total[header.index("Kỳ trước chuyển qua")] == 1
    assert total[header.index("Đang giải quyết: quá hạn")] == 1


def test_tables_and_filter_lists_built_in_python_escape_names_and_keep_the_selection(client, data):
    """The table rows and the filter lists are built in Python (exports.Table.body_html,
    views._options), not by template loops: names are escaped, the chosen filter selected."""
    p = data
    p.procedure.name = 'Chứng thực <script>alert("x")</script> & bản sao'
    p.procedure.save(update_fields=["name"])
    response = get(client, p.manager, URL, {**OCTOBER, "procedure": p.procedure.code})
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "Chứng thực &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; bản sao" in html
    assert f'<option value="{p.procedure.code}" selected>' in html
    selects = re.findall(r'<select id="mx-[a-z]+".*?</select>', html, re.S)
    assert len(selects) == 3
    assert sum(chunk.count(" selected>") for chunk in selects) == 1  # no agency nor field
    # Each table row is one <tr> with a row header and the drill-down links escaped.
    rows = re.findall(r'<tr><th scope="row">[^<]*(?:<a [^>]+>[^<]*</a>)?</th>', html)
    assert rows
    assert re.search(r'<td class="mx-num"><a href="/can-bo/thong-ke/ho-so/\?from=[^"&]+&amp;', html)


def test_drill_links_built_from_the_shared_prefix_equal_the_long_way(data):
    from django.urls import reverse
    from django.utils.http import urlencode

    from motcua.metrics import exports

    p = data
    filters = exports.Filters(f.T0.date(), f.T0.date() + timedelta(days=30), None, agency=p.justice)
    cases = [
        ("received", {}),
        ("resolved_late", {"procedure": p.procedure.code}),
        ("received", {"from": "2025-10-05", "to": "2025-10-06"}),  # overrides a filter
        ("received", {"agency": "H22.99"}),  # overrides the chosen agency
        ("open_overdue", {"procedure": None}),
    ]
    for indicator, overrides in cases:
        long_way = urlencode(filters.params(indicator=indicator, **overrides))
        expected = f"{reverse('metrics:drilldown')}?{long_way}"
        assert filters.drill(indicator, **overrides) == expected
    assert "average_days" not in selectors.DRILLABLE
    assert filters.drill("average_days") is None  # no list behind an average
