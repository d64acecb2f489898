"""`motcua export-catalog FILE`: the format follows the extension."""

import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from motcua.catalog.services import import_catalog
from motcua.catalog.tests.test_import import as_file, sample

pytestmark = pytest.mark.django_db


def test_export_writes_json_and_excel_by_extension(tmp_path):
    import_catalog(as_file(sample("1.000001"), sample("1.000002")))
    out = io.StringIO()
    call_command("export_catalog", str(tmp_path / "dm.json"), stdout=out)
    assert "Đã xuất 2 thủ tục" in out.getvalue()
    document = json.loads((tmp_path / "dm.json").read_text(encoding="utf-8"))
    assert [p["code"] for p in document["procedures"]] == ["1.000001", "1.000002"]
    call_command("export_catalog", str(tmp_path / "dm.xlsx"), stdout=io.StringIO())
    book = openpyxl.load_workbook(tmp_path / "dm.xlsx")
    assert book["Thủ tục"]["A3"].value == "1.000002"
    assert import_catalog(tmp_path / "dm.xlsx").unchanged == 2


def test_unknown_extension_is_refused(tmp_path):
    with pytest.raises(CommandError, match="dùng đuôi .json hoặc .xlsx"):
        call_command("export_catalog", str(tmp_path / "dm.csv"))
