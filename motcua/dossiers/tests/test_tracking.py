"""Public tracking: the selector, the page /tra-cuu/ and GET /api/v1/tracking/{code}."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import override_settings

from motcua.common import ratelimit
from motcua.dossiers import tracking
from motcua.dossiers.lifecycle import Channel, State
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests import form_fixtures as ff

pytestmark = pytest.mark.django_db

OFFICERS = ("Trần Văn Bình", "Lê Thị Mai", "Hoàng Văn Nam")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache, which outlives each test's rollback.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dossier():
    """Processing at the Department of Justice: reception done, appraisal open."""
    d = ff.dossier(received_at=ff.vn(2025, 10, 8, 9, 15))
    ff.add_step(
        d,
        1,
        "Thẩm định hồ sơ",
        d.competent_agency,
        ff.vn(2025, 10, 8, 11, 15),
        officer_user=ff.officer("cv1", "Lê Thị Mai"),
        handed_to="Hoàng Văn Nam",
    )
    d.step_records.filter(index=0).update(note="Ghi chú nội bộ của cán bộ")
    return d


def page(client, code, secret=None, **extra):
    query = {} if secret is None else {"secret": secret}
    return client.get(f"/tra-cuu/{code}/", query, **extra)


def api(client, code, secret=None, **extra):
    query = {} if secret is None else {"secret": secret}
    return client.get(f"/api/v1/tracking/{code}", query, **extra)


def without_csrf(html: str) -> str:
    # The site header's language form carries a CSRF token that differs on every response.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


def inline_code(html: str) -> bool:
    """Inline scripts or styles (the CSP blocks them); our own external scripts are fine."""
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    inline_script = any('src="/static/' not in attrs or body.strip() for attrs, body in scripts)
    return inline_script or "<style" in html or " style=" in html


# --- the selector ------------------------------------------------------------------------------


def test_track_shows_status_due_time_and_steps_with_agencies_only(dossier):
    view = tracking.track(dossier.code, "ABCDE-23456", now=ff.vn(2025, 10, 9, 9, 0))
    assert view.code == dossier.code
    assert view.state == State.PROCESSING
    assert (view.status_name, view.national_code) == ("Đang xử lý", 4)
    assert view.due_at == ff.vn(2025, 10, 22, 9, 15)
    assert view.overdue is False
    assert [(s.name, s.agency, s.on_time) for s in view.steps] == [
        ("Tiếp nhận hồ sơ", "Trung tâm Phục vụ hành chính công tỉnh", True),
        ("Thẩm định hồ sơ", "Sở Tư pháp", None),
    ]
    assert view.next.action == tracking.NextAction.NONE
    # Nothing of the officers, nor the internal notes, leaves the selector.
    shown = repr(view)
    assert not any(name in shown for name in OFFICERS)
    assert "Ghi chú nội bộ" not in shown


@pytest.mark.parametrize(
    "code, secret",
    [
        ("{code}", "ABCDE-23457"),  # wrong secret
        ("H22.40-251008-9999", "ABCDE-23456"),  # unknown code, the right dossier's secret
        ("{code}", ""),  # no secret
        ("{code}", "ABCDE23456X"),  # the secret plus a character
        ("", "ABCDE-23456"),
        ("{code}" + "0" * 80, "ABCDE-23456"),  # oversized input never reaches the database
    ],
)
def test_anything_but_the_right_code_and_secret_finds_nothing(dossier, code, secret):
    assert tracking.track(code.format(code=dossier.code), secret) is None


def test_code_and_secret_are_read_as_people_type_them(dossier):
    view = tracking.track(f"  {dossier.code.lower()} ", "abcde 23456")
    assert view is not None and view.code == dossier.code


def test_an_empty_stored_secret_never_matches(dossier):
    Dossier.objects.filter(pk=dossier.pk).update(tracking_secret="")
    assert tracking.track(dossier.code, "") is None
    assert tracking.track(dossier.code, "-") is None


def test_a_draft_is_not_tracked(dossier):
    Dossier.objects.filter(pk=dossier.pk).update(state=State.DRAFT)
    assert tracking.track(dossier.code, "ABCDE23456") is None


def test_unknown_code_and_wrong_secret_both_do_one_constant_time_comparison(dossier):
    with mock.patch.object(tracking, "secrets_match", wraps=tracking.secrets_match) as compare:
        tracking.track("H22.40-251008-9999", "ABCDE23456")
        tracking.track(dossier.code, "ABCDE23457")
    assert compare.call_count == 2


def test_supplementing_asks_for_the_items(dossier):
    items = ["Bản sao Giấy khai sinh", "Ảnh 4x6"]
    ff.request_supplement(dossier, ff.vn(2025, 10, 9, 14, 0), items)
    view = tracking.track(dossier.code, "ABCDE23456", now=ff.vn(2025, 11, 30))
    assert view.next.action == tracking.NextAction.SUPPLEMENT
    assert view.next.items == tuple(items)
    assert "Trung tâm Phục vụ hành chính công tỉnh" in view.next.detail
    assert view.paused is True
    assert view.overdue is False  # paused: its due time moves when the clock resumes
    assert [(p.kind, p.label, p.items) for p in view.pauses] == [
        ("supplement", "Chờ bổ sung", tuple(items))
    ]


def test_awaiting_payment_asks_to_pay(dossier):
    ff.request_payment(dossier, ff.vn(2025, 10, 10, 9, 0), ["Lệ phí cấp phiếu: 200.000 đồng"])
    view = tracking.track(dossier.code, "ABCDE23456", now=ff.vn(2025, 11, 30))
    assert view.next.action == tracking.NextAction.PAY
    assert view.next.items == ("Lệ phí cấp phiếu: 200.000 đồng",)
    assert (view.status_name, view.national_code) == ("Chờ thực hiện nghĩa vụ tài chính", 6)
    assert view.overdue is False  # the request paused the clock


def test_awaiting_payment_without_a_pause_of_the_clock_can_be_overdue(dossier):
    ff.request_payment(dossier, ff.vn(2025, 10, 10, 9, 0))
    Dossier.objects.filter(pk=dossier.pk).update(paused_since=None)
    assert tracking.track(dossier.code, "ABCDE23456", now=ff.vn(2025, 11, 30)).overdue is True


@pytest.mark.parametrize(
    "channel, place_phrase",
    [(Channel.COUNTER, "nhận kết quả tại"), (Channel.ONLINE, "trực tuyến")],
)
def test_a_decided_dossier_asks_to_collect_the_result(dossier, channel, place_phrase):
    Dossier.objects.filter(pk=dossier.pk).update(channel=channel)
    dossier.refresh_from_db()
    ff.decide(dossier, ff.vn(2025, 10, 20, 10, 0))
    view = tracking.track(dossier.code, "ABCDE23456")
    assert view.next.action == tracking.NextAction.COLLECT
    assert place_phrase in view.next.detail
    assert "Tầng 1, Tháp A" in view.next.detail
    assert view.overdue is False


@pytest.mark.parametrize("state", [State.RETURNED, State.STOPPED, State.WITHDRAWN, State.REFUSED])
def test_final_states_ask_nothing(dossier, state):
    Dossier.objects.filter(pk=dossier.pk).update(state=state)
    view = tracking.track(dossier.code, "ABCDE23456", now=ff.vn(2025, 12, 1))
    assert view.next == tracking.Next(tracking.NextAction.NONE, "")
    assert view.overdue is False


def test_overdue_is_derived_from_the_due_time(dossier):
    due = dossier.due_at
    assert tracking.track(dossier.code, "ABCDE23456", now=due).overdue is False
    assert tracking.track(dossier.code, "ABCDE23456", now=due + timedelta(seconds=1)).overdue


def test_page_rate_is_parsed():
    assert ratelimit.parse_rate("60/min") == (60, 60)
    assert ratelimit.parse_rate("5/s") == (5, 1)
    assert ratelimit.parse_rate("1000/day") == (1000, 86400)


# --- the page ------------------------------------------------------------------------------------


def test_the_lookup_page_is_a_plain_get_form(client):
    response = client.get("/tra-cuu/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form class="lookup" method="get" action="/tra-cuu/"' in html
    assert 'name="code"' in html and 'name="secret"' in html
    assert "Tra cứu hồ sơ" in html
    # Strict CSP: no inline script or style on the page.
    assert not inline_code(html)
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_form_submits_to_the_lookup(client, dossier):
    response = client.get("/tra-cuu/", {"code": dossier.code, "secret": "ABCDE-23456"})
    assert response.status_code == 200
    assert "Đang xử lý" in response.content.decode()


def test_a_code_without_a_secret_prefills_the_form_and_reveals_nothing(client, dossier):
    response = page(client, dossier.code)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{dossier.code}"' in html
    assert "Sở Tư pháp" not in html and "Đang xử lý" not in html


def test_missing_fields_are_reported_in_vietnamese(client):
    response = client.get("/tra-cuu/", {"code": "", "secret": ""})
    assert response.status_code == 200
    assert "Trường này là bắt buộc." in response.content.decode()


def test_the_dossier_page_shows_status_steps_and_hides_officers(client, dossier):
    response = page(client, dossier.code, "ABCDE23456")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Hồ sơ {dossier.code}" in html
    assert "Đang xử lý" in html and "(mã trạng thái 4)" in html
    assert "22/10/2025 09:15" in html  # due time, Vietnam time, 24-hour
    assert "Trung tâm Phục vụ hành chính công tỉnh" in html and "Sở Tư pháp" in html
    assert not any(name in html for name in OFFICERS)
    assert "Ghi chú nội bộ" not in html
    assert not inline_code(html)
    # The secret rides in the URL: no caching, no Referer, no indexing.
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_page_tells_the_applicant_what_to_supplement(client, dossier):
    ff.request_supplement(dossier, ff.vn(2025, 10, 9, 14, 0), ["Bản sao Giấy khai sinh"])
    html = page(client, dossier.code, "ABCDE23456").content.decode()
    assert "Việc cần làm: Bổ sung hồ sơ" in html
    assert "<li>Bản sao Giấy khai sinh</li>" in html


def test_wrong_secret_and_unknown_code_give_the_same_404_page(client, dossier):
    code = dossier.code
    wrong = page(client, code, "ABCDE23457")
    # The same code text once no dossier has it: the answer must not change.
    Dossier.objects.filter(pk=dossier.pk).update(code="H22.40-251008-7777")
    unknown = page(client, code, "ABCDE23457")
    assert wrong.status_code == unknown.status_code == 404
    assert without_csrf(wrong.content.decode()) == without_csrf(unknown.content.decode())
    html = wrong.content.decode()
    assert "Không tìm thấy hồ sơ" in html
    # The typed secret is not put back into the lookup form.
    secret_input = re.search(r'<input[^>]*name="secret"[^>]*>', html).group(0)
    assert "value=" not in secret_input


def test_the_page_is_rate_limited_per_client(client, dossier):
    with override_settings(MOTCUA_TRACKING_PAGE_RATE="2/min"):
        assert page(client, dossier.code, "ABCDE23456").status_code == 200
        assert page(client, dossier.code, "WRONG23456").status_code == 404
        limited = page(client, dossier.code, "ABCDE23456")
        assert limited.status_code == 429
        assert "Bạn đã tra cứu quá nhiều lần" in limited.content.decode()
        assert 0 < int(limited["Retry-After"]) <= 60
        # Showing the empty form is no look-up; another client has its own allowance.
        assert client.get("/tra-cuu/").status_code == 200
        other = page(client, dossier.code, "ABCDE23456", REMOTE_ADDR="203.0.113.9")
        assert other.status_code == 200
    # The rate is read at each request: raised, the same window's count is under it again.
    with override_settings(MOTCUA_TRACKING_PAGE_RATE="10/min"):
        assert page(client, dossier.code, "ABCDE23456").status_code == 200


# --- the API -------------------------------------------------------------------------------------


def test_api_returns_the_public_view(client, dossier):
    response = api(client, dossier.code, "abcde-23456")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == dossier.code
    assert body["status"] == {"code": "processing", "name": "Đang xử lý", "national_code": 4}
    assert body["received_at"] == "2025-10-08T09:15:00+07:00"
    assert body["due_at"] == "2025-10-22T09:15:00+07:00"
    assert body["overdue"] is True  # processing, and the due time is long past
    assert body["steps"] == [
        {
            "name": "Tiếp nhận hồ sơ",
            "agency": "Trung tâm Phục vụ hành chính công tỉnh",
            "started_at": "2025-10-08T09:15:00+07:00",
            "due_at": "2025-10-08T13:15:00+07:00",
            "finished_at": "2025-10-08T11:15:00+07:00",
            "on_time": True,
        },
        {
            "name": "Thẩm định hồ sơ",
            "agency": "Sở Tư pháp",
            "started_at": "2025-10-08T11:15:00+07:00",
            "due_at": "2025-10-08T19:15:00+07:00",
            "finished_at": None,
            "on_time": None,
        },
    ]
    assert body["next"] == {"action": "none", "detail": "", "items": []}
    assert not any(name in response.content.decode() for name in OFFICERS)
    assert "no-store" in response["Cache-Control"]


def test_api_next_action_when_supplementing(client, dossier):
    ff.request_supplement(dossier, ff.vn(2025, 10, 9, 14, 0), ["Ảnh 4x6"])
    body = api(client, dossier.code, "ABCDE23456").json()
    assert body["status"]["code"] == "supplementing" and body["status"]["national_code"] == 5
    assert body["next"]["action"] == "supplement"
    assert body["next"]["items"] == ["Ảnh 4x6"]
    assert body["overdue"] is False
    assert body["pauses"][0]["kind"] == "supplement"


def test_api_wrong_secret_unknown_code_and_missing_secret_are_the_same_404(client, dossier):
    answers = [
        api(client, dossier.code, "ABCDE23457"),
        api(client, "H22.40-251008-9999", "ABCDE23456"),
        api(client, dossier.code),
    ]
    assert [r.status_code for r in answers] == [404, 404, 404]
    bodies = {r.content for r in answers}
    assert len(bodies) == 1
    body = answers[0].json()
    assert body["code"] == "not_found"
    assert "Không tìm thấy hồ sơ" in body["detail"]


def test_api_is_public_even_with_a_bad_token(client, dossier):
    response = api(client, dossier.code, "ABCDE23456", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 200


def test_api_is_throttled_per_client_in_scope_public_lookup(client, settings, dossier):
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "public_lookup": "3/min"}
    with override_settings(REST_FRAMEWORK=rest):
        statuses = [api(client, dossier.code, s).status_code for s in ("ABCDE23456", "X", "Y")]
        assert statuses == [200, 404, 404]
        limited = api(client, dossier.code, "ABCDE23456")
        assert limited.status_code == 429
        assert limited.json()["code"] == "throttled"
        assert "Retry-After" in limited
        assert api(client, dossier.code, "ABCDE23456", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_api_is_documented(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/tracking/{code}"]["get"]
    assert operation["operationId"] == "tracking_retrieve"
    secret = next(p for p in operation["parameters"] if p["name"] == "secret")
    assert secret["in"] == "query" and secret["required"] is True
    assert {"200", "404", "429"} <= set(operation["responses"])
    component = schema["components"]["schemas"]["Tracking"]
    assert {"code", "status", "received_at", "due_at", "overdue", "steps", "next"} <= set(
        component["properties"]
    )


def test_the_url_name_is_tracking_detail():
    from django.urls import reverse

    assert reverse("api:tracking-detail", args=["H22.40-251008-0001"]) == (
        "/api/v1/tracking/H22.40-251008-0001"
    )
