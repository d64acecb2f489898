import base64
import subprocess

import pytest

from motcua.documents.qr import qr_data_uri

URL = "https://dichvucong.example.gov.vn/thu-tuc/1.004194/"


def test_png_data_uri_decodes_to_the_exact_text(tmp_path):
    uri = qr_data_uri(URL, kind="png")
    assert uri.startswith("data:image/png;base64,")
    image = tmp_path / "qr.png"
    image.write_bytes(base64.b64decode(uri.split(",", 1)[1]))
    decoded = subprocess.run(
        ["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert decoded.strip() == URL


def test_svg_data_uri_is_the_default():
    uri = qr_data_uri(URL)
    assert uri.startswith("data:image/svg+xml")
    assert qr_data_uri(URL) == uri  # deterministic: the same text gives the same image


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        qr_data_uri(URL, kind="gif")
