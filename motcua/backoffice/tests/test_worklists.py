"""Worklists: the menu counts, filters, search, htmx partial refresh, dates and query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from motcua.catalog.models import TimeUnit
from motcua.dossiers.tests import factories as f

pytestmark = pytest.mark.django_db
WORKLIST = reverse("backoffice:worklist")


@pytest.fixture
def dossiers(p):
    """Online and waiting at the center; at the appraisal (overdue: Oct 2025); waiting for
    supplements; and a 4-hour procedure accepted now (due soon, the receptionist's step)."""
    quick = f.make_procedure(
        "Chứng thực bản sao từ bản chính",
        agencies=[p.justice],
        time_value=4,
        time_unit=TimeUnit.WORKING_HOURS,
    )
    return {
        "submitted": f.dossier_in(p, "submitted"),
        "late": f.dossier_in(p, "processing", step=1),
        "supplementing": f.dossier_in(p, "supplementing"),
        "soon": f.dossier_in(
            p,
            "processing",
            step=0,
            channel="counter",
            procedure=quick,
            applicant=f.applicant_data(name="Đặng Thị Hồng", id_number=f.personal_id(7)),
            now=timezone.now(),
        ),
    }


def menu(html: str) -> dict[str, int]:
    found = re.findall(r'\?list=(\w+)"[^>]*>[^<]+<span class="bo-count[^"]*">(\d+)</span>', html)
    return {name: int(count) for name, count in found}


def codes(html: str) -> list[str]:
    return re.findall(r'<a href="/can-bo/ho-so/([^/"]+)/">', html)


def test_the_menu_counts_each_worklist(p, as_user, dossiers):
    html = as_user(p.receptionist).get(reverse("backoffice:home")).content.decode()
    assert menu(html) == {
        "to_receive": 1,
        "mine": 1,
        "due_soon": 1,
        "overdue": 0,
        "supplement": 1,
    }
    html = as_user(p.specialist).get(reverse("backoffice:home")).content.decode()
    assert menu(html) == {
        "to_receive": 0,
        "mine": 2,
        "due_soon": 0,
        "overdue": 1,
        "supplement": 1,
    }


@pytest.mark.parametrize(
    ("who", "name", "expected"),
    [
        ("receptionist", "to_receive", ["submitted"]),
        ("receptionist", "due_soon", ["soon"]),
        ("receptionist", "supplement", ["supplementing"]),
        ("specialist", "mine", ["late", "supplementing"]),
        ("specialist", "overdue", ["late"]),
    ],
)
def test_each_worklist_lists_its_dossiers(p, as_user, dossiers, who, name, expected):
    html = as_user(getattr(p, who)).get(WORKLIST, {"list": name}).content.decode()
    assert sorted(codes(html)) == sorted(dossiers[key].code for key in expected)
    assert 'aria-current="page"' in html


def test_filters_and_search_narrow_the_list(p, as_user, dossiers):
    client = as_user(p.receptionist)
    assert len(codes(client.get(WORKLIST).content.decode())) == 4
    html = client.get(WORKLIST, {"state": "supplementing"}).content.decode()
    assert codes(html) == [dossiers["supplementing"].code]
    html = client.get(WORKLIST, {"q": "dang thi hong"}).content.decode()
    assert codes(html) == [dossiers["soon"].code]
    html = client.get(WORKLIST, {"q": dossiers["late"].code.lower()}).content.decode()
    assert codes(html) == [dossiers["late"].code]
    other = f.make_procedure("Thủ tục khác", agencies=[p.justice])
    html = client.get(WORKLIST, {"procedure": other.code}).content.decode()
    assert codes(html) == []
    html = client.get(WORKLIST, {"agency": str(p.center.pk), "list": "mine"}).content.decode()
    assert codes(html) == [dossiers["soon"].code]
    # A wrong value in a shared link is ignored, not an error page.
    assert client.get(WORKLIST, {"state": "nonsense"}).status_code == 200


def test_rows_show_dates_overdue_step_and_officer(p, as_user, dossiers):
    html = as_user(p.specialist).get(WORKLIST, {"list": "overdue"}).content.decode()
    late = dossiers["late"]
    due = timezone.localtime(late.due_at).strftime("%d/%m/%Y %H:%M")
    row = html[html.index(late.code) :]
    row = row[: row.index("</tr>")]
    assert due in row and "Quá hạn" in row
    assert "Chuyên viên thẩm định hồ sơ" in row and "Lê Văn Hùng" in row
    assert "Nguyễn Văn An" in row and "Cấp Phiếu lý lịch tư pháp" in row


def test_the_table_refreshes_alone_for_htmx(p, as_user, dossiers):
    client = as_user(p.receptionist)
    response = client.get(WORKLIST, {"state": "submitted"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.startswith('<div id="worklist-results"') and "<html" not in html
    assert codes(html) == [dossiers["submitted"].code]
    assert "HX-Request" in response["Vary"]
    # The filter form asks htmx for the table and keeps the URL (works as a GET without JS).
    page = client.get(WORKLIST).content.decode()
    form = re.search(r'<form id="worklist-filters"[^>]*>', page).group(0)
    assert 'method="get"' in form and 'hx-target="#worklist-results"' in form
    assert 'hx-push-url="true"' in form
    # A history restore gets the whole page.
    restore = client.get(WORKLIST, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restore.content.decode()


def test_pages_of_25_sorted_by_due_time(p, as_user, dossiers):
    html = as_user(p.receptionist).get(WORKLIST, {"list": "supplement"}).content.decode()
    assert "1 hồ sơ" in html
    html = as_user(p.specialist).get(WORKLIST, {"list": "mine"}).content.decode()
    # The late dossier (due first) before the one waiting for supplements (due moves later).
    assert codes(html) == [dossiers["late"].code, dossiers["supplementing"].code]


def test_a_worklist_page_costs_the_same_few_queries_whatever_its_length(
    p, as_user, dossiers, django_assert_max_num_queries
):
    client = as_user(p.receptionist)
    client.get(WORKLIST)  # warm the calendar and search caches
    with django_assert_max_num_queries(22):
        client.get(WORKLIST)
    with CaptureQueriesContext(connection) as few:
        client.get(WORKLIST)
    for _ in range(3):
        f.dossier_in(p, "processing", step=1)
    with CaptureQueriesContext(connection) as more:
        html = client.get(WORKLIST).content.decode()
    assert len(codes(html)) == 7
    assert len(more.captured_queries) == len(few.captured_queries)
