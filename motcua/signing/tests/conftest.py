import pytest

from motcua.dossiers.tests import factories as f
from motcua.signing.models import KeyKind, SigningKey, TrustRoot

from . import pki

PASSPHRASE_SETTING = "MOTCUA_TEST_SIGNING_PASSPHRASE"


@pytest.fixture
def p(db):
    yield from f.province_fixture()


@pytest.fixture(scope="session")
def ca():
    return pki.make_ca()


@pytest.fixture(scope="session")
def justice_cert(ca):
    return pki.issue(ca, "Sở Tư pháp tỉnh Quảng Ninh", "Sở Tư pháp")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def key(p, settings, tmp_path, ca, justice_cert):
    """A PKCS#12 key for Sở Tư pháp (passphrase in a setting, never in the row), and the test
    CA as a trust root."""
    settings.MOTCUA_TEST_SIGNING_PASSPHRASE = "mat-khau-thu"
    path = pki.write_p12(tmp_path / "justice.p12", justice_cert, ca, "mat-khau-thu")
    TrustRoot.objects.create(name="CA thử nghiệm", certificate_pem=ca.cert_pem.decode())
    return SigningKey.objects.create(
        agency=p.justice, kind=KeyKind.PKCS12, pkcs12_path=str(path), secret=PASSPHRASE_SETTING
    )


@pytest.fixture
def at_signing(p):
    """A dossier at the leader's signing step of Sở Tư pháp."""
    return f.dossier_in(p, "processing", step=2)


@pytest.fixture
def nssdir(tmp_path, ca):
    return pki.nss_db(tmp_path / "nss", ca)
