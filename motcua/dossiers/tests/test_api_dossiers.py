"""Dossier API: worklists (scope, order, pagination, filters), the detail, creation and action
errors, optimistic versions, attachments, printed forms and the register."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.agencies.models import Role
from motcua.dossiers import services
from motcua.dossiers.models import AttachmentKind, Dossier, Event

from . import factories as f
from .test_api_support import (
    LIST,
    act,
    action_url,
    api,
    assert_error,
    detail_url,
    media,  # noqa: F401 (a fixture, used by every test below)
    post,
)
from .test_forms import pdf_text

# Uploaded files go to a temporary MEDIA_ROOT.
pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def p(db):
    yield from f.province_fixture()


def codes(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


# --- worklists -------------------------------------------------------------------------------------


@pytest.fixture
def worklist(p):
    """Three dossiers of Sở Tư pháp: due on 15/10, due on 17/10, and one waiting (no due time)."""
    early = f.dossier_in(p, "processing", step=1, now=f.vn(2025, 10, 8, 9))
    later = f.dossier_in(
        p,
        "processing",
        step=1,
        now=f.vn(2025, 10, 10, 9),
        applicant=f.applicant_data(name="Đặng Thị Hồng", id_number="022190000001"),
    )
    waiting = f.dossier_in(p, "submitted", now=f.vn(2025, 10, 6, 9))
    return early, later, waiting


def test_worklist_is_ordered_by_due_time_and_paginated(p, worklist):
    early, later, waiting = worklist
    client = api(p.specialist)
    first = client.get(LIST, {"page_size": 2})
    assert codes(first) == [early.code, later.code]
    assert first.json()["count"] == 3
    assert "page=2" in first.json()["next"]
    second = client.get(LIST, {"page_size": 2, "page": 2})
    assert codes(second) == [waiting.code]
    assert second.json()["next"] is None
    assert_error(client.get(LIST, {"page": 9}), 404, "not_found")


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"status": "submitted"}, ["waiting"]),
        ({"status": "processing,submitted"}, ["early", "later", "waiting"]),
        ({"overdue": "true"}, ["early", "later"]),
        ({"overdue": "false"}, ["waiting"]),
        ({"agency": "H22.13"}, ["early", "later", "waiting"]),
        ({"agency": "h22.16"}, []),
        ({"assigned_to": "me"}, ["early", "later"]),
        ({"search": "dang thi hong"}, ["later"]),
        ({"search": "022190000001"}, ["later"]),
    ],
)
def test_worklist_filters(p, worklist, query, expected):
    named = dict(zip(("early", "later", "waiting"), worklist, strict=True))
    assert codes(api(p.specialist).get(LIST, query)) == [named[n].code for n in expected]


def test_worklist_filters_by_procedure(p, worklist):
    client = api(p.specialist)
    assert len(codes(client.get(LIST, {"procedure": p.procedure.code}))) == 3
    assert codes(client.get(LIST, {"procedure": p.commune_procedure.code})) == []


@pytest.mark.parametrize(
    "query, parameter",
    [
        ({"status": "lost"}, "status"),
        ({"overdue": "maybe"}, "overdue"),
        ({"agency": "X99"}, "agency"),
        ({"procedure": "9.999999"}, "procedure"),
        ({"assigned_to": "chuyenvien2"}, "assigned_to"),
    ],
)
def test_worklist_bad_parameters_are_named(p, query, parameter):
    body = assert_error(api(p.specialist).get(LIST, query), 400, "invalid_parameter")
    assert body["parameter"] == parameter


def test_applicant_lists_their_own_dossiers_without_officers(p, worklist):
    draft = f.dossier_in(p, "draft")
    response = api(p.citizen).get(LIST)
    assert codes(response) == [worklist[0].code, worklist[1].code, worklist[2].code, None]
    assert response.json()["results"][3]["public_id"] == str(draft.public_id)
    assert all(row["current_officer"] is None for row in response.json()["results"])
    staff = api(p.specialist).get(LIST).json()["results"]
    assert staff[0]["current_officer"]["username"] == "chuyenvien"
    # Online drafts stay private: no officer lists them.
    assert str(draft.public_id) not in [row["public_id"] for row in staff]


# --- the detail ------------------------------------------------------------------------------------


def test_detail_by_code_or_public_id_with_etag(p):
    d = f.dossier_in(p, "processing", step=1)
    client = api(p.specialist)
    by_code = client.get(f"{LIST}/{d.code.lower()}")
    by_id = client.get(f"{LIST}/{d.public_id}")
    assert by_code.status_code == by_id.status_code == 200
    assert by_code.json() == by_id.json()
    assert by_code["ETag"] == f'"{d.version}"'
    body = by_code.json()
    assert body["current_step"]["name"] == "Chuyên viên thẩm định hồ sơ"
    assert [line["index"] for line in body["control_sheet"]] == [0, 1]
    assert body["control_sheet"][0]["handed_to"] == "Lê Văn Hùng"
    assert body["overdue"] is True  # due on 15/10/2025, long past
    assert_error(client.get(f"{LIST}/H22.40-251008-9999"), 404, "not_found")


# --- creation errors -------------------------------------------------------------------------------


def create_body(p, **overrides):
    body = {"procedure": p.procedure.code, "applicant": f.applicant_data(), "channel": 2}
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    "overrides, status, code, field",
    [
        ({"procedure": "9.999999"}, 400, "procedure_not_found", "procedure"),
        ({"channel": 9}, 400, "invalid", "channel"),
        ({"channels": 2}, 400, "invalid", "channels"),
        ({"checklist": [1]}, 400, "invalid", "checklist"),
        ({"channel": 1}, 403, "not_receptionist", None),
    ],
)
def test_create_errors(p, overrides, status, code, field):
    body = assert_error(post(p.citizen, LIST, create_body(p, **overrides)), status, code)
    if code == "invalid":
        assert field in body["errors"]
    elif field:
        assert body["field"] == field
    assert Dossier.objects.count() == 0


def test_invalid_applicant_lists_every_field(p):
    applicant = f.applicant_data(id_number="123", phone="12", email="khong-phai-email")
    response = post(p.citizen, LIST, create_body(p, applicant=applicant))
    body = assert_error(response, 400, "invalid_applicant")
    assert set(body["errors"]) == {"applicant.id_number", "applicant.phone", "applicant.email"}
    assert len(body["violations"]) == 3


def test_accept_in_the_same_call_is_all_or_nothing(p):
    # An online dossier cannot be accepted before it is submitted: nothing is created.
    response = post(p.receptionist, LIST, create_body(p, accept=True))
    assert_error(response, 400, "online_dossier_not_submitted")
    assert Dossier.objects.count() == 0
    unknown = post(p.receptionist, LIST, create_body(p, channel=1, accept=True, checklist=[7]))
    assert_error(unknown, 400, "checklist_invalid")
    assert Dossier.objects.count() == 0


# --- action errors and versions --------------------------------------------------------------------


def test_unknown_action_is_a_json_404(p):
    d = f.dossier_in(p, "processing", step=1)
    response = act(p.specialist, d, "approve-now", {})
    assert_error(response, 404, "unknown_action")
    assert api(p.specialist).get(f"{detail_url(d)}/actions/forward").status_code == 405


@pytest.mark.parametrize(
    "action, data, status, code, field",
    [
        ("forward", {"officer": "khong-co-ai"}, 400, "user_not_found", "officer"),
        ("forward", {"officer": "lanhdao.sxd"}, 400, "officer_not_in_agency", "officer"),
        ("forward", {"reason": "x"}, 400, "invalid", "reason"),
        ("extend", {"reason": "x", "new_due_at": "mai"}, 400, "invalid", "new_due_at"),
        ("request_supplement", {"items": []}, 400, "items_required", None),
        ("request_supplement", {"items": "một"}, 400, "invalid", "items"),
        ("transfer", {}, 400, "to_agency_required", None),
        ("transfer", {"agency": "X9"}, 400, "agency_not_found", "agency"),
        (
            "request_payment",
            {"amount": 5, "items": [{"name": "Phí", "x": 1}]},
            400,
            "invalid",
            "items",
        ),
    ],
)
def test_action_field_errors(p, action, data, status, code, field):
    d = f.dossier_in(p, "processing", step=1)
    body = assert_error(act(p.specialist, d, action, data), status, code)
    if code == "invalid":
        assert field in body["errors"]
    elif field:
        assert body["field"] == field
    assert Dossier.objects.get(pk=d.pk).version == d.version


def test_stale_expected_version_is_a_409_with_the_current_state(p):
    d = f.dossier_in(p, "processing", step=1)
    stale = d.version - 1
    response = act(p.specialist, d, "forward", {"officer": "lanhdao", "expected_version": stale})
    body = assert_error(response, 409, "version_conflict")
    assert (body["state"], body["version"]) == ("processing", d.version)
    ok = act(p.specialist, d, "forward", {"officer": "lanhdao", "expected_version": d.version})
    assert ok.status_code == 200
    assert ok.json()["version"] == d.version + 1


def test_if_match_header(p):
    d = f.dossier_in(p, "processing", step=1)
    etag = api(p.specialist).get(detail_url(d))["ETag"]
    stale = act(p.specialist, d, "forward", {}, HTTP_IF_MATCH='"1"')
    assert assert_error(stale, 409, "version_conflict")["version"] == d.version
    garbage = act(p.specialist, d, "forward", {}, HTTP_IF_MATCH="abc")
    assert assert_error(garbage, 400, "invalid_parameter")["parameter"] == "If-Match"
    both = act(p.specialist, d, "forward", {"expected_version": 1}, HTTP_IF_MATCH=etag)
    assert_error(both, 400, "invalid_parameter")
    ok = act(p.specialist, d, "forward", {"officer": "lanhdao"}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200
    assert ok["ETag"] == f'"{d.version + 1}"'


# --- attachments -----------------------------------------------------------------------------------


def upload(user, dossier, content=f.PDF_BYTES, name="tờ khai.pdf", **fields):
    data = {**fields}
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content)
    return api(user).post(f"{detail_url(dossier)}/attachments", data, format="multipart")


def test_upload_then_download_with_the_original_name(p):
    d = f.dossier_in(p, "draft")
    response = upload(p.citizen, d, document=2)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "tờ khai.pdf"
    assert (body["content_type"], body["size"]) == ("application/pdf", len(f.PDF_BYTES))
    assert body["document"]["position"] == 2
    download = api(p.citizen).get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == f.PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote('tờ khai.pdf')}"
    )
    detail = api(p.citizen).get(detail_url(d)).json()
    assert [a["id"] for a in detail["attachments"]] == [body["id"]]


@pytest.mark.parametrize(
    "content, fields, code, field",
    [
        (b"MZ\x90\x00 not a document", {}, "file_type_not_allowed", "file"),
        (b"", {}, "file_empty", "file"),
        (None, {}, "file_required", "file"),
        (f.PDF_BYTES, {"document": 9}, "document_not_in_procedure", "document"),
    ],
)
def test_upload_errors(p, content, fields, code, field):
    d = f.dossier_in(p, "draft")
    body = assert_error(upload(p.citizen, d, content, **fields), 400, code)
    assert body["field"] == field
    assert d.attachments.count() == 0


def test_applicant_cannot_attach_once_submitted(p):
    d = f.dossier_in(p, "submitted")
    assert_error(upload(p.citizen, d), 403, "attachment_not_allowed")


def test_internal_documents_are_for_officers(p):
    d = f.dossier_in(p, "processing", step=1)
    response = upload(p.specialist, d, kind="internal", name="to-trinh.pdf")
    assert response.status_code == 201, response.json()
    url = response.json()["download_url"]
    assert api(p.specialist).get(url).status_code == 200
    assert_error(api(p.citizen).get(url), 404, "not_found")
    assert api(p.citizen).get(detail_url(d)).json()["attachments"] == []
    assert d.attachments.get().kind == AttachmentKind.INTERNAL


# --- printed forms ---------------------------------------------------------------------------------


def test_forms_by_number_per_regime_and_viewer(p):
    d = f.dossier_in(p, "processing", step=1)
    staff, citizen = api(p.specialist), api(p.citizen)
    sheet = staff.get(f"{detail_url(d)}/forms/06.pdf")
    assert sheet.status_code == 200
    assert sheet["Content-Disposition"] == f'inline; filename="06-{d.code}.pdf"'
    assert d.code in pdf_text(b"".join(sheet.streaming_content))
    # The control sheet travels between agencies: not the applicant's.
    assert_error(citizen.get(f"{detail_url(d)}/forms/06.pdf"), 404, "form_not_available")
    assert [form["number"] for form in citizen.get(detail_url(d)).json()["forms"]] == ["01"]
    # Not issued (no refusal on an accepted dossier), or no such number.
    assert_error(staff.get(f"{detail_url(d)}/forms/03.pdf"), 404, "form_not_available")
    assert_error(staff.get(f"{detail_url(d)}/forms/99.pdf"), 404, "form_not_available")
    # With `Accept: application/pdf` an error is still JSON.
    wanted_pdf = staff.get(f"{detail_url(d)}/forms/03.pdf", HTTP_ACCEPT="application/pdf")
    assert_error(wanted_pdf, 404, "form_not_available")


def test_forms_of_a_dossier_received_under_tt_01_2018(p):
    d = f.dossier_in(p, "processing", step=1, now=f.vn(2025, 6, 2, 9))
    staff = api(p.specialist)
    assert [form["number"] for form in staff.get(detail_url(d)).json()["forms"]] == ["01", "05"]
    assert staff.get(f"{detail_url(d)}/forms/05.pdf").status_code == 200  # control sheet
    assert_error(staff.get(f"{detail_url(d)}/forms/06.pdf"), 404, "form_not_available")


# --- the register ----------------------------------------------------------------------------------


REGISTER = "/api/v1/registers/H22.40.pdf"


def test_register_of_the_center(p):
    d = f.dossier_in(p, "processing", step=1)
    response = api(p.receptionist).get(REGISTER, {"from": "2025-10-01", "to": "2025-10-31"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="07-H22.40-20251001-20251031.pdf"'
    assert d.code in pdf_text(b"".join(response.streaming_content))
    # A manager of the province committee covers the agencies below it.
    assert (
        api(p.manager).get(REGISTER, {"from": "2025-10-01", "to": "2025-10-01"}).status_code == 200
    )


@pytest.mark.parametrize(
    "query, parameter",
    [
        ({"to": "2025-10-31"}, "from"),
        ({"from": "2025-10-31", "to": "2025-10-01"}, "to"),
        ({"from": "2024-01-01", "to": "2025-10-01"}, "to"),
        ({"from": "01/10/2025", "to": "2025-10-31"}, "from"),
    ],
)
def test_register_bad_periods(p, query, parameter):
    body = assert_error(api(p.receptionist).get(REGISTER, query), 400, "invalid_parameter")
    assert body["parameter"] == parameter


def test_register_of_another_agency_or_unknown(p):
    period = {"from": "2025-10-01", "to": "2025-10-31"}
    assert_error(api(p.specialist).get(REGISTER, period), 403, "not_agency_staff")
    assert_error(api(p.citizen).get(REGISTER, period), 403, "not_agency_staff")
    assert_error(api(p.receptionist).get("/api/v1/registers/X9.pdf", period), 404, "not_found")


# --- the representation follows the services' state -----------------------------------------------


def test_action_response_is_the_new_state_and_event(p):
    d = f.dossier_in(p, "processing", step=1)
    response = act(p.specialist, d, "forward", {"officer": "lanhdao", "note": "Trình ký"})
    body = response.json()
    stored = Dossier.objects.get(pk=d.pk)
    assert (body["version"], body["step_index"]) == (stored.version, stored.step_index)
    last = Event.objects.filter(dossier=d).latest("seq")
    assert body["events"][-1]["seq"] == last.seq
    assert body["events"][-1]["note"] == "Trình ký"
    assert body["allowed_actions"] == []  # the specialist no longer holds the step
    leader = api(p.leader).get(detail_url(d)).json()["allowed_actions"]
    assert {"approve", "deny", "assign"} <= set(leader)
    assert "extend" not in leader  # long past the due time: too late for an apology


def test_a_receptionist_of_several_centers_names_the_receiving_agency(p):
    from motcua.agencies.services import grant_role

    grant_role(p.receptionist, p.commune_center, Role.RECEPTIONIST)
    body = create_body(p, channel=1)
    assert_error(post(p.receptionist, LIST, body), 400, "receiving_agency_required")
    response = post(p.receptionist, LIST, {**body, "receiving_agency": "H22.06652.40"})
    assert response.status_code == 201
    d = Dossier.objects.get(public_id=response.json()["public_id"])
    assert d.receiving_agency == p.commune_center
    assert services.accept(d, p.receptionist).code.startswith("H22.06652.40-")


def test_overdue_filter_uses_the_running_clock_only(p):
    d = f.dossier_in(p, "supplementing", now=f.vn(2025, 10, 8, 9), gap=timedelta(minutes=5))
    # Waiting for the applicant: the clock is paused, so it is not overdue.
    assert codes(api(p.specialist).get(LIST, {"overdue": "true"})) == []
    assert codes(api(p.specialist).get(LIST, {"overdue": "false"})) == [d.code]


def test_actions_take_a_json_object(p):
    d = f.dossier_in(p, "processing", step=1)
    form = api(p.specialist).post(action_url(d, "forward"), {"officer": "lanhdao"})  # urlencoded
    assert_error(form, 415, "unsupported_media_type")
    listed = api(p.specialist).post(action_url(d, "forward"), ["lanhdao"], format="json")
    assert_error(listed, 400, "invalid")
    assert Dossier.objects.get(pk=d.pk).version == d.version
