"""Two signatures of the same dossier at once (PostgreSQL, real threads): one result is kept,
the other attempt changes nothing and leaves no file behind."""

from pathlib import Path

import pytest

from motcua.dossiers.errors import DossierError
from motcua.dossiers.models import Attachment, AttachmentKind, Dossier
from motcua.dossiers.tests import factories as f
from motcua.dossiers.tests.test_concurrency import run_together
from motcua.signing import services
from motcua.signing.models import SignedDocument

pytestmark = [
    pytest.mark.postgres(reason="row locks and concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def p(transactional_db):
    yield from f.province_fixture()


def test_two_signatures_at_once_keep_one_result(p, key, settings):
    d = f.dossier_in(p, "processing", step=2)
    results = run_together(
        [lambda: services.sign_and_approve(d, p.leader, expected_version=d.version)] * 2
    )
    ok = [r for r, e in results if e is None]
    errors = [e for r, e in results if e is not None]
    assert len(ok) == 1 and len(errors) == 1
    assert isinstance(errors[0], DossierError)
    assert Dossier.objects.get(pk=d.pk).state == "decided"
    assert SignedDocument.objects.count() == 1
    assert Attachment.objects.filter(kind=AttachmentKind.RESULT).count() == 1
    files = [x for x in Path(settings.MEDIA_ROOT).rglob("*") if x.is_file()]
    assert len(files) == 1
