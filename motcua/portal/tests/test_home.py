"""Home page additions: dossier look-up, the centers with their extra sessions and hotlines."""

import re
from datetime import date, time

import pytest

from motcua.portal import selectors
from motcua.worktime.models import CalendarDay, DayKind, DaySource, ExtraSession, Weekday

from .helpers import assert_strict_csp_ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def center(p):
    center = p.center
    center.address = "Số 1 Đường 25/4, Hồng Gai"
    center.hotline = "0203 3800 001"
    center.opening_hours = "Thứ Hai – Thứ Sáu: 07:30–11:30, 13:00–17:00"
    center.email = "hcc@quangninh.gov.vn"
    center.save()
    ExtraSession.objects.create(
        agency=center,
        name="Chủ nhật vì dân",
        weekday=Weekday.SUNDAY,
        start=time(7, 30),
        end=time(11, 0),
    )
    return center


def test_home_has_the_dossier_look_up(client, p):
    response = client.get("/")
    html = response.content.decode()
    assert '<form class="lookup" method="get" action="/tra-cuu-nhanh/" novalidate>' in html
    assert '<label for="home-code">Mã hồ sơ</label>' in html
    assert '<label for="home-secret">Mã tra cứu</label>' in html
    assert (
        "Mã QR trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả mở thẳng trang theo dõi hồ sơ" in html
    )
    assert_strict_csp_ok(response)


def test_look_up_goes_to_the_address_of_the_qr_code(client, db):
    response = client.get(
        "/tra-cuu-nhanh/", {"code": " h22.40-251008-0001 ", "secret": "abcde-23456"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/tra-cuu/H22.40-251008-0001/?secret=abcde-23456"
    assert response["Referrer-Policy"] == "no-referrer"
    # Something that is no code goes to the look-up form, which explains; nothing typed: the form.
    odd = client.get("/tra-cuu-nhanh/", {"code": "a/b?c", "secret": "x"})
    assert odd["Location"] == "/tra-cuu/?code=A%2FB%3FC"
    assert client.get("/tra-cuu-nhanh/")["Location"] == "/tra-cuu/"


def test_centers_show_address_hours_extra_sessions_and_hotline(client, center):
    html = client.get("/").content.decode()
    card = re.search(r'<li class="card center">.*?</li>\s*</ul>\s*</section>', html, re.S).group(0)
    assert "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh" in card
    assert "Địa chỉ: Số 1 Đường 25/4, Hồng Gai" in card
    assert "Giờ tiếp nhận: Thứ Hai – Thứ Sáu: 07:30–11:30, 13:00–17:00" in card
    # Within the coming week there is always exactly one Sunday.
    assert len(re.findall(r"Chủ nhật vì dân: Chủ nhật \d\d/\d\d/\d{4}, 07:30–11:00", card)) == 1
    assert '<a href="tel:02033800001">0203 3800 001</a>' in card
    assert '<a href="mailto:hcc@quangninh.gov.vn">' in card


def test_extra_sessions_follow_the_calendar(center):
    # Week of Monday 09/02/2026: the weekly session runs on Sunday 15/02 until that day is made a
    # day off (Tết); then only a session set for that very date runs.
    monday = date(2026, 2, 9)
    sessions = selectors.extra_sessions(center, monday)
    assert [(s["name"], s["day"], s["weekday"]) for s in sessions] == [
        ("Chủ nhật vì dân", date(2026, 2, 15), "Chủ nhật")
    ]
    CalendarDay.objects.create(
        date=date(2026, 2, 15), kind=DayKind.DAY_OFF, name="Tết", source=DaySource.ADMIN
    )
    from motcua.worktime import selectors as worktime

    worktime.clear_cache()
    assert selectors.extra_sessions(center, monday) == []
    ExtraSession.objects.create(
        agency=center, name="Trực Tết", date=date(2026, 2, 15), start=time(8), end=time(10)
    )
    sessions = selectors.extra_sessions(center, monday)
    assert [(s["name"], s["start"].strftime("%H:%M")) for s in sessions] == [("Trực Tết", "08:00")]


def test_home_queries_reception_hours_only_for_centers_with_sessions(
    p, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        context = selectors.home_context(today=date(2025, 10, 8))
    assert [c["extra_sessions"] for c in context["centers"]] == [[]]
