"""Checks on uploaded files: the type is read from the content (magic bytes), never from the
name or the browser's Content-Type, the size is capped, and the SHA-256 is computed on the way.

Accepted: PDF, JPEG, PNG, and Office Open XML documents and workbooks (DOCX, XLSX) without macros.
The limit is `settings.MOTCUA_MAX_UPLOAD_BYTES` (20 MiB when unset).
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .errors import ActionInvalid

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", DOCX: ".docx", XLSX: ".xlsx"}
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str
    original_name: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def max_upload_bytes() -> int:
    return int(getattr(settings, "MOTCUA_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def _office_type(fileobj) -> str | None:
    """DOCX or XLSX by the package's parts (no extraction); None for other zips or macros."""
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names or any(n.endswith("vbaProject.bin") for n in names):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def sniff(head: bytes, fileobj=None) -> str | None:
    """The content type of a file from its first bytes (and, for zips, its parts)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04") and fileobj is not None:
        return _office_type(fileobj)
    return None


def clean_filename(name: str) -> str:
    """The base name as shown to people: no directories, no control characters, ≤ 255 chars."""
    base = os.path.basename(str(name or "").replace("\\", "/"))
    base = "".join(
        ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C"
    )
    base = base.strip().lstrip(".") or "tep-dinh-kem"
    if len(base) > 255:
        stem, ext = os.path.splitext(base)
        base = stem[: 255 - len(ext[:20])] + ext[:20]
    return base


def _chunks(fileobj):
    if hasattr(fileobj, "chunks"):
        yield from fileobj.chunks(_CHUNK)
        return
    while True:
        block = fileobj.read(_CHUNK)
        if not block:
            return
        yield block


def check_upload(uploaded_file) -> CheckedFile:
    """Size, type by content and SHA-256 of an uploaded file; ActionInvalid if refused.

    Leaves the file positioned at its start, ready to be saved."""
    limit = max_upload_bytes()
    declared = getattr(uploaded_file, "size", None)
    too_large = ActionInvalid(
        "file_too_large",
        format_lazy(_("Tệp vượt quá dung lượng cho phép ({limit})."), limit=filesizeformat(limit)),
        field="file",
    )
    if declared is not None and declared > limit:
        raise too_large
    digest, size = hashlib.sha256(), 0
    uploaded_file.seek(0)
    for block in _chunks(uploaded_file):
        size += len(block)
        if size > limit:
            raise too_large
        digest.update(block)
    if size == 0:
        raise ActionInvalid("file_empty", _("Tệp rỗng."), field="file")
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    content_type = sniff(head, uploaded_file)
    uploaded_file.seek(0)
    if content_type is None:
        raise ActionInvalid(
            "file_type_not_allowed",
            _("Chỉ nhận tệp PDF, JPEG, PNG, DOCX hoặc XLSX (kiểm tra theo nội dung tệp)."),
            field="file",
        )
    return CheckedFile(
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        original_name=clean_filename(getattr(uploaded_file, "name", "") or ""),
    )
