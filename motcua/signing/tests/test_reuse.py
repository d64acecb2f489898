"""Digitised results are kept for re-use: a later dossier of the same applicant re-uses the
earlier signed result without uploading it again."""

from motcua.dossiers import services as dossier_services
from motcua.dossiers.tests import factories as f
from motcua.signing import services


def test_a_second_dossier_reuses_the_first_ones_signed_result(p, key, at_signing):
    first = services.sign_and_approve(at_signing, p.leader)
    other_person = f.dossier_in(
        p, "processing", step=1, applicant=f.applicant_data(id_number="022090654321")
    )
    services.sign_and_approve(
        f.dossier_in(p, "processing", step=2, applicant=f.applicant_data(id_number="022090654321")),
        p.leader,
    )
    earlier = list(services.reusable_results(at_signing.applicant_id_number))
    assert earlier == [first.attachment]
    second = f.dossier_in(p, "processing", step=1)
    reused = dossier_services.add_attachment(second, p.specialist, reused_from=earlier[0])
    assert reused.reused_from_id == first.attachment_id
    assert reused.sha256 == first.sha256 and reused.file.name == first.attachment.file.name
    # another applicant's result cannot be re-used
    import pytest

    from motcua.dossiers.errors import ActionInvalid

    with pytest.raises(ActionInvalid):
        dossier_services.add_attachment(other_person, p.specialist, reused_from=earlier[0])
