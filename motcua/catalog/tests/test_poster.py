"""The printable QR poster of a procedure: one A4 page, a QR code holding the page's address."""

import subprocess

import pytest

from motcua.catalog.models import OnlineLevel

from .factories import make_procedure

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def pdf_pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    return int(
        next(line for line in info.decode().splitlines() if line.startswith("Pages:")).split()[1]
    )


def qr_codes_on_first_page(pdf: bytes, tmp_path) -> list[str]:
    (tmp_path / "poster.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", "poster.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    image = next(tmp_path.glob("page*.png"))
    result = subprocess.run(
        ["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        check=True,
    )
    return result.stdout.decode().split()


def test_poster_qr_holds_the_absolute_page_url(client, settings, tmp_path):
    settings.MOTCUA_BASE_URL = "https://dichvucong.example.gov.vn"
    make_procedure(
        "Đăng ký thường trú",
        code="1.004194",
        documents=["Tờ khai thay đổi thông tin cư trú"],
        fees=[("Lệ phí", 50000)],
        online=OnlineLevel.FULL,
    )
    response = client.get("/thu-tuc/1.004194/poster.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert qr_codes_on_first_page(pdf, tmp_path) == [
        "https://dichvucong.example.gov.vn/thu-tuc/1.004194/"
    ]
    text = pdf_text(pdf)
    assert "Đăng ký thường trú" in text
    assert "1.004194" in text and "7 ngày làm việc" in text and "50.000 đ" in text
    assert "Tờ khai thay đổi thông tin cư trú" in text
    assert pdf_pages(pdf) == 1


def test_a_long_procedure_still_fits_one_page(client, settings, tmp_path):
    settings.MOTCUA_BASE_URL = "http://127.0.0.1:8000"
    name = (
        "Cấp đổi giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất "
        * 3
    )
    documents = [
        f"Giấy tờ số {i} về quyền sử dụng đất và tài sản gắn liền với đất của hộ gia đình, cá nhân đề nghị cấp đổi"
        for i in range(1, 13)
    ]
    make_procedure(name.strip(), code="1.004227", field="Đất đai", documents=documents)
    pdf = client.get("/thu-tuc/1.004227/poster.pdf").content
    (tmp_path.parent / "long-poster.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == 1
    assert qr_codes_on_first_page(pdf, tmp_path) == ["http://127.0.0.1:8000/thu-tuc/1.004227/"]
    assert "… và 6 giấy tờ khác" in pdf_text(pdf)


def test_unknown_procedure_has_no_poster(client):
    assert client.get("/thu-tuc/9.999999/poster.pdf").status_code == 404
