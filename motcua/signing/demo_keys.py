"""Demo keys: a demo CA and one PKCS#12 file per agency with a leader, under the key directory
(VAR_DIR/signing by default, outside the repository), registered as SigningKey rows, and the
demo CA as a TrustRoot. Idempotent: existing files and rows are kept.

Never for production: there agencies sign with certificates of the government CA (PKCS#11 token
or HSM, or the leader's USB token through the external flow)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.db import transaction

from motcua.agencies.models import Agency, Membership, Role
from motcua.common.models import record

from . import conf, pki
from .models import KeyKind, SigningKey, TrustRoot

CA_NAME = "CA trình diễn Mộtcửa (không dùng thật)"


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _passphrase(directory: Path) -> Path:
    path = directory / "demo-passphrase"
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(24).encode())
    return path


def _ca(directory: Path, passphrase: str):
    key_path, cert_path = directory / "demo-ca.key", directory / "demo-ca.pem"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), passphrase.encode())
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key, cert = pki.make_ca(CA_NAME)
    encryption = serialization.BestAvailableEncryption(passphrase.encode())
    _write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ),
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _usable(path: Path, passphrase: str, ca_cert) -> bool:
    """An existing file opens with the passphrase and was issued by the current demo CA."""
    try:
        _key, cert, _chain = pkcs12.load_key_and_certificates(
            path.read_bytes(), passphrase.encode()
        )
        cert.verify_directly_issued_by(ca_cert)
    except (OSError, ValueError, TypeError, InvalidSignature, AttributeError):
        return False
    return True


def create_demo_keys(directory: Path | None = None) -> dict:
    """Create what is missing; return counts."""
    directory = Path(directory or conf.key_dir())
    secret_file = _passphrase(directory)
    passphrase = secret_file.read_text().strip()
    ca_key, ca_cert = _ca(directory, passphrase)
    agency_ids = (
        Membership.objects.filter(role=Role.LEADER, is_active=True)
        .values_list("agency_id", flat=True)
        .distinct()
    )
    created = 0
    with transaction.atomic():
        pem = pki.pem(ca_cert)
        root, new_root = TrustRoot.objects.get_or_create(
            fingerprint=ca_cert.fingerprint(hashes.SHA256()).hex(),
            defaults={"name": CA_NAME, "certificate_pem": pem},
        )
        for agency in Agency.objects.filter(pk__in=agency_ids, is_active=True).order_by("e_id"):
            if SigningKey.objects.filter(agency=agency, is_active=True).exists():
                continue
            path = directory / f"{agency.e_id}.p12"
            if not _usable(path, passphrase, ca_cert):
                key, cert = pki.issue(ca_key, ca_cert, agency.name, agency.name)
                _write_private(path, pki.pkcs12_bytes(key, cert, [ca_cert], passphrase))
            SigningKey.objects.create(
                agency=agency,
                kind=KeyKind.PKCS12,
                label="Khóa trình diễn",
                pkcs12_path=str(path),
                secret=f"file:{secret_file}",
            )
            created += 1
        if created or new_root:
            record(
                None,
                "signing.demo_keys",
                "signing_key",
                "",
                f"{created} khóa trình diễn",
                created=created,
            )
    return {"created": created, "trust_root": root.pk, "directory": str(directory)}
