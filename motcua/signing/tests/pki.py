"""Test keys and certificates made with `cryptography` at run time (never committed): a test CA
and agency certificates, PKCS#12 files, an NSS database for pdfsig."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from motcua.signing import pki as app_pki


@dataclass
class Issued:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def key_der(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def make_ca(name: str = "CA thử nghiệm Mộtcửa") -> Issued:
    key, cert = app_pki.make_ca(name)
    return Issued(key, cert)


def issue(ca: Issued, common_name: str, organization: str = "") -> Issued:
    key, cert = app_pki.issue(ca.key, ca.cert, common_name, organization or common_name)
    return Issued(key, cert)


def write_p12(path: Path, holder: Issued, ca: Issued, passphrase: str) -> Path:
    path.write_bytes(app_pki.pkcs12_bytes(holder.key, holder.cert, [ca.cert], passphrase))
    return path


def nss_db(directory: Path, ca: Issued) -> str:
    """An NSS database trusting `ca`, for `pdfsig -nssdir`."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True)
    pem = directory / "ca.pem"
    pem.write_bytes(ca.cert_pem)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{directory}", "-n", "ca", "-t", "CT,C,C", "-i", str(pem)],
        check=True,
    )
    return f"sql:{directory}"


def pdfsig(path: Path, nssdir: str | None = None) -> str:
    args = ["pdfsig"] + (["-nssdir", nssdir] if nssdir else []) + [str(path)]
    done = subprocess.run(args, capture_output=True, text=True)
    return done.stdout + done.stderr


def serialization_sha256():
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()
