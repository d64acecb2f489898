"""The PDF toolkit: templates to A4 PDFs with our static CSS and Vietnamese fonts, nothing else."""

import subprocess

import pytest
from django.conf import settings
from django.test import override_settings

from motcua.documents.pdf import StaticOnlyFetcher, render_pdf, static_path


@pytest.fixture
def templates(tmp_path):
    """A template directory for this test's own documents."""
    config = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    with override_settings(TEMPLATES=config):
        yield tmp_path


def pdf_info(pdf: bytes) -> str:
    return subprocess.run(
        ["pdfinfo", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_render_pdf_gives_an_a4_pdf_with_vietnamese_text(templates):
    (templates / "sample.html").write_text(
        '{% extends "documents/a4_base.html" %}{% block content %}'
        "<h1>{{ title }}</h1><p>Phiếu kiểm soát quá trình giải quyết hồ sơ</p>{% endblock %}"
    )
    pdf = render_pdf("sample.html", {"title": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"})
    assert pdf.startswith(b"%PDF-")
    assert "595.276 x 841.89 pts (A4)" in pdf_info(pdf)
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in text.decode()
    assert "Phiếu kiểm soát quá trình giải quyết hồ sơ" in text.decode()
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout
    # Embedded fonts with the Vietnamese glyphs (Liberation Serif first, DejaVu Serif fallback).
    assert b"Liberation-Serif" in fonts or b"DejaVuSerif" in fonts


def test_static_urls_resolve_to_our_files_only():
    base = settings.MOTCUA_BASE_URL
    assert static_path(f"{base}/static/documents/a4.css").name == "a4.css"
    assert static_path(f"{base}/static/documents/../../settings.py") is None
    assert static_path("https://example.com/static/documents/a4.css") is None
    assert static_path(f"{base}/media/secret.pdf") is None


@pytest.mark.parametrize(
    "url", ["https://example.com/logo.png", "file:///etc/passwd", "http://169.254.169.254/latest"]
)
def test_the_fetcher_refuses_the_network_and_the_disk(url):
    with pytest.raises(ValueError):
        StaticOnlyFetcher().fetch(url)


def test_a_blocked_resource_is_left_out_and_the_pdf_still_renders(templates):
    (templates / "remote.html").write_text(
        '{% extends "documents/a4_base.html" %}{% block content %}'
        '<img src="file:///etc/hostname" alt="x"><p>Nội dung</p>{% endblock %}'
    )
    pdf = render_pdf("remote.html", {})
    assert pdf.startswith(b"%PDF-")
    assert "Pages:           1" in pdf_info(pdf)
