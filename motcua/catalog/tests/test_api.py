"""The public catalog API: list/search, detail, errors, throttling, schema."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings

from motcua.agencies.models import AgencyKind, Role
from motcua.catalog.models import Level, OnlineLevel, ProcedureStatus

from .factories import make_agency, make_field, make_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    police = make_agency(
        "H22.40",
        "Công an tỉnh",
        AgencyKind.VERTICAL_AGENCY,
        address="12 Lý Thường Kiệt",
        hotline="0203 3826 111",
    )
    residence = make_procedure(
        "Đăng ký thường trú",
        code="1.004194",
        field="Đăng ký, quản lý cư trú",
        documents=[
            {"name": "Tờ khai thay đổi thông tin cư trú", "form_name": "Mẫu CT01", "copies": 1},
            {"name": "Giấy tờ chứng minh chỗ ở hợp pháp", "original": True, "copies": 2},
        ],
        fees=[("Lệ phí đăng ký cư trú", 20000)],
        steps=[
            ("Tiếp nhận hồ sơ", Role.RECEPTIONIST),
            ("Thẩm định", Role.SPECIALIST),
            ("Phê duyệt", Role.LEADER),
            ("Trả kết quả", Role.RECEPTIONIST),
        ],
        levels=[Level.COMMUNE],
        online=OnlineLevel.FULL,
        agencies=[police],
        applicants="Công dân Việt Nam",
        conditions="Có chỗ ở hợp pháp",
        result="Thông báo",
        method="Trực tiếp hoặc trực tuyến",
        legal_basis=["Luật Cư trú 2020"],
        decision_number="QĐ 123/QĐ-UBND",
        effective_from=datetime.date(2025, 7, 1),
        cutoff_time=datetime.time(15, 0),
    )
    form = residence.current_version.documents.get(position=1)
    form.form_file.save("ct01.docx", ContentFile(b"form"), save=True)
    make_procedure(
        "Đăng ký khai sinh",
        code="1.001193",
        field="Hộ tịch",
        fees=[("Lệ phí", 0)],
        levels=[Level.COMMUNE],
        online=OnlineLevel.PARTIAL,
        time_value="0.5",
    )
    make_procedure(
        "Cấp giấy phép xây dựng",
        code="1.009794",
        field="Xây dựng",
        fees=[("Lệ phí cấp phép", 75000), ("Phí thẩm định", 25000)],
        levels=[Level.PROVINCE, Level.COMMUNE],
        online=OnlineLevel.NONE,
        time_value=4,
        time_unit="working_hours",
    )
    make_procedure(
        "Đăng ký thường trú (cũ)",
        code="1.000001",
        status=ProcedureStatus.ABOLISHED,
    )
    return residence


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


def test_list_is_public_and_shaped(api_client, catalog):
    response = api_client.get("/api/v1/procedures")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert codes(response) == ["1.001193", "1.004194", "1.009794"]
    row = body["results"][1]
    assert row == {
        "code": "1.004194",
        "name": "Đăng ký thường trú",
        "field": {
            "id": catalog.field_id,
            "slug": "dang-ky-quan-ly-cu-tru",
            "name": "Đăng ký, quản lý cư trú",
        },
        "levels": ["commune"],
        "online": "full",
        "online_label": "Trực tuyến toàn trình",
        "processing_time": {"value": 7, "unit": "working_days", "label": "7 ngày làm việc"},
        "fee_total": 20000,
        "url": "http://testserver/thu-tuc/1.004194/",
        "poster_url": "http://testserver/thu-tuc/1.004194/poster.pdf",
        "api_url": "http://testserver/api/v1/procedures/1.004194",
    }
    building = body["results"][2]
    assert building["levels"] == ["province", "commune"]
    assert building["fee_total"] == 100000
    assert building["processing_time"] == {
        "value": 4,
        "unit": "working_hours",
        "label": "4 giờ làm việc",
    }
    assert body["results"][0]["processing_time"]["label"] == "0,5 ngày làm việc"


def test_search_ranks_and_hides_abolished(api_client, catalog):
    response = api_client.get("/api/v1/procedures", {"search": "DANG KY thuogn tru"})
    assert codes(response) == ["1.004194"]
    # Both names match; the field "Đăng ký, quản lý cư trú" also matches: 1.004194 first.
    assert codes(api_client.get("/api/v1/procedures", {"search": "dang ky"})) == [
        "1.004194",
        "1.001193",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"level": "province"}, ["1.009794"]),
        ({"level": "commune"}, ["1.001193", "1.004194", "1.009794"]),
        ({"online": "partial"}, ["1.001193"]),
        ({"online": "none"}, ["1.009794"]),
        ({"field": "ho-tich"}, ["1.001193"]),
        ({"agency": "H22.40"}, ["1.004194"]),
        ({"agency": "H22.40", "search": "xay dung"}, []),
    ],
)
def test_filters(api_client, catalog, params, expected):
    assert codes(api_client.get("/api/v1/procedures", params)) == expected


def test_field_filter_accepts_an_id(api_client, catalog):
    field = make_field("Xây dựng")
    assert codes(api_client.get("/api/v1/procedures", {"field": field.pk})) == ["1.009794"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"level": "district"}, "level"),
        ({"online": "level4"}, "online"),
        ({"field": "khong-co"}, "field"),
        ({"field": "9" * 30}, "field"),
        ({"agency": "H99"}, "agency"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api_client, catalog, params, parameter):
    response = api_client.get("/api/v1/procedures", params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert body["parameter"] == parameter
    assert parameter in body["detail"] or params[parameter] in body["detail"]


def test_pagination(api_client, catalog):
    response = api_client.get("/api/v1/procedures", {"page_size": 2})
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert body["next"].endswith("page=2&page_size=2")
    second = api_client.get("/api/v1/procedures", {"page_size": 2, "page": 2})
    assert codes(second) == ["1.009794"]
    beyond = api_client.get("/api/v1/procedures", {"page": 9})
    assert beyond.status_code == 404 and beyond.json()["code"] == "not_found"


def test_detail_has_everything(api_client, catalog):
    response = api_client.get("/api/v1/procedures/1.004194")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "active" and body["accepts_online"] is True
    version = body["version"]
    assert version["number"] == 1
    assert version["decision_number"] == "QĐ 123/QĐ-UBND"
    assert version["effective_from"] == "2025-07-01"
    assert version["cutoff_time"] == "15:00"
    assert version["legal_basis"] == ["Luật Cư trú 2020"]
    assert version["applicants"] == "Công dân Việt Nam"
    assert version["method"] == "Trực tiếp hoặc trực tuyến"
    assert [d["name"] for d in version["documents"]] == [
        "Tờ khai thay đổi thông tin cư trú",
        "Giấy tờ chứng minh chỗ ở hợp pháp",
    ]
    first, second = version["documents"]
    assert first["form_name"] == "Mẫu CT01"
    assert first["form_url"].startswith("http://testserver/media/catalog/forms/ct01")
    assert second["form_url"] is None and second["original"] is True and second["copies"] == 2
    assert version["fees"] == [
        {
            "name": "Lệ phí đăng ký cư trú",
            "kind": "charge",
            "amount": 20000,
            "amount_label": "20.000 đ",
            "exempt": "",
        }
    ]
    assert [(s["name"], s["role"], s["hours"]) for s in version["steps"]] == [
        ("Tiếp nhận hồ sơ", "receptionist", 14.0),
        ("Thẩm định", "specialist", 14.0),
        ("Phê duyệt", "leader", 14.0),
        ("Trả kết quả", "receptionist", 14.0),
    ]
    assert version["steps"][0]["agency_kind_label"] == "Sở, ban, ngành"
    assert body["where_to_submit"] == [
        {
            "e_id": "H22.40",
            "name": "Công an tỉnh",
            "address": "12 Lý Thường Kiệt",
            "hotline": "0203 3826 111",
            "email": "",
            "opening_hours": "",
        }
    ]


def test_abolished_detail_still_answers(api_client, catalog):
    response = api_client.get("/api/v1/procedures/1.000001")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "abolished"
    assert body["status_label"] == "Đã bãi bỏ"
    assert body["accepts_online"] is False


def test_unknown_code_is_a_json_404(api_client, catalog):
    response = api_client.get("/api/v1/procedures/9.999999")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Không tìm thấy."}


def test_throttle_returns_429_json(api_client, catalog, settings):
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "public_lookup": "3/min"}
    with override_settings(REST_FRAMEWORK=rest):
        statuses = [api_client.get("/api/v1/procedures").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = api_client.get("/api/v1/procedures/1.004194")  # same scope, same client
        assert limited.status_code == 429
        body = limited.json()
        assert body["code"] == "throttled"
        assert "giây" in body["detail"]
        assert "Retry-After" in limited.headers


def test_schema_documents_the_parameters(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    listing = paths["/api/v1/procedures"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"search", "field", "level", "agency", "online", "page", "page_size"} <= names
    level = next(p for p in listing["parameters"] if p["name"] == "level")
    assert sorted(level["schema"]["enum"]) == ["commune", "province"]
    assert "/api/v1/procedures/{code}" in paths
