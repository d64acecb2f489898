"""Public catalog pages (portal): home, search and lists, field and agency pages, procedure page."""

import re

import pytest
from django.core.files.base import ContentFile

from motcua.agencies.models import AgencyKind
from motcua.catalog.models import Level, OnlineLevel, Procedure, ProcedureStatus

from .factories import make_agency, make_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    police = make_agency(
        "H22.40",
        "Công an tỉnh",
        AgencyKind.VERTICAL_AGENCY,
        address="12 Lý Thường Kiệt",
        hotline="02033826111",
    )
    make_agency(
        "H22.10",
        "Trung tâm Phục vụ hành chính công tỉnh",
        AgencyKind.SERVICE_CENTER,
        address="Số 1 Đường 25/4",
        hotline="1900 1234",
    )
    residence = make_procedure(
        "Đăng ký thường trú",
        code="1.004194",
        field="Đăng ký, quản lý cư trú",
        documents=[
            {"name": "Tờ khai thay đổi thông tin cư trú", "form_name": "Mẫu CT01"},
            {"name": "Giấy tờ chứng minh chỗ ở hợp pháp", "original": True, "copies": 2},
        ],
        fees=[("Lệ phí đăng ký cư trú", 50000)],
        online=OnlineLevel.FULL,
        agencies=[police],
        popularity=5,
        legal_basis=["Luật Cư trú 2020", {"number": "62/2021/NĐ-CP", "title": "Nghị định"}],
    )
    residence.current_version.documents.get(position=1).form_file.save(
        "ct01.docx", ContentFile(b"form"), save=True
    )
    make_procedure(
        "Đăng ký khai sinh",
        code="1.001193",
        field="Hộ tịch",
        online=OnlineLevel.NONE,
        popularity=9,
    )
    make_procedure(
        "Cấp giấy phép xây dựng",
        code="1.009794",
        field="Xây dựng",
        levels=[Level.PROVINCE],
        online=OnlineLevel.PARTIAL,
    )
    make_procedure(
        "Đăng ký thường trú (cũ)",
        code="1.000001",
        field="Hộ tịch",
        status=ProcedureStatus.ABOLISHED,
    )
    Procedure.objects.filter(code="1.000001").update(abolished_by="Quyết định 99/QĐ-UBND")
    return residence


def result_codes(html: str) -> list[str]:
    return re.findall(r'class="result-title"><a href="/thu-tuc/([^/]+)/"', html)


def assert_strict_csp_ok(response):
    html = response.content.decode()
    # Only external scripts of our own (htmx); no inline code or styles for the CSP to block.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert "style=" not in html and "<style" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_home_has_search_fields_and_popular(client, catalog):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form class="search" action="/thu-tuc/" method="get"' in html
    assert '<label for="search-q">Tìm thủ tục hành chính</label>' in html
    assert '<a href="/linh-vuc/ho-tich/">Hộ tịch</a> <span class="count">(1 thủ tục)</span>' in html
    # Popular: most viewed first, abolished never.
    assert result_codes(html) == ["1.001193", "1.004194", "1.009794"]
    assert "Trung tâm Phục vụ hành chính công tỉnh" in html
    assert_strict_csp_ok(response)


def test_search_page_without_diacritics(client, catalog):
    response = client.get("/thu-tuc/", {"q": "dang ky thuong tru"})
    assert response.status_code == 200
    html = response.content.decode()
    assert result_codes(html) == ["1.004194"]
    assert "1 thủ tục" in html and "cho “dang ky thuong tru”" in html
    assert "50.000 đ" in html and "7 ngày làm việc" in html
    assert_strict_csp_ok(response)


def test_search_page_filters_and_ignores_bad_values(client, catalog):
    html = client.get("/thu-tuc/", {"level": "province"}).content.decode()
    assert result_codes(html) == ["1.009794"]
    html = client.get("/thu-tuc/", {"online": "full", "q": "dang ky"}).content.decode()
    assert result_codes(html) == ["1.004194"]
    html = client.get("/thu-tuc/", {"field": "ho-tich"}).content.decode()
    assert result_codes(html) == ["1.001193"]
    bad = client.get("/thu-tuc/", {"level": "huyen", "online": "x", "field": "khong-co"})
    assert bad.status_code == 200
    assert result_codes(bad.content.decode()) == ["1.001193", "1.004194", "1.009794"]


