"""The verifier on its own: trust from TrustRoot rows, changes appended after the signature,
the admin's trust-root check, and the result after an online delivery."""

import io

import pytest
from django.core.exceptions import ValidationError
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from motcua.dossiers import services as dossier_services
from motcua.dossiers.lifecycle import DeliveryMethod
from motcua.signing import services
from motcua.signing.models import TrustRoot
from motcua.signing.verify import verify_pdf

from . import pki
from .test_sign import _bytes


@pytest.fixture
def signed(p, key, at_signing):
    return services.sign_and_approve(at_signing, p.leader)


def test_without_a_trust_root_the_signature_is_valid_but_not_trusted(signed, tmp_path):
    TrustRoot.objects.update(is_active=False)
    report = verify_pdf(_bytes(signed))
    assert report.valid and not report.trusted
    path = tmp_path / "s.pdf"
    path.write_bytes(_bytes(signed))
    assert "Certificate issuer isn't Trusted." in pki.pdfsig(path)  # no NSS db: same answer


def test_another_ca_is_not_trusted(signed):
    TrustRoot.objects.all().delete()
    other = pki.make_ca("CA khác")
    TrustRoot.objects.create(name="Khác", certificate_pem=other.cert_pem.decode())
    report = verify_pdf(_bytes(signed))
    assert report.valid and not report.trusted


def test_content_appended_after_signing_is_reported(signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(_bytes(signed)))
    info = writer.root  # an incremental update that changes the catalog
    info["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue())
    sig = report.signatures[0]
    assert sig.intact and sig.valid and not sig.covers_whole_file
    assert not report.unchanged and not report.valid
    assert report.record == signed  # found by its signature, not by the file's hash


def test_a_trust_root_must_be_a_certificate(db, ca):
    root = TrustRoot(name="Rác", certificate_pem="-----BEGIN CERTIFICATE-----\nabc\n")
    with pytest.raises(ValidationError):
        root.full_clean()
    good = TrustRoot(name="CA", certificate_pem=ca.cert_pem.decode())
    good.full_clean()
    good.save()
    assert good.fingerprint == ca.cert.fingerprint(pki.serialization_sha256()).hex()


def test_online_delivery_keeps_the_result_downloadable(client, p, signed):
    d = dossier_services.deliver(
        signed.dossier, p.receptionist, method=DeliveryMethod.ONLINE, delivered_to="Nguyễn Văn An"
    )
    assert d.state == "returned"
    client.force_login(p.citizen)
    page = client.get(f"/ho-so/{d.public_id}/").content.decode()
    assert f"/xac-thuc/{signed.token}/" in page
    download = client.get(f"/ho-so/{d.public_id}/tep/{signed.attachment_id}/")
    assert b"".join(download.streaming_content) == _bytes(signed)


def test_the_admin_lists_the_signing_models(client, p, signed, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri", password="x")
    client.force_login(admin)
    for name in ("signingkey", "trustroot", "signeddocument", "externalsigningrequest"):
        assert client.get(f"/admin/signing/{name}/").status_code == 200
    assert client.get(f"/admin/signing/signeddocument/{signed.pk}/change/").status_code == 200
