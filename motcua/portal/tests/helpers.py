"""Small real files and HTML checks for the portal tests."""

from __future__ import annotations

import re
import struct
import zlib
from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile


def tiny_pdf() -> bytes:
    """A valid one-page PDF (header, objects, cross-reference table with real offsets)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def tiny_png() -> bytes:
    """A valid 1×1 white PNG (signature, IHDR, IDAT, IEND with CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def pdf(name="don-de-nghi.pdf"):
    return SimpleUploadedFile(name, tiny_pdf(), content_type="application/pdf")


def png(name="can-cuoc.png"):
    return SimpleUploadedFile(name, tiny_png(), content_type="image/png")


def fake(name="virus.pdf", content=b"MZ\x90\x00 this is not a pdf"):
    """A file whose name and declared type say PDF but whose content is not."""
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self._label_depth = 0
        self.wrapped: set[int] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self._label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea"):
            self.controls.append({"tag": tag, **attrs})
            if self._label_depth:
                self.wrapped.add(len(self.controls) - 1)

    def handle_endtag(self, tag):
        if tag == "label" and self._label_depth:
            self._label_depth -= 1


def unlabelled_controls(html: str) -> list[dict]:
    """Form controls (not hidden, not buttons) without a <label for>, a wrapping label or an
    aria-label / aria-labelledby."""
    parser = _Controls()
    parser.feed(html)
    missing = []
    for index, control in enumerate(parser.controls):
        if control.get("type") in ("hidden", "submit", "button", "reset", "image"):
            continue
        if control.get("aria-label") or control.get("aria-labelledby") or index in parser.wrapped:
            continue
        if control.get("id") and control["id"] in parser.label_for:
            continue
        missing.append(control)
    return missing


def assert_strict_csp_ok(response):
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert "style=" not in html and "<style" not in html
    assert " hx-on" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
