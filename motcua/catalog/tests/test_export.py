"""Export (JSON and Excel) and the Excel side of the importer: round trips and layout."""

import io
import json

import openpyxl
import pytest

from bench.generate_catalog import generate
from motcua.catalog.exporting import export_catalog, write_xlsx
from motcua.catalog.importing import read_catalog, validate_catalog
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.services import import_catalog
from motcua.catalog.tests.test_import import as_file, catalog_state, sample


def workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def parsed(data: bytes):
    return validate_catalog(read_catalog(data))


@pytest.fixture
def generated():
    return generate(120, seed=3)["procedures"]


def test_excel_and_json_give_identical_content(generated):
    from_json = parsed(as_file(*generated))
    from_xlsx = parsed(write_xlsx(generated))
    assert from_json.errors == [] and from_xlsx.errors == []
    assert len(from_xlsx.procedures) == 120

    def summary(result):
        return [(p.code, p.content_hash, p.status, p.abolished_on, p.abolished_by)
                for p in result.procedures]  # fmt: skip

    assert summary(from_xlsx) == summary(from_json)
    assert [w.reason for w in from_xlsx.warnings] == [w.reason for w in from_json.warnings]


def test_excel_layout_has_vietnamese_headers_with_keys():
    book = workbook(write_xlsx([sample(cutoff_time="15:00")]))
    assert book.sheetnames == ["Thủ tục", "Thành phần hồ sơ", "Phí, lệ phí", "Các bước"]
    header = [c.value for c in book["Thủ tục"][1]]
    assert header[:3] == ["Mã thủ tục (code)", "Tên thủ tục (name)", "Lĩnh vực (field)"]
    row = {
        h[h.rindex("(") + 1 : -1]: c.value for h, c in zip(header, book["Thủ tục"][2], strict=True)
    }
    assert row["working_days"] == 1 and row["working_hours"] is None
    assert row["legal_basis"] == "Luật Hộ tịch số 60/2014/QH13\nNghị định số 123/2015/NĐ-CP"
    assert row["levels"] == "commune" and row["cutoff_time"] == "15:00"
    steps = [[c.value for c in r] for r in book["Các bước"].iter_rows(min_row=2)]
    assert steps[2] == ["1.000123", 3, "Ký giấy khai sinh", "leader", 1.5, None]
    assert [c.value for c in book["Các bước"][1]][:2] == ["Mã thủ tục (code)", "Thứ tự (position)"]


def _sheet_workbook(procedure_rows, document_rows=(), step_rows=None):
    """A hand-made workbook, as a province officer would fill it in."""
    book = openpyxl.Workbook()
    main = book.active
    main.title = "Thủ tục"
    main.append(["Mã thủ tục (code)", "Tên (name)", "Lĩnh vực (field)", "Cấp (levels)",
                 "Thời hạn, ngày (working_days)", "Trực tuyến (online)", "Trạng thái (status)",
                 "Ngày bãi bỏ (abolished_on)", "Văn bản bãi bỏ (abolished_by)",
                 "Ghi chú nội bộ (_note)"])  # fmt: skip
    for row in procedure_rows:
        main.append(row)
    documents = book.create_sheet("Thành phần hồ sơ")
    documents.append(["code", "position", "name", "copies", "original"])
    for row in document_rows:
        documents.append(row)
    steps = book.create_sheet("Các bước")
    steps.append(["Mã (code)", "Thứ tự (position)", "Tên bước (name)", "Vai trò (role)",
                  "Giờ (working_hours)"])  # fmt: skip
    for row in (
        step_rows if step_rows is not None else [("1.000123", 1, "Giải quyết", "Lãnh đạo", 8)]
    ):
        steps.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_cells_accept_labels_local_dates_and_number_codes():
    data = _sheet_workbook(
        [
            [
                1.00012,
                "Chứng thực bản sao",
                "Chứng thực",
                "Cấp xã",
                0.5,
                "Trực tuyến một phần",
                "Đã bãi bỏ",
                "01/07/2026",
                "QĐ 5/QĐ-UBND",
                "bỏ qua",
            ],
        ],  # fmt: skip
        document_rows=[("1.000120", 1, "Bản chính giấy tờ", 1, "x")],
        step_rows=[("1.000120", 1, "Chứng thực", "Chuyên viên", 4)],
    )
    result = parsed(data)
    assert result.errors == []
    (procedure,) = result.procedures
    assert procedure.code == "1.000120"  # the number cell lost its trailing zero
    assert procedure.content["levels"] == ["commune"]
    assert procedure.content["online"] == "partial"
    assert procedure.status == "abolished" and procedure.abolished_on.isoformat() == "2026-07-01"
    assert procedure.content["documents"][0]["original"] is True
    assert procedure.content["steps"][0]["role"] == "specialist"


