"""`motcua import-catalog`: progress, report, exit code 1 with every error on a bad file."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from motcua.catalog.models import Procedure
from motcua.catalog.tests.test_import import as_file, sample
from motcua.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "danh-muc.json"
    path.write_bytes(as_file(*[sample(f"1.{i:06d}") for i in range(1, 121)]))
    return path


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_progress_in_tenths_and_the_report(good):
    out, _err = run(str(good))
    lines = out.splitlines()
    checking = [line for line in lines if line.startswith("Đang kiểm tra")]
    assert checking[0] == "Đang kiểm tra 12/120…" and checking[-1] == "Đang kiểm tra 120/120…"
    assert len(checking) == 10
    assert "Đang ghi 120/120…" in lines
    assert (
        "120 thủ tục: 120 thêm mới, 0 phiên bản mới, 0 không đổi, 0 đổi trạng thái; 0 cảnh báo."
        in lines
    )
    assert Procedure.objects.count() == 120


def test_dry_run_writes_nothing(good):
    out, _err = run(str(good), "--dry-run")
    assert "Kiểm tra (chưa ghi): 120 thủ tục: 120 thêm mới" in out
    assert "Đang so sánh 120/120…" in out
    assert not Procedure.objects.exists()


def test_bad_file_lists_every_error_and_fails(tmp_path):
    path = tmp_path / "hong.json"
    path.write_bytes(as_file(sample("1.000001", online="x"), sample("1.000002"),
                             sample("1.000003", steps=[])))  # fmt: skip
    with pytest.raises(CommandError) as raised:
        run(str(path))
    assert raised.value.returncode == 1
    assert str(raised.value) == "Tệp có 2 lỗi trong 3 thủ tục: không ghi gì vào danh mục."
    assert not Procedure.objects.exists()


def test_console_script_exits_1_and_prints_errors(tmp_path, capsys):
    path = tmp_path / "hong.json"
    data = json.loads(as_file(sample("1.000001", online="x"), sample("1.000002", steps=[])))
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SystemExit) as raised:
        main(["motcua", "import-catalog", str(path)])
    assert raised.value.code == 1
    err = capsys.readouterr().err
    assert "Lỗi: Thủ tục thứ 1 (mã 1.000001): trường online có giá trị “x” không hợp lệ" in err
    assert "Lỗi: Thủ tục thứ 2 (mã 1.000002): trường steps phải có ít nhất một bước." in err


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        run(str(tmp_path / "khong-co.json"))
