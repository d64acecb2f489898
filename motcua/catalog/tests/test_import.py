"""Importing a catalog file: validation (pure) and the all-or-nothing, idempotent import."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.catalog.importing import (
    Location,
    ParsedCatalog,
    RawProcedure,
    clean_procedure,
    read_catalog,
    validate_catalog,
)
from motcua.catalog.models import (
    Fee,
    Field,
    Procedure,
    ProcedureStatus,
    ProcedureVersion,
    RequiredDocument,
    Step,
)
from motcua.catalog.services import import_catalog
from motcua.common.models import AuditEntry

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo_catalog.json"


def sample(code: str = "1.000123", **changes) -> dict:
    """A valid procedure object (steps add up to the 1-day limit)."""
    data = {
        "code": code,
        "name": "Đăng ký khai sinh",
        "field": "Hộ tịch",
        "levels": ["commune"],
        "processing_time": {"working_days": 1},
        "fees": [{"name": "Lệ phí đăng ký khai sinh", "amount": 8000}],
        "online": "full",
        "documents": [
            {
                "name": "Tờ khai đăng ký khai sinh",
                "copies": 1,
                "original": True,
                "form": "Mẫu TP/HT-2020-KS.1",
            },  # fmt: skip
            {"name": "Giấy chứng sinh", "copies": 1, "original": True},
        ],
        "steps": [
            {"name": "Tiếp nhận hồ sơ", "role": "receptionist", "working_hours": 1},
            {"name": "Thẩm định, ghi sổ hộ tịch", "role": "specialist", "working_hours": 5},
            {"name": "Ký giấy khai sinh", "role": "leader", "working_hours": 1.5},
            {"name": "Trả kết quả", "role": "receptionist", "working_hours": 0.5},
        ],
        "legal_basis": ["Luật Hộ tịch số 60/2014/QH13", "Nghị định số 123/2015/NĐ-CP"],
        "status": "active",
    }
    data.update(changes)
    return data


def as_file(*procedures, **top) -> bytes:
    return json.dumps({"procedures": list(procedures), **top}, ensure_ascii=False).encode()


def check(*procedures) -> list[str]:
    """Error messages of validating these objects (no database)."""
    items = [RawProcedure(p, Location(index=i)) for i, p in enumerate(procedures, start=1)]
    return [e.message for e in validate_catalog(ParsedCatalog("json", items, [])).errors]


def catalog_state() -> tuple:
    """Everything an import can write, to compare before and after."""
    return (
        list(Procedure.objects.values_list("code", "status", "current_version_id", "name")),
        ProcedureVersion.objects.count(),
        RequiredDocument.objects.count(),
        Fee.objects.count(),
        Step.objects.count(),
        Field.objects.count(),
        AuditEntry.objects.count(),
    )


# --- Validation (pure) --------------------------------------------------------------------


def test_valid_object_gives_canonical_content_with_defaults():
    data, errors, warnings = clean_procedure(RawProcedure(sample(), Location(index=1)))
    assert errors == [] and warnings == []
    content = data.content
    assert content["fees"] == [
        {"name": "Lệ phí đăng ký khai sinh", "kind": "charge", "amount": 8000, "exempt": ""}
    ]
    assert content["documents"][1] == {
        "name": "Giấy chứng sinh", "copies": 1, "original": True, "form": "", "required": True
    }  # fmt: skip
    # Defaults for a commune procedure: the commune center receives, the committee decides,
    # and reception steps happen at the center.
    assert content["receiving_agency_kinds"] == ["commune_center"]
    assert content["deciding_agency_kind"] == "commune_committee"
    assert [s["agency_kind"] for s in content["steps"]] == [
        "commune_center", "commune_committee", "commune_committee", "commune_center"
    ]  # fmt: skip
    assert content["steps"][2]["working_hours"] == 1.5
    assert data.status == "active" and data.abolished_on is None


def test_hash_ignores_spelling_of_the_same_content():
    a, _e, _w = clean_procedure(RawProcedure(sample(), Location(index=1)))
    variant = sample(
        processing_time={"working_days": 1.0},
        levels=["commune"],
        name="  Đăng ký khai sinh ",
        _comment="keys starting with _ are ignored",
    )
    variant["fees"][0]["kind"] = "charge"
    b, errors, _w = clean_procedure(RawProcedure(variant, Location(index=1)))
    assert errors == []
    assert a.content_hash == b.content_hash
    c, _e, _w = clean_procedure(RawProcedure(sample(name="Đăng ký khai sinh lưu động"), Location()))
    assert c.content_hash != a.content_hash


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_canonical_content_is_a_fixed_point(seed):
    """Cleaning the canonical content again gives the same content and hash."""
    from bench.generate_catalog import generate

    for raw in generate(3, seed=seed)["procedures"]:
        first, errors, _w = clean_procedure(RawProcedure(raw, Location(index=1)))
        assert errors == []
        again, errors, _w = clean_procedure(
            RawProcedure({"code": first.code, **first.content}, Location(index=1))
        )
        assert errors == []
        assert again.content == first.content and again.content_hash == first.content_hash


def test_error_message_names_position_code_and_reason():
    bad = sample(code="1.000123", processing_time={"working_days": 2, "working_hours": 4})
    assert check(sample(code="1.000001"), bad) == [
        "Thủ tục thứ 2 (mã 1.000123): trường processing_time phải có đúng một khoá "
        "working_days hoặc working_hours."
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"code": "1.23"}, "Mã thủ tục không đúng định dạng"),
        ({"code": ""}, "trường code không được để trống"),
        ({"code": 1.000123}, "trường code phải là chuỗi ký tự"),
        ({"online": "level4"}, "trường online có giá trị “level4” không hợp lệ"),
        ({"levels": ["district"]}, "trường levels có giá trị “district” không hợp lệ"),
        ({"levels": []}, "trường levels không được để trống"),
        ({"processing_time": {"working_days": 0}}, "phải là số dương"),
        ({"processing_time": {"working_days": 2.3}}, "tính theo nửa đơn vị"),
        ({"processing_time": {"working_days": "5"}}, "processing_time.working_days phải là một số"),
        ({"steps": []}, "trường steps phải có ít nhất một bước"),
        ({"fees": [{"name": "Lệ phí", "amount": 0}]}, "phí, lệ phí thứ 1: trường amount phải là số tiền nguyên dương"),
        ({"fees": [{"name": "Lệ phí", "amount": 1500.5}]}, "trường amount phải là số tiền nguyên dương"),
        ({"fees": [{"name": "Lệ phí", "amount": 1000, "kind": "tax"}]}, "trường kind có giá trị “tax”"),
        ({"documents": [{"name": "Tờ khai", "copies": 0, "original": True}]}, "thành phần hồ sơ thứ 1: trường copies phải là số nguyên từ 1 trở lên"),
        ({"documents": [{"name": "Tờ khai", "copies": 1}]}, "thành phần hồ sơ thứ 1: thiếu trường bắt buộc original"),
        ({"documents": [{"name": "Tờ khai", "copies": 1, "original": "có"}]}, "trường original phải là true hoặc false"),
        ({"steps": [{"name": "Tiếp nhận", "role": "clerk", "working_hours": 8}]}, "bước thứ 1: trường role có giá trị “clerk”"),
        ({"steps": [{"name": "Tiếp nhận", "role": "leader", "working_hours": -1}]}, "trường working_hours phải là số giờ từ 0 trở lên"),
        ({"status": "closed"}, "trường status có giá trị “closed”"),
        ({"status": "abolished"}, "phải có abolished_on và abolished_by"),
        ({"abolished_on": "2026-01-01", "abolished_by": "QĐ 1"}, "chỉ dùng khi status là abolished"),
        ({"status": "abolished", "abolished_on": "01/07/2026", "abolished_by": "QĐ 1"}, "trường abolished_on phải là ngày theo dạng YYYY-MM-DD"),
        ({"cutoff_time": "3pm"}, "trường cutoff_time phải là giờ theo dạng HH:MM"),
        ({"deciding_agency_kind": "ministry"}, "trường deciding_agency_kind có giá trị “ministry”"),
        ({"legal_basis": "Luật Hộ tịch"}, "trường legal_basis phải là một danh sách chuỗi ký tự"),
        ({"name": ""}, "trường name không được để trống"),
        ({"name": "x" * 501}, "trường name dài quá 500 ký tự"),
        ({"website": "https://example.org"}, "trường website không được hỗ trợ"),
    ],
)  # fmt: skip
def test_each_rule_is_reported(change, expected):
    errors = check(sample(**change))
    assert len(errors) == 1, errors
    code = change.get("code", "1.000123")
    where = f"Thủ tục thứ 1 (mã {code}): " if isinstance(code, str) and code else "Thủ tục thứ 1: "
    assert errors[0].startswith(where)
    assert expected in errors[0]


def test_missing_required_fields_are_all_listed():
    data = sample()
    for key in ("name", "levels", "steps"):
        del data[key]
    errors = check(data)
    assert [e.split(": ", 1)[1] for e in errors] == [
        "thiếu trường bắt buộc name.",
        "thiếu trường bắt buộc levels.",
        "thiếu trường bắt buộc steps.",
    ]


def test_duplicate_code_in_the_file_points_at_the_first():
    errors = check(sample("1.000001"), sample("1.000002"), sample("1.000001"))
    assert errors == ["Thủ tục thứ 3 (mã 1.000001): mã thủ tục bị trùng với thủ tục thứ 1."]


def test_steps_not_adding_up_is_a_warning_not_an_error():
    item = RawProcedure(sample(processing_time={"working_days": 2}), Location(index=4))
    data, errors, warnings = clean_procedure(item)
    assert data is not None and errors == []
    assert [w.message for w in warnings] == [
        "Thủ tục thứ 4 (mã 1.000123): tổng thời gian các bước (8 giờ làm việc) khác thời hạn "
        "giải quyết (16 giờ làm việc)."
    ]


def test_bad_json_and_wrong_shape_are_file_errors():
    parsed = read_catalog(b'{"procedures": [}')
    assert parsed.errors[0].message.startswith("Tệp: tệp JSON không hợp lệ (dòng 1, cột 17)")
    parsed = read_catalog(b"[]")
    assert "khoá procedures" in parsed.errors[0].message
    parsed = read_catalog(as_file(sample(), source="x", _generated="ignored"))
    assert [e.message for e in parsed.errors] == ["Tệp: khoá source không được hỗ trợ."]


# --- Import (database) --------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_procedures_versions_children_and_audit(django_user_model):
    user = django_user_model.objects.create_user("importer")
    other = sample("2.000815", name="Cấp giấy phép xây dựng nhà ở riêng lẻ", field="Xây dựng",
                   levels=["province", "commune"], processing_time={"working_hours": 8})  # fmt: skip
    report = import_catalog(as_file(sample(), other), user=user)
    assert report.ok and report.written
    assert report.counts() == {
        "total": 2, "created": 2, "new_versions": 0, "unchanged": 0, "status_changed": 0,
        "fields_created": 2, "warnings": 0, "errors": 0,
    }  # fmt: skip
    procedure = Procedure.objects.get(code="1.000123")
    version = procedure.current_version
    assert version.number == 1 and version.created_by == user
    assert version.time_unit == "working_days" and version.time_value == Decimal(1)
    assert [d.name for d in version.documents.all()] == [
        "Tờ khai đăng ký khai sinh",
        "Giấy chứng sinh",
    ]
    assert version.documents.first().form_name == "Mẫu TP/HT-2020-KS.1"
    assert [(s.position, s.working_hours) for s in version.steps.all()] == [
        (1, Decimal("1")), (2, Decimal("5")), (3, Decimal("1.5")), (4, Decimal("0.5"))
    ]  # fmt: skip
    assert version.steps_match_time_limit
    assert version.fees.get().amount == 8000
    # Search columns follow the current version.
    assert procedure.name == "Đăng ký khai sinh" and procedure.field.name == "Hộ tịch"
    assert procedure.at_commune and not procedure.at_province
    assert procedure.name_folded == "dang ky khai sinh"
    assert "giay chung sinh" in procedure.search_folded
    both = Procedure.objects.get(code="2.000815")
    assert both.at_province and both.at_commune
    assert both.current_version.receiving_agency_kinds == ["service_center", "commune_center"]
    published = AuditEntry.objects.filter(action="catalog.publish")
    assert {e.object_id for e in published} == {"1.000123", "2.000815"}
    assert all(e.actor == user and e.data["version"] == 1 for e in published)
    assert AuditEntry.objects.filter(action="catalog.import").count() == 1


@pytest.mark.django_db
def test_reimport_of_the_same_file_changes_nothing():
    data = as_file(sample(), sample("1.000124", name="Đăng ký kết hôn", status="suspended"))
    import_catalog(data)
    before = catalog_state()
    report = import_catalog(data)
    assert report.ok
    assert (report.created, report.new_versions, report.unchanged, report.status_changed) == (
        0,
        0,
        2,
        0,
    )
    assert catalog_state() == before


@pytest.mark.django_db
def test_changed_procedure_gets_a_new_version_and_keeps_the_old_one():
    import_catalog(as_file(sample()))
    v1 = Procedure.objects.get().current_version
    changed = sample(name="Đăng ký khai sinh (sửa đổi)")
    changed["fees"][0]["amount"] = 10000
    report = import_catalog(as_file(changed), note="QĐ 99/QĐ-UBND")
    assert (report.created, report.new_versions, report.unchanged) == (0, 1, 0)
    procedure = Procedure.objects.get()
    v2 = procedure.current_version
    assert v2.number == 2 and v2.pk != v1.pk and v2.change_note == "QĐ 99/QĐ-UBND"
    assert procedure.name == "Đăng ký khai sinh (sửa đổi)"
    v1.refresh_from_db()
    assert v1.name == "Đăng ký khai sinh" and v1.fees.get().amount == 8000  # untouched
    assert v2.fees.get().amount == 10000
    assert list(procedure.versions.values_list("number", flat=True)) == [2, 1]
    entry = AuditEntry.objects.filter(action="catalog.publish").first()
    assert entry.data["version"] == 2 and entry.object_id == "1.000123"


@pytest.mark.django_db
def test_status_change_from_the_file_keeps_the_version():
    import_catalog(as_file(sample()))
    version = Procedure.objects.get().current_version
    abolished = sample(status="abolished", abolished_on="2026-07-01", abolished_by="QĐ 12/QĐ-UBND")
    report = import_catalog(as_file(abolished))
    assert (report.new_versions, report.unchanged, report.status_changed) == (0, 0, 1)
    procedure = Procedure.objects.get()
    assert procedure.current_version == version
    assert procedure.status == ProcedureStatus.ABOLISHED and not procedure.is_available
    assert procedure.abolished_on.isoformat() == "2026-07-01"
    entry = AuditEntry.objects.get(action="catalog.abolish")
    assert entry.data == {"from": "active", "to": "abolished", "abolished_on": "2026-07-01",
                          "abolished_by": "QĐ 12/QĐ-UBND"}  # fmt: skip
    report = import_catalog(as_file(sample()))  # reactivated by the file
    procedure.refresh_from_db()
    assert report.status_changed == 1 and procedure.is_available
    assert procedure.abolished_on is None and procedure.abolished_by == ""


@pytest.mark.django_db
def test_one_bad_row_writes_nothing():
    import_catalog(as_file(sample("1.000001")))
    before = catalog_state()
    rows = [sample("1.000001", name="Tên mới"), sample("1.000002"), sample("1.000003", online="x")]
    report = import_catalog(as_file(*rows))
    assert not report.ok and not report.written
    assert [e.message.split(":")[0] for e in report.errors] == ["Thủ tục thứ 3 (mã 1.000003)"]
    assert report.created == report.new_versions == 0
    assert catalog_state() == before


@pytest.mark.django_db
def test_dry_run_counts_but_writes_nothing():
    import_catalog(as_file(sample("1.000001")))
    before = catalog_state()
    rows = [sample("1.000001", name="Tên mới"), sample("1.000002", field="Lĩnh vực mới"),
            sample("1.000003", status="suspended")]  # fmt: skip
    report = import_catalog(as_file(*rows), dry_run=True)
    assert report.ok and not report.written
    assert (report.created, report.new_versions, report.fields_created) == (2, 1, 1)
    assert catalog_state() == before


@pytest.mark.django_db
def test_progress_is_reported_while_validating_and_writing():
    calls = []
    import_catalog(
        as_file(*[sample(f"1.{i:06d}") for i in range(1, 6)]),
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    assert [c for c in calls if c[0] == "validate"] == [("validate", i, 5) for i in range(1, 6)]
    assert calls[-1] == ("write", 5, 5)


@pytest.mark.django_db
def test_fields_with_the_same_folded_name_get_distinct_slugs():
    Field.objects.create(name="Hộ tịch")
    import_catalog(as_file(sample(field="Hộ Tịch")))
    assert sorted(Field.objects.values_list("slug", flat=True)) == ["ho-tich", "ho-tich-2"]
    assert Procedure.objects.get().field.name == "Hộ Tịch"


@pytest.mark.django_db
def test_demo_catalog_imports_cleanly():
    if not DEMO.exists():
        pytest.skip("motcua/catalog/data/demo_catalog.json is not there yet")
    report = import_catalog(DEMO)
    assert report.errors == []
    assert report.created == report.total > 100
    assert import_catalog(DEMO).unchanged == report.total


def _break(procedures: list[dict]) -> dict[int, str]:
    """Spoil some rows of a generated catalog; return {1-based position: expected text}."""
    expected = {}
    procedures[10]["processing_time"] = {"working_days": 5, "working_hours": 2}
    expected[11] = "trường processing_time phải có đúng một khoá"
    procedures[1999]["documents"][0]["copies"] = 0
    expected[2000] = "thành phần hồ sơ thứ 1: trường copies phải là số nguyên từ 1 trở lên."
    procedures[4500]["code"] = procedures[3]["code"]
    expected[4501] = "mã thủ tục bị trùng với thủ tục thứ 4."
    procedures[5999]["steps"] = []
    expected[6000] = "trường steps phải có ít nhất một bước."
    return expected


@pytest.mark.django_db
def test_6000_procedures_broken_then_valid_then_unchanged():
    from bench.generate_catalog import generate

    procedures = generate(6000, seed=7)["procedures"]
    broken = copy.deepcopy(procedures)
    expected = _break(broken)
    report = import_catalog(as_file(*broken))
    assert sorted(e.location.index for e in report.errors) == sorted(expected)
    for error in report.errors:
        assert error.code == broken[error.location.index - 1]["code"]
        assert expected[error.location.index] in error.message
    assert Procedure.objects.count() == ProcedureVersion.objects.count() == 0

    report = import_catalog(as_file(*procedures))
    assert report.ok and report.created == 6000
    assert report.seconds < 60
    assert ProcedureVersion.objects.count() == 6000
    assert Step.objects.count() == sum(len(p["steps"]) for p in procedures)
    assert len(report.warnings) == sum(
        1
        for p in procedures
        if sum(Decimal(str(s["working_hours"])) for s in p["steps"])
        != Decimal(str(next(iter(p["processing_time"].values()))))
        * (8 if "working_days" in p["processing_time"] else 1)
    )

    before = catalog_state()
    again = import_catalog(as_file(*procedures))
    assert again.unchanged == 6000 and catalog_state() == before
