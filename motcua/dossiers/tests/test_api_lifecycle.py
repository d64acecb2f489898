"""The dossier lifecycle driven entirely through the HTTP API, every action at least once."""

import re
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers.models import Dossier, Event

from . import factories as f
from .test_api_support import (
    LIST,
    act,
    api,
    assert_error,
    detail_url,
    dossier_now,
    media,  # noqa: F401 (a fixture, used by every test below)
    post,
)
from .test_forms import pdf_text

CODE = re.compile(r"^H22\.40-\d{6}-\d{4}$")


# Uploaded files go to a temporary MEDIA_ROOT.
pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def p(db):
    yield from f.province_fixture()


def upload(user, ref, name="to-khai.pdf", **fields):
    file = SimpleUploadedFile(name, f.PDF_BYTES, content_type="application/pdf")
    return api(user).post(f"{LIST}/{ref}/attachments", {"file": file, **fields}, format="multipart")


def actions_of(dossier) -> list[str]:
    return list(
        Event.objects.filter(dossier=dossier).order_by("seq").values_list("action", flat=True)
    )


def test_counter_intake_in_one_call_gives_code_due_time_and_receipt(p):
    response = post(
        p.receptionist,
        LIST,
        {
            "procedure": p.procedure.code,
            "applicant": f.applicant_data(commune="06652"),
            "representative": {"name": "Trần Thị Bích", "phone": "0987654321"},
            "channel": 1,
            "accept": True,
            "checklist": [1, 2],
            "note": "Đủ hồ sơ",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert CODE.match(body["code"])
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", body["tracking_secret"])
    assert body["status"] == {"code": "processing", "name": "Đang xử lý", "national_code": 4}
    assert body["due_at"] is not None and body["due_at"].endswith("+07:00")
    assert body["receipt_url"] == f"http://testserver{LIST}/{body['code']}/forms/01.pdf"
    assert response["Location"] == body["url"] == f"http://testserver{LIST}/{body['code']}"
    d = Dossier.objects.get(code=body["code"])
    assert (d.channel, d.state, d.version) == ("counter", "processing", body["version"])
    assert d.representative_name == "Trần Thị Bích"
    documents = list(d.procedure_version.documents.order_by("position").values_list("id", "name"))
    accept = Event.objects.get(dossier=d, action="accept")
    assert accept.data["checklist"] == [doc_id for doc_id, _name in documents]
    assert accept.note == "Đủ hồ sơ"

    receipt = api(p.receptionist).get(body["receipt_url"])
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    assert receipt["Content-Disposition"] == f'inline; filename="01-{d.code}.pdf"'
    text = pdf_text(b"".join(receipt.streaming_content))
    assert d.code in text
    assert all(name in text for _id, name in documents)


def test_counter_dossier_in_two_calls(p):
    created = post(
        p.receptionist,
        LIST,
        {"procedure": p.procedure.code, "applicant": f.applicant_data(), "channel": 3},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["code"] is None and body["status"]["code"] == "draft"
    assert body["due_at"] is None and body["receipt_url"] is None
    d = Dossier.objects.get(public_id=body["public_id"])
    assert d.channel == "postal"
    accepted = act(p.receptionist, d, "accept", {"checklist": [2]})
    assert accepted.status_code == 200
    assert accepted.json()["status"]["code"] == "processing"
    assert CODE.match(accepted.json()["code"])


def test_online_draft_submit_accept_forward_approve_deliver_and_track(p):
    created = post(
        p.citizen,
        LIST,
        {"procedure": p.procedure.code, "applicant": f.applicant_data(), "channel": 2},
    )
    assert created.status_code == 201
    draft = created.json()
    assert draft["code"] is None and draft["due_at"] is None and draft["receipt_url"] is None
    assert draft["url"].endswith(f"{LIST}/{draft['public_id']}")
    ref = draft["public_id"]

    uploaded = upload(p.citizen, ref, document=1)
    assert uploaded.status_code == 201, uploaded.json()
    attachment = uploaded.json()
    assert attachment["document"] == {"position": 1, "name": "Đơn đề nghị (theo mẫu)"}
    assert attachment["kind"] == "submission"

    d = Dossier.objects.get(public_id=ref)
    submitted = act(p.citizen, d, "submit", {"attachments": [attachment["id"]]})
    assert submitted.status_code == 200, submitted.json()
    body = submitted.json()
    assert body["status"]["code"] == "submitted" and CODE.match(body["code"])
    assert body["allowed_actions"] == ["withdraw"]
    d.refresh_from_db()

    seen = api(p.receptionist).get(detail_url(d)).json()
    assert {"accept", "refuse", "request_supplement"} <= set(seen["allowed_actions"])

    accepted = act(p.receptionist, d, "accept", {"checklist": [1, 2]})
    assert accepted.status_code == 200
    assert accepted["ETag"] == f'"{accepted.json()["version"]}"'
    assert accepted.json()["current_officer"]["username"] == "tiepnhan"
    forwarded = act(p.receptionist, d, "forward", {"officer": "chuyenvien", "note": "Chuyển Sở"})
    assert forwarded.status_code == 200, forwarded.json()
    body = forwarded.json()
    assert body["step_index"] == 1
    assert body["current_agency"] == {"e_id": "H22.13", "name": "Sở Tư pháp"}
    assert body["current_officer"] == {"username": "chuyenvien", "name": "Lê Văn Hùng"}
    assert act(p.specialist, d, "forward", {"officer": "lanhdao"}).status_code == 200
    approved = act(p.leader, d, "approve", {"note": "Đồng ý cấp"})
    assert approved.status_code == 200
    body = approved.json()
    assert body["status"]["code"] == "decided"
    assert body["result"]["kind"] == "approved" and body["result"]["note"] == "Đồng ý cấp"
    delivered = act(
        p.receptionist, d, "deliver", {"method": "counter", "delivered_to": "Nguyễn Văn An"}
    )
    assert delivered.status_code == 200
    body = delivered.json()
    assert body["status"] == {"code": "returned", "name": "Đã trả kết quả", "national_code": 10}
    assert body["delivery"]["method"] == "counter"
    assert body["allowed_actions"] == []
    assert actions_of(d) == ["submit", "accept", "forward", "forward", "approve", "deliver"]

    secret = body["tracking_secret"]
    tracked = api().get(f"/api/v1/tracking/{body['code']}", {"secret": secret})
    assert tracked.status_code == 200
    assert tracked.json()["status"]["code"] == "returned"

    # The applicant reads the same history without the officers' names or notes.
    mine = api(p.citizen).get(detail_url(d)).json()
    events = mine["events"]
    assert [e["action"] for e in events] == actions_of(d)
    assert events[0]["actor"] == {"username": "congdan", "name": "Hoàng Văn Nam"}
    assert all(e["actor"] is None for e in events[1:])
    assert events[2]["note"] == "" and "officer" not in events[2]["data"]
    assert all(line["officer"] is None for line in mine["control_sheet"])
    staff = api(p.receptionist).get(detail_url(d)).json()
    assert staff["events"][2]["actor"]["name"] == "Nguyễn Thị Lan"
    assert staff["events"][2]["note"] == "Chuyển Sở"


def test_supplement_during_processing(p):
    d = dossier_now(p, "processing", step=1)
    before = api(p.specialist).get(detail_url(d)).json()
    requested = act(p.specialist, d, "request_supplement", {"items": ["Giấy xác nhận cư trú"]})
    assert requested.status_code == 200, requested.json()
    assert requested.json()["status"]["code"] == "supplementing"
    assert requested.json()["paused"] is True
    # The applicant gets form 02 and supplements with a file.
    mine = api(p.citizen).get(detail_url(d)).json()
    assert [form["number"] for form in mine["forms"]] == ["01", "02"]
    assert mine["allowed_actions"] == ["supplement", "withdraw"]
    assert api(p.citizen).get(f"{detail_url(d)}/forms/02.pdf").status_code == 200
    uploaded = upload(p.citizen, d.code, name="xac-nhan.pdf")
    assert uploaded.json()["kind"] == "supplement"
    done = act(p.citizen, d, "supplement", {"attachments": [uploaded.json()["id"]]})
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["status"]["code"] == "processing" and body["paused"] is False
    assert body["due_at"] >= before["due_at"]
    assert Event.objects.get(dossier=d, action="supplement").data["attachments"] == [
        uploaded.json()["id"]
    ]


def test_refusal_at_reception_and_its_form(p):
    d = f.dossier_in(p, "submitted")
    missing = act(p.receptionist, d, "refuse", {})
    assert_error(missing, 400, "reason_required")
    refused = act(p.receptionist, d, "refuse", {"reason": "Hồ sơ không thuộc thẩm quyền"})
    assert refused.status_code == 200
    assert refused.json()["status"]["code"] == "refused"
    assert [form["number"] for form in refused.json()["forms"]] == ["03"]
    pdf = api(p.citizen).get(f"{detail_url(d)}/forms/03.pdf")
    assert pdf.status_code == 200
    assert "Hồ sơ không thuộc thẩm quyền" in pdf_text(b"".join(pdf.streaming_content))


def test_applicant_withdraws(p):
    d = f.dossier_in(p, "submitted")
    response = act(p.citizen, d, "withdraw", {"reason": "Không còn nhu cầu"})
    assert response.status_code == 200
    assert response.json()["status"]["code"] == "withdrawn"
    assert response.json()["ended_at"] is not None
    again = act(p.citizen, d, "withdraw", {})
    assert_error(again, 400, "final_state")


def test_receptionist_stops_processing_with_form_05(p):
    d = f.dossier_in(p, "processing", step=1)
    response = act(p.receptionist, d, "stop", {"reason": "Theo đề nghị của người nộp"})
    assert response.status_code == 200
    assert response.json()["status"]["code"] == "stopped"
    assert [form["number"] for form in response.json()["forms"]] == ["01", "05", "06"]


def test_extend_with_an_iso_due_time_issues_form_04(p):
    d = dossier_now(p, "processing", step=1)
    new_due = (d.due_at + timedelta(days=3)).astimezone(f.VN_TZ)
    earlier = act(p.specialist, d, "extend", {"reason": "Cần xác minh", "new_due_at": "2020-01-01"})
    assert_error(earlier, 400, "new_due_not_later")
    response = act(
        p.specialist,
        d,
        "extend",
        {"reason": "Cần xác minh thêm", "new_due_at": new_due.isoformat()},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["extended"] is True
    assert datetime.fromisoformat(body["due_at"]) == new_due
    assert "04" in [form["number"] for form in body["forms"]]


def test_leader_denies(p):
    d = f.dossier_in(p, "processing", step=2)
    response = act(p.leader, d, "deny", {"reason": "Không đủ điều kiện"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"]["code"] == "decided"
    assert body["result"] == {
        "kind": "denied",
        "name": "Không giải quyết",
        "note": "Không đủ điều kiện",
        "decided_at": body["result"]["decided_at"],
    }


def test_assign_payment_send_back_and_transfer(p):
    d = f.dossier_in(p, "processing", step=0)
    # Forwarded without a name: the appraisal step waits for the leader to assign it.
    unassigned = act(p.receptionist, d, "forward", {})
    assert unassigned.json()["current_officer"] is None
    assigned = act(p.leader, d, "assign", {"officer": "chuyenvien2"})
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["current_officer"]["username"] == "chuyenvien2"

    fee = {"amount": 200000, "items": [{"name": "Lệ phí", "amount": 200000}]}
    requested = act(p.specialist2, d, "request_payment", fee)
    assert requested.status_code == 200, requested.json()
    assert requested.json()["status"]["code"] == "awaiting_payment"
    wrong = act(p.citizen, d, "pay", {"amount": 100000})
    assert_error(wrong, 400, "payment_amount_mismatch")
    paid = act(p.citizen, d, "pay", {"amount": 200000, "receipt_number": "BL-01"})
    assert paid.status_code == 200
    assert paid.json()["status"]["code"] == "processing"

    back = act(p.specialist2, d, "send_back", {"reason": "Thiếu chữ ký"})
    assert back.status_code == 200
    assert back.json()["step_index"] == 0
    assert back.json()["current_officer"]["username"] == "tiepnhan"
    act(p.receptionist, d, "forward", {"officer": "chuyenvien"})
    moved = act(p.specialist, d, "transfer", {"agency": "H22.16"})
    assert moved.status_code == 200, moved.json()
    assert moved.json()["current_agency"]["e_id"] == "H22.16"
    assert moved.json()["step_index"] == 2
    assert actions_of(d)[-7:] == [
        "forward",
        "assign",
        "request_payment",
        "pay",
        "send_back",
        "forward",
        "transfer",
    ]
