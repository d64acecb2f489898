"""The two dossier services the portal added: update_draft and remove_attachment."""

import os

import pytest

from motcua.dossiers import services
from motcua.dossiers.errors import ActionDenied, ActionInvalid, DossierConflict
from motcua.dossiers.models import Attachment, AttachmentKind
from motcua.dossiers.tests import factories as f

from .helpers import pdf

pytestmark = pytest.mark.django_db


def test_update_draft_corrects_the_applicant(p):
    d = f.new_dossier(p, representative={"name": "Lê Thị Hoa", "phone": "0987654321"})
    assert d.representative_name == "Lê Thị Hoa"
    version = d.version
    updated = services.update_draft(
        d, p.citizen, applicant=f.applicant_data(name="Hoàng Văn Nam", commune="06652")
    )
    updated.refresh_from_db()
    assert updated.applicant_name == "Hoàng Văn Nam"
    assert updated.applicant_commune == p.commune
    # No representative given: the old one is cleared, not kept.
    assert (updated.representative_name, updated.representative_phone) == ("", "")
    assert updated.version == version + 1
    assert not updated.events.exists()
    assert "hoang van nam" in updated.search_folded


def test_update_draft_checks_like_create(p):
    d = f.new_dossier(p)
    with pytest.raises(ActionInvalid) as caught:
        services.update_draft(d, p.citizen, applicant=f.applicant_data(id_number="12", phone="1"))
    assert caught.value.code == "invalid_applicant"
    assert set(caught.value.extra["errors"]) == {"applicant.id_number", "applicant.phone"}
    d.refresh_from_db()
    assert d.applicant_id_number == "022090123456"


def test_update_draft_only_by_its_applicant_and_only_as_a_draft(p):
    d = f.new_dossier(p)
    with pytest.raises(ActionDenied):
        services.update_draft(d, p.other_citizen, applicant=f.applicant_data())
    with pytest.raises(ActionDenied):
        services.update_draft(d, p.receptionist, applicant=f.applicant_data())
    with pytest.raises(DossierConflict):
        services.update_draft(d, p.citizen, applicant=f.applicant_data(), expected_version=99)
    submitted = f.dossier_in(p, "submitted")
    with pytest.raises(ActionInvalid) as caught:
        services.update_draft(submitted, p.citizen, applicant=f.applicant_data(name="Khác"))
    assert caught.value.code == "state_not_allowed"
    counter = f.new_dossier(p, channel="counter")
    with pytest.raises(ActionDenied):
        services.update_draft(counter, p.receptionist, applicant=f.applicant_data())


def test_update_draft_reroutes_a_commune_procedure(p):
    d = f.new_dossier(p, procedure=p.commune_procedure, applicant=f.applicant_data(commune="06652"))
    assert (d.competent_agency, d.receiving_agency) == (p.commune_committee, p.commune_center)
    d = services.update_draft(d, p.citizen, applicant=f.applicant_data(commune="06658"))
    assert (d.competent_agency, d.receiving_agency) == (
        p.other_commune_committee,
        p.other_commune_center,
    )


def test_remove_attachment_of_a_draft(p, django_capture_on_commit_callbacks):
    d = f.new_dossier(p)
    attachment = services.add_attachment(d, p.citizen, uploaded_file=pdf())
    path = attachment.file.path
    assert os.path.exists(path)
    with pytest.raises(ActionDenied):
        services.remove_attachment(attachment, p.other_citizen)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_attachment(attachment.pk, p.citizen)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not os.path.exists(path)
    with pytest.raises(ActionInvalid) as caught:
        services.remove_attachment(attachment.pk, p.citizen)
    assert caught.value.code == "attachment_not_found"


def test_sent_files_stay_and_unsent_supplements_go(p):
    d = f.new_dossier(p)
    sent = services.add_attachment(d, p.citizen, uploaded_file=pdf())
    d = services.submit(d, p.citizen, attachments=[sent])
    d = services.request_supplement(d, p.receptionist, items=["Bản sao căn cước"])
    # The file went with the submission (listed by its event): it is part of the record.
    with pytest.raises(ActionInvalid) as caught:
        services.remove_attachment(sent, p.citizen)
    assert caught.value.code == "attachment_locked"
    new = services.add_attachment(d, p.citizen, uploaded_file=pdf(), kind=AttachmentKind.SUPPLEMENT)
    services.remove_attachment(new, p.citizen)
    assert list(d.attachments.values_list("pk", flat=True)) == [sent.pk]


def test_a_file_re_used_elsewhere_is_not_deleted(p, django_capture_on_commit_callbacks):
    first = f.new_dossier(p)
    original = services.add_attachment(first, p.citizen, uploaded_file=pdf())
    second = f.new_dossier(p)
    reuse = services.add_attachment(second, p.citizen, reused_from=original)
    # The original is re-used: it stays; the re-use can go, and the shared file stays on disk.
    with pytest.raises(ActionInvalid):
        services.remove_attachment(original, p.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_attachment(reuse, p.citizen)
    assert os.path.exists(original.file.path)
