"""Signing through a PKCS#11 token: a SoftHSM2 token initialised in a temporary directory, the
agency's key and certificate imported with pkcs11-tool, signed through the pkcs11 key kind."""

import os
import subprocess

import pytest

from motcua.dossiers.models import Dossier
from motcua.signing import services
from motcua.signing.models import KeyKind, SigningKey
from motcua.signing.verify import verify_pdf

from . import pki

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "123456"


@pytest.fixture
def softhsm(tmp_path, monkeypatch, justice_cert):
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}

    def run(*args):
        subprocess.run(args, check=True, capture_output=True, env=env)

    run(
        "softhsm2-util",
        "--init-token",
        "--free",
        "--label",
        "so-tu-phap",
        "--pin",
        PIN,
        "--so-pin",
        "654321",
    )
    key_file, cert_file = tmp_path / "key.der", tmp_path / "cert.der"
    key_file.write_bytes(justice_cert.key_der())
    cert_file.write_bytes(justice_cert.cert_der)
    common = (
        "pkcs11-tool",
        "--module",
        MODULE,
        "--token-label",
        "so-tu-phap",
        "--login",
        "--pin",
        PIN,
    )
    run(
        *common,
        "--write-object",
        str(key_file),
        "--type",
        "privkey",
        "--id",
        "01",
        "--label",
        "ky-ket-qua",
    )
    run(
        *common,
        "--write-object",
        str(cert_file),
        "--type",
        "cert",
        "--id",
        "01",
        "--label",
        "ky-ket-qua",
    )
    return tokens


def test_a_result_signed_on_a_softhsm_token_is_valid(
    p, softhsm, settings, at_signing, tmp_path, ca, nssdir
):
    settings.MOTCUA_TEST_TOKEN_PIN = PIN
    SigningKey.objects.create(
        agency=p.justice,
        kind=KeyKind.PKCS11,
        pkcs11_module=MODULE,
        token_label="so-tu-phap",
        key_label="ky-ket-qua",
        secret="MOTCUA_TEST_TOKEN_PIN",
    )
    document = services.sign_and_approve(at_signing, p.leader)
    assert document.key_kind == KeyKind.PKCS11
    assert Dossier.objects.get(pk=at_signing.pk).state == "decided"
    with document.attachment.file.open("rb") as handle:
        data = handle.read()
    path = tmp_path / "hsm.pdf"
    path.write_bytes(data)
    out = pki.pdfsig(path, nssdir)
    assert "Signature is Valid." in out and "Certificate is Trusted." in out
    assert verify_pdf(data).valid


def test_a_wrong_pin_is_a_clear_error_and_changes_nothing(p, softhsm, settings, at_signing):
    settings.MOTCUA_TEST_TOKEN_PIN = "000000"
    SigningKey.objects.create(
        agency=p.justice,
        kind=KeyKind.PKCS11,
        pkcs11_module=MODULE,
        token_label="so-tu-phap",
        key_label="ky-ket-qua",
        secret="MOTCUA_TEST_TOKEN_PIN",
    )
    from motcua.dossiers.errors import ActionInvalid

    with pytest.raises(ActionInvalid) as caught:
        services.sign_and_approve(at_signing, p.leader)
    assert caught.value.code == "signing_key_unavailable"
    assert Dossier.objects.get(pk=at_signing.pk).state == "processing"