def test_search_page_labels_every_control(client, catalog):
    html = client.get("/thu-tuc/").content.decode()
    for control in ("id_q", "id_field", "id_level", "id_online"):
        assert f'for="{control}"' in html and f'id="{control}"' in html
    assert "<h1>Tra cứu thủ tục hành chính</h1>" in html


def test_empty_search_says_so(client, catalog):
    html = client.get("/thu-tuc/", {"q": "zzzz qqqq"}).content.decode()
    assert "Không tìm thấy thủ tục phù hợp" in html


def test_relaxed_search_says_results_are_approximate(client, catalog):
    html = client.get("/thu-tuc/", {"q": "dang ky khai sinh cho con"}).content.decode()
    assert result_codes(html)[0] == "1.001193"
    assert "Không có thủ tục nào khớp với tất cả các từ" in html


def test_pagination_links_keep_the_query(client):
    for i in range(23):
        make_procedure(f"Chứng thực bản sao số {i:02d}", code=f"1.{700000 + i:06d}")
    html = client.get("/thu-tuc/", {"q": "chung thuc"}).content.decode()
    assert len(result_codes(html)) == 20
    assert 'href="?q=chung+thuc&amp;page=2"' in html
    assert "Trang 1/2" in html
    second = client.get("/thu-tuc/", {"q": "chung thuc", "page": 2}).content.decode()
    assert result_codes(second) == ["1.700020", "1.700021", "1.700022"]


def test_field_page(client, catalog):
    response = client.get("/linh-vuc/dang-ky-quan-ly-cu-tru/")
    html = response.content.decode()
    assert "<h1>Thủ tục lĩnh vực Đăng ký, quản lý cư trú</h1>" in html
    assert result_codes(html) == ["1.004194"]
    assert 'id="id_field"' not in html  # the field is the page
    assert client.get("/linh-vuc/khong-co/").status_code == 404


def test_agency_page(client, catalog):
    response = client.get("/co-quan/H22.40/")
    html = response.content.decode()
    assert "Thủ tục do Công an tỉnh thực hiện" in html
    assert result_codes(html) == ["1.004194"]
    assert 'href="tel:02033826111"' in html
    assert client.get("/co-quan/H99.99/").status_code == 404


def test_procedure_page_shows_everything(client, catalog):
    response = client.get("/thu-tuc/1.004194/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Đăng ký thường trú</h1>" in html
    assert '<span class="badge badge-full">Trực tuyến toàn trình</span>' in html
    assert "7 ngày làm việc" in html
    assert 'Lệ phí đăng ký cư trú: <strong class="money">50.000 đ</strong>' in html
    assert "Tờ khai thay đổi thông tin cư trú" in html
    assert re.search(
        r'<a href="/media/catalog/forms/ct01[^"]*\.docx" download>Tải mẫu: Mẫu CT01</a>', html
    )
    assert "2 bản chính" in html and "1 bản sao" in html
    assert 'href="tel:02033826111"' in html and "12 Lý Thường Kiệt" in html
    assert "Luật Cư trú 2020" in html and "62/2021/NĐ-CP Nghị định" in html
    assert '<a class="button" href="/nop-ho-so/1.004194/">Nộp hồ sơ trực tuyến</a>' in html
    assert 'href="/thu-tuc/1.004194/poster.pdf"' in html
    assert "Thủ tục đã bị bãi bỏ" not in html
    assert_strict_csp_ok(response)


def test_procedure_page_counts_views(client, catalog):
    client.get("/thu-tuc/1.004194/")
    client.get("/thu-tuc/1.004194/")
    assert Procedure.objects.get(code="1.004194").popularity == 7


def test_no_online_button_when_not_online(client, catalog):
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert "Nộp hồ sơ trực tuyến" not in html
    assert '<span class="badge badge-none">Không trực tuyến</span>' in html
    assert "Không thu phí, lệ phí." in html


def test_partial_online_has_the_button(client, catalog):
    html = client.get("/thu-tuc/1.009794/").content.decode()
    assert 'href="/nop-ho-so/1.009794/"' in html


def test_abolished_procedure_page_shows_a_notice(client, catalog):
    response = client.get("/thu-tuc/1.000001/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and "Thủ tục đã bị bãi bỏ" in html
    assert "Văn bản bãi bỏ: Quyết định 99/QĐ-UBND." in html
    assert "Nộp hồ sơ trực tuyến" not in html
    assert Procedure.objects.get(code="1.000001").popularity == 0


def test_unknown_procedure_is_404(client, catalog):
    assert client.get("/thu-tuc/9.999999/").status_code == 404
