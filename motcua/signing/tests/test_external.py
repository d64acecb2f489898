"""The two-step flow for a leader's own device (USB token): we prepare the document and the
digest, a "device" — here a real private key — signs it, we embed the signature and approve."""

import base64
import datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from motcua.dossiers.models import Dossier
from motcua.signing.models import ExternalSigningRequest, RequestState, SignedDocument
from motcua.signing.verify import verify_pdf

from . import pki


@pytest.fixture
def token_holder(ca):
    """The leader's token: a key pair with a certificate of the (test) government CA."""
    return pki.issue(ca, "Phạm Thị Thu Hà", "Sở Tư pháp")


def device_sign(holder, digest_b64: str) -> str:
    """What the token does: RSA PKCS#1 v1.5 over a SHA-256 digest it is given."""
    digest = base64.b64decode(digest_b64)
    signature = holder.key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    return base64.b64encode(signature).decode()


def _login(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_prepare_sign_on_device_embed_and_approve(
    p, at_signing, api_client, token_holder, ca, tmp_path, nssdir
):
    from motcua.signing.models import TrustRoot

    TrustRoot.objects.create(name="CA", certificate_pem=ca.cert_pem.decode())
    client = _login(api_client, p.leader)
    created = client.post(
        "/api/v1/signing/requests",
        {"dossier": at_signing.code, "certificate": token_holder.cert_pem.decode()},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["digest_algorithm"] == "sha256"
    assert body["signature_algorithm"] == "rsa_pkcs1v15"
    assert len(base64.b64decode(body["digest"])) == 32
    # nothing is decided until the device answers
    assert Dossier.objects.get(pk=at_signing.pk).state == "processing"
    done = client.post(
        f"/api/v1/signing/requests/{body['id']}/signature",
        {"signature": device_sign(token_holder, body["digest"])},
        format="json",
    )
    assert done.status_code == 201, done.json()
    assert Dossier.objects.get(pk=at_signing.pk).state == "decided"
    document = SignedDocument.objects.get()
    assert done.json()["verification_url"].endswith(f"/xac-thuc/{document.token}/")
    assert document.key_kind == "external"
    with document.attachment.file.open("rb") as handle:
        data = handle.read()
    path = tmp_path / "device.pdf"
    path.write_bytes(data)
    out = pki.pdfsig(path, nssdir)
    assert "Signature is Valid." in out and "Certificate is Trusted." in out
    assert "Phạm Thị Thu Hà" in out
    report = verify_pdf(data)
    assert report.valid and report.trusted and report.record == document
    req = ExternalSigningRequest.objects.get()
    assert req.state == RequestState.COMPLETED and bytes(req.prepared_pdf) == b""
    # a request is used once
    again = client.post(
        f"/api/v1/signing/requests/{body['id']}/signature",
        {"signature": device_sign(token_holder, body["digest"])},
        format="json",
    )
    assert again.status_code == 400 and again.json()["code"] == "request_not_pending"


def test_a_signature_from_another_key_is_refused_and_nothing_is_approved(
    p, at_signing, api_client, token_holder, ca
):
    client = _login(api_client, p.leader)
    body = client.post(
        "/api/v1/signing/requests",
        {"dossier": at_signing.code, "certificate": token_holder.cert_pem.decode()},
        format="json",
    ).json()
    impostor = pki.issue(ca, "Người khác")
    done = client.post(
        f"/api/v1/signing/requests/{body['id']}/signature",
        {"signature": device_sign(impostor, body["digest"])},
        format="json",
    )
    assert done.status_code == 400 and done.json()["code"] == "invalid_signature"
    assert Dossier.objects.get(pk=at_signing.pk).state == "processing"
    assert not SignedDocument.objects.exists()
    assert ExternalSigningRequest.objects.get().state == RequestState.FAILED


def test_only_the_signing_leader_may_prepare_or_complete(p, at_signing, api_client, token_holder):
    pem = token_holder.cert_pem.decode()
    client = _login(api_client, p.specialist)
    denied = client.post(
        "/api/v1/signing/requests", {"dossier": at_signing.code, "certificate": pem}, format="json"
    )
    assert denied.status_code == 403
    body = (
        _login(api_client, p.leader)
        .post(
            "/api/v1/signing/requests",
            {"dossier": at_signing.code, "certificate": pem},
            format="json",
        )
        .json()
    )
    other = _login(api_client, p.construction_leader).post(
        f"/api/v1/signing/requests/{body['id']}/signature",
        {"signature": device_sign(token_holder, body["digest"])},
        format="json",
    )
    assert other.status_code == 404
    assert Dossier.objects.get(pk=at_signing.pk).state == "processing"


def test_an_expired_request_is_refused(p, at_signing, api_client, token_holder):
    client = _login(api_client, p.leader)
    body = client.post(
        "/api/v1/signing/requests",
        {"dossier": at_signing.code, "certificate": token_holder.cert_pem.decode()},
        format="json",
    ).json()
    ExternalSigningRequest.objects.update(
        expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    done = client.post(
        f"/api/v1/signing/requests/{body['id']}/signature",
        {"signature": device_sign(token_holder, body["digest"])},
        format="json",
    )
    assert done.status_code == 400 and done.json()["code"] == "request_expired"


def test_a_bad_certificate_is_a_clear_error(p, at_signing, api_client):
    client = _login(api_client, p.leader)
    response = client.post(
        "/api/v1/signing/requests",
        {"dossier": at_signing.code, "certificate": "not a certificate"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_certificate"
    assert not ExternalSigningRequest.objects.exists()


def test_an_ecdsa_token_works_too(p, at_signing, api_client, ca, tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name.from_rfc4514_string("CN=Lanh dao EC,O=So Tu phap,C=VN"))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(ca.key, hashes.SHA256())
    )
    client = _login(api_client, p.leader)
    der_b64 = base64.b64encode(cert.public_bytes(Encoding.DER)).decode()
    body = client.post(
        "/api/v1/signing/requests",
        {"dossier": at_signing.code, "certificate": der_b64},
        format="json",
    ).json()
    assert body["signature_algorithm"] == "ecdsa"
    signature = key.sign(base64.b64decode(body["digest"]), ec.ECDSA(Prehashed(hashes.SHA256())))
    done = client.post(
        f"/api/v1/signing/requests/{body['id']}/signature",
        {"signature": base64.b64encode(signature).decode()},
        format="json",
    )
    assert done.status_code == 201, done.json()
    document = SignedDocument.objects.get()
    path = tmp_path / "ec.pdf"
    with document.attachment.file.open("rb") as handle:
        path.write_bytes(handle.read())
    assert "Signature is Valid." in pki.pdfsig(path)


def test_purge_expires_old_requests(p, at_signing, api_client, token_holder):
    from django.core.management import call_command

    client = _login(api_client, p.leader)
    client.post(
        "/api/v1/signing/requests",
        {"dossier": at_signing.code, "certificate": token_holder.cert_pem.decode()},
        format="json",
    )
    call_command("signing_purge_requests", verbosity=0)
    assert ExternalSigningRequest.objects.get().state == RequestState.PENDING
    ExternalSigningRequest.objects.update(
        expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    call_command("signing_purge_requests", verbosity=0)
    req = ExternalSigningRequest.objects.get()
    assert req.state == RequestState.EXPIRED and bytes(req.prepared_pdf) == b""
