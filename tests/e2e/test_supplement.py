"""Supplements, there and back: the specialist asks for them in the back office, the citizen
reads the request in "Hồ sơ của tôi", uploads the missing paper and sends it, and the dossier is
back in processing with the specialist."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from motcua.dossiers import services
from motcua.dossiers.models import Channel

from .conftest import tiny_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROCEDURE = "Đăng ký hoạt động của tổ chức hành nghề luật sư"
ITEMS = (
    "Bản sao Thẻ luật sư còn hiệu lực",
    "Hợp đồng thuê trụ sở có công chứng",
)


@pytest.fixture
def at_the_department(demo):
    """An online dossier of the citizen, accepted at the province center and assigned to the
    specialist of Sở Tư pháp (the journey test does these steps in the browser)."""
    users = get_user_model().objects.in_bulk(
        ["congdan", "tiepnhan", "lanhdao", "chuyenvien"], field_name="username"
    )
    citizen = users["congdan"]
    dossier = services.create_dossier(
        procedure_code="1.020101",
        applicant={"kind": "citizen", "name": "Hoàng Văn Nam", "id_number": "022090123456"},
        channel=Channel.ONLINE,
        actor=citizen,
    )
    documents = list(dossier.procedure_version.documents.order_by("position"))
    attachments = [
        services.add_attachment(
            dossier,
            citizen,
            document=document,
            uploaded_file=SimpleUploadedFile(f"giay-to-{n}.pdf", tiny_pdf()),
        )
        for n, document in enumerate(documents, 1)
    ]
    dossier = services.submit(dossier, citizen, attachments=attachments)
    dossier = services.accept(dossier, users["tiepnhan"], checklist=documents)
    dossier = services.forward(dossier, users["tiepnhan"])
    dossier = services.forward(dossier, users["tiepnhan"])
    return services.assign(dossier, users["lanhdao"], officer=users["chuyenvien"])


def test_a_supplement_request_answered_online(live_server, at_the_department, browse, audit, files):
    code = at_the_department.code

    # --- the specialist asks for two papers ---------------------------------------------------
    specialist = browse("chuyenvien")
    specialist.locator(".bo-tiles").get_by_role("link", name=re.compile("Của tôi")).click()
    specialist.get_by_role("link", name=code).click()
    expect(specialist.get_by_role("heading", level=1)).to_have_text(f"{code} Đang xử lý")
    request = specialist.locator("details.bo-action").filter(
        has=specialist.locator("summary", has_text=re.compile("^Yêu cầu bổ sung hồ sơ$"))
    )
    request.locator("summary").click()
    request.get_by_label("Nội dung cần bổ sung (mỗi dòng một nội dung)").fill("\n".join(ITEMS))
    audit(specialist, "supplement-01-request")
    request.get_by_role("button", name="Yêu cầu bổ sung hồ sơ").click()
    expect(specialist.get_by_role("status")).to_contain_text("Đã thực hiện: Yêu cầu bổ sung hồ sơ.")
    expect(specialist.get_by_role("heading", level=1)).to_have_text(f"{code} Chờ bổ sung hồ sơ")
    expect(specialist.get_by_role("link", name=re.compile(r"^Mẫu số 02: "))).to_be_visible()

    # --- the citizen sees it in "Hồ sơ của tôi" -----------------------------------------------
    citizen = browse("congdan")
    expect(citizen).to_have_url(live_server.url + "/ho-so/")
    item = citizen.locator(".dossier-item").filter(has_text=code)
    expect(item.locator(".status")).to_have_text("Chờ bổ sung hồ sơ")
    audit(citizen, "supplement-02-my-dossiers")
    item.get_by_role("link", name="Bổ sung hồ sơ").click()

    expect(citizen.get_by_role("heading", level=1)).to_have_text("Bổ sung hồ sơ")
    asked = citizen.get_by_role("region", name="Nội dung cần bổ sung").get_by_role("listitem")
    expect(asked).to_have_text(list(ITEMS))
    audit(citizen, "supplement-03-form")
    send = citizen.get_by_role("button", name="Gửi hồ sơ bổ sung")

    # Sending nothing is refused, with the reason.
    send.click()
    expect(citizen.get_by_role("alert")).to_contain_text(
        "Vui lòng tải lên giấy tờ bổ sung hoặc ghi chú trước khi gửi."
    )

    # The two papers, one a photo, then a note; sent.
    citizen.get_by_label(
        "Chọn tệp: Bản sao Chứng chỉ hành nghề luật sư, Thẻ luật sư của luật sư thành lập"
    ).set_input_files(files.png)
    citizen.get_by_label(
        "Chọn tệp: Giấy tờ chứng minh về trụ sở của tổ chức hành nghề luật sư"
    ).set_input_files(files.pdf)
    citizen.get_by_role("button", name="Tải lên các tệp đã chọn").click()
    expect(citizen.get_by_role("status")).to_contain_text("Đã tải lên 2 tệp.")
    expect(citizen.get_by_role("link", name=files.png.name)).to_be_visible()
    citizen.get_by_label("Ghi chú").fill("Gửi bổ sung thẻ luật sư và hợp đồng thuê trụ sở.")
    audit(citizen, "supplement-04-uploaded")
    send.click()

    expect(citizen.get_by_role("status")).to_contain_text("Đã gửi hồ sơ bổ sung.")
    expect(citizen.get_by_role("heading", level=1)).to_have_text(PROCEDURE)
    expect(citizen.locator(".status-line .status")).to_have_text("Đang xử lý")
    papers = citizen.get_by_role("region", name="Kết quả và giấy tờ")
    expect(papers.locator("li", has_text=files.png.name)).to_contain_text("(bổ sung)")
    audit(citizen, "supplement-05-sent")

    # --- back with the specialist, in processing again ----------------------------------------
    specialist.reload()
    expect(specialist.get_by_role("heading", level=1)).to_have_text(f"{code} Đang xử lý")
    expect(specialist.locator(".bo-attachment", has_text=files.png.name)).to_contain_text(
        "(Hồ sơ bổ sung,"
    )
    expect(specialist.locator(".timeline")).to_contain_text("Gửi bổ sung thẻ luật sư")
    expect(
        specialist.locator("details.bo-action > summary", has_text="Chuyển bước tiếp theo")
    ).to_be_visible()
    nav = specialist.get_by_role("navigation", name="Điều hướng chính")
    expect(nav.get_by_role("link", name=re.compile("^Chờ bổ sung"))).to_have_text(
        re.compile(r"Chờ bổ sung\s+0$")
    )
