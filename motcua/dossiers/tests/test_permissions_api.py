"""Every denial of the dossier API.

Decision (docs/api.md, permissions.py): a dossier the caller may not see answers 404, like one
that does not exist — for the list (left out), the detail, every action, attachments (upload and
download) and forms; a visible dossier on which the caller may not act answers the services' 403
with the lifecycle's code. Anonymous callers get 401 JSON everywhere.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, Event

from . import factories as f
from .test_api_support import LIST, act, api, assert_error, detail_url, post


@pytest.fixture
def p(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield from f.province_fixture()


@pytest.fixture
def dossier(p):
    """A's dossier at the appraisal step of Sở Tư pháp, with one submitted file."""
    d = f.dossier_in(p, "draft")
    services.add_attachment(d, p.citizen, uploaded_file=f.pdf_file())
    d = services.submit(d, p.citizen)
    d = services.accept(d, p.receptionist)
    return services.forward(d, p.receptionist, officer=p.specialist)


def urls(d) -> dict[str, str]:
    attachment = d.attachments.get()
    return {
        "detail": detail_url(d),
        "by_public_id": f"{LIST}/{d.public_id}",
        "attachment": f"{detail_url(d)}/attachments/{attachment.pk}",
        "form": f"{detail_url(d)}/forms/01.pdf",
    }


def assert_invisible(user, d):
    """`user` cannot tell that `d` exists."""
    client = api(user)
    listed = client.get(LIST, {"search": d.code})
    assert listed.status_code == 200 and listed.json()["count"] == 0
    for name, url in urls(d).items():
        response = client.get(url)
        assert response.status_code == 404, name
        assert response.json()["code"] == "not_found", name
    for action in ("forward", "withdraw", "approve", "supplement"):
        assert_error(act(user, d, action, {"reason": "x"}), 404, "not_found")
    upload = client.post(f"{detail_url(d)}/attachments", {"file": f.pdf_file()}, format="multipart")
    assert_error(upload, 404, "not_found")
    assert Event.objects.filter(dossier=d).count() == 3
    assert d.attachments.count() == 1


def test_applicant_b_cannot_see_or_touch_applicant_a_dossier(p, dossier):
    assert_invisible(p.other_citizen, dossier)
    # A sees it all.
    client = api(p.citizen)
    assert [r["code"] for r in client.get(LIST).json()["results"]] == [dossier.code]
    assert all(client.get(url).status_code == 200 for url in urls(dossier).values())


@pytest.mark.parametrize(
    "who", ["construction_specialist", "construction_leader", "other_commune_receptionist"]
)
def test_officers_of_other_agencies_cannot_see_it(p, dossier, who):
    assert_invisible(getattr(p, who), dossier)


def test_officers_of_the_agencies_involved_see_it(p, dossier):
    for user in (p.receptionist, p.specialist, p.specialist2, p.leader, p.manager):
        assert api(user).get(detail_url(dossier)).status_code == 200, user


def test_online_draft_is_private_to_its_applicant(p):
    draft = f.dossier_in(p, "draft")
    url = f"{LIST}/{draft.public_id}"
    assert_error(api(p.receptionist).get(url), 404, "not_found")
    assert_error(post(p.receptionist, f"{url}/actions/accept"), 404, "not_found")
    assert api(p.citizen).get(url).status_code == 200


def test_leader_of_another_department_approving_gets_404(p):
    d = f.dossier_in(p, "processing", step=2)
    assert_error(act(p.construction_leader, d, "approve"), 404, "not_found")
    assert Dossier.objects.get(pk=d.pk).state == "processing"


def test_receptionist_approving_gets_403_with_the_lifecycle_code(p):
    d = f.dossier_in(p, "processing", step=2)
    body = assert_error(act(p.receptionist, d, "approve"), 403, "actor_not_allowed")
    assert body["violations"][0]["code"] == "actor_not_allowed"
    assert Dossier.objects.get(pk=d.pk).state == "processing"


def test_specialist_who_is_not_the_step_officer_cannot_forward(p):
    d = f.dossier_in(p, "processing", step=1)  # assigned to `chuyenvien`
    body = assert_error(
        act(p.specialist2, d, "forward", {"officer": "lanhdao"}), 403, "not_step_officer"
    )
    assert body["violations"][0]["code"] == "not_step_officer"
    assert Dossier.objects.get(pk=d.pk).version == d.version


def test_who_is_checked_before_the_input(p):
    # A refused person learns nothing about the input (an unknown officer is not reported).
    d = f.dossier_in(p, "processing", step=1)
    assert_error(
        act(p.specialist2, d, "forward", {"officer": "khong-co-ai"}), 403, "not_step_officer"
    )
    assert_error(
        act(p.specialist2, d, "assign", {"officer": "khong-co-ai"}), 403, "actor_not_allowed"
    )


def test_applicant_cannot_take_officers_actions(p):
    d = f.dossier_in(p, "submitted")
    assert_error(act(p.citizen, d, "accept"), 403, "actor_not_allowed")
    leader_step = f.dossier_in(p, "processing", step=2)
    assert_error(act(p.citizen, leader_step, "approve"), 403, "actor_not_allowed")


def test_citizen_cannot_enter_a_counter_dossier(p):
    body = {"procedure": p.procedure.code, "applicant": f.applicant_data(), "channel": 1}
    assert_error(post(p.citizen, LIST, body), 403, "not_receptionist")
    assert_error(post(p.specialist, LIST, body), 403, "not_receptionist")
    assert Dossier.objects.count() == 0


def test_staff_cannot_attach_to_a_finished_dossier(p):
    d = f.dossier_in(p, "refused")
    file = SimpleUploadedFile("x.pdf", f.PDF_BYTES)
    response = api(p.receptionist).post(
        f"{detail_url(d)}/attachments", {"file": file}, format="multipart"
    )
    assert_error(response, 400, "final_state")


def test_applicant_does_not_get_the_control_sheet(p, dossier):
    assert_error(
        api(p.citizen).get(f"{detail_url(dossier)}/forms/06.pdf"), 404, "form_not_available"
    )
    assert api(p.specialist).get(f"{detail_url(dossier)}/forms/06.pdf").status_code == 200


ANONYMOUS = [
    ("get", LIST),
    ("post", LIST),
    ("get", f"{LIST}/H22.40-251008-0001"),
    ("post", f"{LIST}/H22.40-251008-0001/actions/forward"),
    ("post", f"{LIST}/H22.40-251008-0001/actions/no-such-action"),
    ("post", f"{LIST}/H22.40-251008-0001/attachments"),
    ("get", f"{LIST}/H22.40-251008-0001/attachments/1"),
    ("get", f"{LIST}/H22.40-251008-0001/forms/01.pdf"),
    ("get", "/api/v1/registers/H22.40.pdf?from=2025-10-01&to=2025-10-31"),
]


@pytest.mark.parametrize("method, url", ANONYMOUS)
def test_anonymous_gets_401_json(p, dossier, method, url):
    response = getattr(api(), method)(url.replace("H22.40-251008-0001", dossier.code))
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_bad_token_is_401(p, dossier):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + "0" * 40)
    assert_error(client.get(detail_url(dossier)), 401, "not_authenticated")
