from django.core.management import call_command

from motcua.dossiers.models import Dossier
from motcua.signing import services
from motcua.signing.models import SigningKey, TrustRoot
from motcua.signing.verify import verify_pdf


def test_demo_keys_are_idempotent_and_sign(p, at_signing, tmp_path, settings):
    settings.MOTCUA_SIGNING_KEY_DIR = str(tmp_path / "keys")
    call_command("signing_demo_keys", verbosity=0)
    leaders = {p.justice, p.construction, p.commune_committee}
    assert {k.agency for k in SigningKey.objects.all()} == leaders
    key = SigningKey.objects.get(agency=p.justice)
    assert key.secret.startswith("file:") and "mat" not in key.secret
    assert (tmp_path / "keys" / "demo-passphrase").stat().st_mode & 0o077 == 0
    call_command("signing_demo_keys", verbosity=0)
    assert SigningKey.objects.count() == 3 and TrustRoot.objects.count() == 1
    document = services.sign_and_approve(at_signing, p.leader)
    assert Dossier.objects.get(pk=at_signing.pk).state == "decided"
    with document.attachment.file.open("rb") as handle:
        report = verify_pdf(handle.read())
    assert report.valid and report.trusted
