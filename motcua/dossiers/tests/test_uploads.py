"""Attachments: type by content, size cap, SHA-256, random storage names, who may attach."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers import services, uploads
from motcua.dossiers.errors import ActionDenied, ActionInvalid
from motcua.dossiers.models import Attachment, AttachmentKind

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield from f.province_fixture()


def docx():
    return f.office_file("don.docx", {"word/document.xml": b"<w:document/>"})


def xlsx():
    return f.office_file("bang-ke.xlsx", {"xl/workbook.xml": b"<workbook/>"})


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        (lambda: f.pdf_file(), uploads.PDF),
        (lambda: SimpleUploadedFile("anh.png", f.PNG_BYTES), uploads.PNG),
        (lambda: SimpleUploadedFile("anh.jpg", f.JPEG_BYTES), uploads.JPEG),
        (docx, uploads.DOCX),
        (xlsx, uploads.XLSX),
        # The name and the declared type do not matter: the content does.
        (
            lambda: SimpleUploadedFile("scan.exe", f.PDF_BYTES, "application/x-msdownload"),
            uploads.PDF,
        ),
    ],
)
def test_accepted_types_are_recognised_by_content(p, make, content_type):
    d = f.new_dossier(p)
    upload = make()
    data = upload.read()
    attachment = services.add_attachment(d, p.citizen, uploaded_file=upload)
    assert attachment.content_type == content_type
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    with attachment.file.open("rb") as stored:
        assert stored.read() == data


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("to-khai.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
        SimpleUploadedFile("anh.png", b"GIF89a......", "image/png"),
        SimpleUploadedFile("a.html", b"<html>%PDF-1.4</html>", "text/html"),
    ],
)
def test_other_content_is_refused_whatever_its_name(p, upload):
    d = f.new_dossier(p)
    with pytest.raises(ActionInvalid) as exc:
        services.add_attachment(d, p.citizen, uploaded_file=upload)
    assert exc.value.code == "file_type_not_allowed" and exc.value.field == "file"
    assert not Attachment.objects.exists()


def test_zip_files_other_than_documents_and_macro_workbooks_are_refused(p):
    d = f.new_dossier(p)
    plain_zip = f.office_file("a.docx", {"other/file.xml": b"x"})
    macro = f.office_file(
        "a.xlsx", {"xl/workbook.xml": b"<workbook/>", "xl/vbaProject.bin": b"\x00"}
    )
    broken = SimpleUploadedFile("a.docx", b"PK\x03\x04garbage")
    for upload in (plain_zip, macro, broken):
        with pytest.raises(ActionInvalid):
            services.add_attachment(d, p.citizen, uploaded_file=upload)


def test_size_limit_from_settings_and_empty_files(p, settings):
    settings.MOTCUA_MAX_UPLOAD_BYTES = 100
    d = f.new_dossier(p)
    with pytest.raises(ActionInvalid) as exc:
        services.add_attachment(
            d, p.citizen, uploaded_file=f.pdf_file(content=f.PDF_BYTES + b"x" * 100)
        )
    assert exc.value.code == "file_too_large"
    assert services.add_attachment(d, p.citizen, uploaded_file=f.pdf_file()).size < 100
    with pytest.raises(ActionInvalid) as exc:
        services.add_attachment(d, p.citizen, uploaded_file=SimpleUploadedFile("x.pdf", b""))
    assert exc.value.code == "file_empty"


def test_size_is_counted_not_trusted(p, settings):
    settings.MOTCUA_MAX_UPLOAD_BYTES = 100
    upload = f.pdf_file(content=f.PDF_BYTES + b"x" * 200)
    upload.size = 10  # a lying header
    with pytest.raises(ActionInvalid) as exc:
        uploads.check_upload(upload)
    assert exc.value.code == "file_too_large"


def test_default_limit_is_20_mib(settings):
    del settings.MOTCUA_MAX_UPLOAD_BYTES
    assert uploads.max_upload_bytes() == 20 * 1024 * 1024


def test_stored_under_a_random_name_original_name_kept(p):
    d = f.new_dossier(p)
    a = services.add_attachment(d, p.citizen, uploaded_file=f.pdf_file("../../etc/passwd.pdf"))
    b = services.add_attachment(d, p.citizen, uploaded_file=f.pdf_file("../../etc/passwd.pdf"))
    assert a.original_name == "passwd.pdf"
    assert a.file.name != b.file.name
    assert "passwd" not in a.file.name and a.file.name.startswith(f"dossiers/{d.public_id}/")


def test_clean_filename():
    assert uploads.clean_filename("C:\\Users\\an\\Giấy tờ.pdf") == "Giấy tờ.pdf"
    assert uploads.clean_filename("a\x00b\n.pdf") == "ab.pdf"
    assert uploads.clean_filename("") == "tep-dinh-kem"
    assert len(uploads.clean_filename("x" * 300 + ".pdf")) == 255
    assert uploads.clean_filename("x" * 300 + ".pdf").endswith(".pdf")


def test_document_must_belong_to_the_procedure(p):
    d = f.new_dossier(p)
    mine = d.procedure_version.documents.first()
    other = p.commune_procedure.current_version.documents.first()
    assert (
        services.add_attachment(d, p.citizen, document=mine, uploaded_file=f.pdf_file()).document
        == mine
    )
    with pytest.raises(ActionInvalid) as exc:
        services.add_attachment(d, p.citizen, document=other, uploaded_file=f.pdf_file())
    assert exc.value.code == "document_not_in_procedure"


def test_who_may_attach_when(p):
    draft = f.new_dossier(p)
    with pytest.raises(ActionDenied):
        services.add_attachment(draft, p.other_citizen, uploaded_file=f.pdf_file())
    with pytest.raises(ActionDenied):  # online drafts are the applicant's alone
        services.add_attachment(draft, p.receptionist, uploaded_file=f.pdf_file())
    processing = f.dossier_in(p, "processing", step=1)
    with pytest.raises(ActionDenied):
        services.add_attachment(processing, p.citizen, uploaded_file=f.pdf_file())
    internal = services.add_attachment(
        processing, p.specialist, uploaded_file=f.pdf_file(), kind=AttachmentKind.INTERNAL
    )
    assert internal.uploaded_by == p.specialist
    # The receptionist digitises paper at the counter.
    counter = f.new_dossier(p, channel="counter")
    scan = services.add_attachment(
        counter, p.receptionist, uploaded_file=f.pdf_file(), digitised=True
    )
    assert scan.digitised
    waiting = f.dossier_in(p, "supplementing")
    extra = services.add_attachment(
        waiting, p.citizen, uploaded_file=f.pdf_file(), kind=AttachmentKind.SUPPLEMENT
    )
    assert extra.kind == "supplement"
    returned = f.dossier_in(p, "returned")
    with pytest.raises(ActionInvalid) as exc:
        services.add_attachment(returned, p.receptionist, uploaded_file=f.pdf_file())
    assert exc.value.code == "final_state"


def test_reuse_of_an_earlier_file_of_the_same_applicant(p):
    first = f.new_dossier(p)
    original = services.add_attachment(first, p.citizen, uploaded_file=f.pdf_file())
    second = f.new_dossier(p)
    reused = services.add_attachment(second, p.citizen, reused_from=original.pk)
    assert (reused.reused_from, reused.sha256, reused.file.name) == (
        original,
        original.sha256,
        original.file.name,
    )
    stranger = f.new_dossier(
        p, applicant_user=p.other_citizen, applicant=f.applicant_data(id_number="022090999999")
    )
    with pytest.raises(ActionInvalid) as exc:
        services.add_attachment(stranger, p.other_citizen, reused_from=original)
    assert exc.value.code == "reuse_not_allowed"
    with pytest.raises(ActionInvalid) as exc:
        services.add_attachment(second, p.citizen)
    assert exc.value.code == "file_required"


def test_plain_file_objects_are_accepted():
    upload = io.BytesIO(f.PNG_BYTES)
    upload.name = "anh.png"
    checked = uploads.check_upload(upload)
    assert (checked.content_type, checked.size, checked.extension) == (
        uploads.PNG,
        len(f.PNG_BYTES),
        ".png",
    )