def test_excel_errors_name_sheet_and_row():
    data = _sheet_workbook(
        [
            ["1.000123", "Thủ tục A", "Hộ tịch", "commune", 1, "full", "active"],
            ["1.000124", "Thủ tục B", "Hộ tịch", "commune", 1, "sometimes", "active"],
        ],
        document_rows=[
            ("1.000123", 1, "Tờ khai", 1, True),
            ("1.000123", 2, "Giấy chứng sinh", 0, True),
            ("9.999999", 1, "Mồ côi", 1, True),
        ],
        step_rows=[
            ("1.000123", 1, "Giải quyết", "leader", 8),
            ("1.000124", 1, "Giải quyết", "leader", 8),
        ],
    )
    messages = sorted(e.message for e in parsed(data).errors)
    assert messages == [
        "Trang tính “Thành phần hồ sơ”, dòng 3 (mã 1.000123): thành phần hồ sơ thứ 2: "
        "trường copies phải là số nguyên từ 1 trở lên.",
        "Trang tính “Thành phần hồ sơ”, dòng 4 (mã 9.999999): không có thủ tục mã này trong "
        "trang tính “Thủ tục”.",
        "Trang tính “Thủ tục”, dòng 3 (mã 1.000124): trường online có giá trị “sometimes” không "
        "hợp lệ; dùng một trong: full, partial, none.",
    ]


def test_excel_unknown_column_and_missing_sheet_are_reported():
    book = openpyxl.Workbook()
    book.active.title = "Thủ tục"
    book.active.append(["Mã thủ tục (code)", "Màu (colour)"])
    out = io.BytesIO()
    book.save(out)
    messages = [e.message for e in parsed(out.getvalue()).errors]
    assert messages[-1] == (
        "Trang tính “Thủ tục”, dòng 1: cột B có tiêu đề “Màu (colour)”: khoá colour không được "
        "hỗ trợ."
    )
    assert "Tệp: không có trang tính “Các bước”." in [
        e.message for e in parsed(out.getvalue()).errors
    ]
    book.active.title = "Sheet"
    out = io.BytesIO()
    book.save(out)
    assert [e.message for e in parsed(out.getvalue()).errors] == [
        "Tệp: không có trang tính “Thủ tục”."
    ]
    garbage = read_catalog(b"PK\x03\x04 not really a workbook", "hong.xlsx")
    assert garbage.errors[0].message.startswith("Tệp: không đọc được tệp Excel (.xlsx)")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_export_then_import_changes_nothing(generated, fmt):
    generated[0]["name"] = '=HYPERLINK("http://x")'  # text that looks like a formula
    first = import_catalog(as_file(*generated))
    assert first.ok
    before = catalog_state()
    data = export_catalog(fmt)
    report = import_catalog(data)
    assert report.errors == []
    assert report.unchanged == 120 and report.total == 120
    assert catalog_state() == before


@pytest.mark.django_db
def test_export_of_a_selection_writes_current_versions_only():
    import_catalog(as_file(sample("1.000001"), sample("1.000002"), sample("1.000003")))
    import_catalog(as_file(sample("1.000002", name="Tên mới")))
    chosen = Procedure.objects.filter(code__in=["1.000002", "1.000003"])
    document = json.loads(export_catalog("json", chosen))
    assert [p["code"] for p in document["procedures"]] == ["1.000002", "1.000003"]
    assert document["procedures"][0]["name"] == "Tên mới"
    assert document["procedures"][0]["_version"] == 2
    assert ProcedureVersion.objects.count() == 4
    book = workbook(export_catalog("xlsx", chosen))
    assert [r[0].value for r in book["Thủ tục"].iter_rows(min_row=2)] == ["1.000002", "1.000003"]


def test_unknown_export_format_is_refused():
    with pytest.raises(ValueError):
        export_catalog("csv")
