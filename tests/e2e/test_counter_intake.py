"""The counter intake with the keyboard alone (docs/backoffice.md, "Keyboard"): Alt+N, the
procedure box and its suggestions (↓ ↑ Enter), Tab and Space through the form, Enter that only
checks, Alt+T that files, and the receipt link focused at the end."""

import re

import pytest
from playwright.sync_api import expect

from motcua.dossiers.models import Dossier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROCEDURE = "Đăng ký hoạt động của tổ chức hành nghề luật sư"
DOCUMENTS = (
    "Giấy đề nghị đăng ký hoạt động của tổ chức hành nghề luật sư",
    "Dự thảo Điều lệ của công ty luật (đối với công ty luật)",
    "Bản sao Chứng chỉ hành nghề luật sư, Thẻ luật sư của luật sư thành lập",
    "Giấy tờ chứng minh về trụ sở của tổ chức hành nghề luật sư",
)


def test_a_receptionist_takes_a_dossier_in_without_the_mouse(live_server, demo, browse, audit):
    counter = browse("tiepnhan")
    keyboard = counter.keyboard
    expect(counter).to_have_url(live_server.url + "/can-bo/")

    # Alt+N: the intake, the cursor in the procedure box.
    keyboard.press("Alt+N")
    expect(counter).to_have_url(live_server.url + "/can-bo/tiep-nhan/")
    box = counter.get_by_role("combobox", name="Thủ tục hành chính")
    expect(box).to_be_focused()
    audit(counter, "intake-01-start")

    # Typed without diacritics; the suggestions come from the catalog search.
    keyboard.type("dang ky hoat dong")
    options = counter.get_by_role("listbox", name="Gợi ý thủ tục").get_by_role("option")
    wanted = options.filter(has_text="(1.020101)")
    expect(wanted).to_have_count(1)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.first).to_have_attribute("aria-selected", "true")
    names = options.all_inner_texts()
    target = next(i for i, name in enumerate(names) if "(1.020101)" in name)
    # ↓ to the end of the list (it stops at the last), then ↑ back to the procedure.
    for _ in range(len(names) - 1):
        keyboard.press("ArrowDown")
    expect(options.last).to_have_attribute("aria-selected", "true")
    for _ in range(len(names) - 1 - target):
        keyboard.press("ArrowUp")
    expect(wanted).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", wanted.get_attribute("id"))
    audit(counter, "intake-02-suggestions")
    keyboard.press("Enter")

    expect(counter).to_have_url(re.compile(r"/can-bo/tiep-nhan/\?thu_tuc=1\.020101$"))
    counter.wait_for_load_state()  # backoffice.js (access keys) runs once the page has loaded
    expect(counter.get_by_role("heading", level=2, name=PROCEDURE)).to_be_visible()
    name = counter.get_by_label("Họ và tên người nộp (hoặc tên tổ chức)")
    expect(name).to_be_focused()

    # Alt+T on an empty form: the errors, the cursor on the first one, nothing filed.
    keyboard.press("Alt+T")
    expect(counter.get_by_role("alert")).to_contain_text("Vui lòng sửa các thông tin")
    counter.wait_for_load_state()
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    audit(counter, "intake-03-errors")
    assert Dossier.objects.count() == 0

    # The applicant, field after field; Enter only checks.
    keyboard.type("Trần Thị Bích")
    keyboard.press("Tab")
    keyboard.type("022190123456")
    keyboard.press("Tab")
    keyboard.type("0987 654 321")
    keyboard.press("Tab")  # e-mail: none
    keyboard.press("Tab")
    keyboard.type("Số 8 đường Trần Hưng Đạo, phường Hồng Gai")
    keyboard.press("Enter")
    expect(counter.get_by_role("status")).to_contain_text("Thông tin bắt buộc đã đủ.")
    counter.wait_for_load_state()
    expect(name).to_have_value("Trần Thị Bích")
    expect(counter.get_by_label("Số định danh cá nhân (hoặc mã số thuế)")).to_have_value(
        "022190123456"
    )
    assert Dossier.objects.count() == 0
    expect(name).to_be_focused()

    # Tab to the documents (past phone, e-mail, address and the representative's box); Space
    # ticks each one, the next Tab skips its scan.
    for _ in range(6):
        keyboard.press("Tab")
    for index, document in enumerate(DOCUMENTS):
        checkbox = counter.get_by_role("checkbox", name=document)
        expect(checkbox).to_be_focused()
        keyboard.press("Space")
        expect(checkbox).to_be_checked()
        if index < len(DOCUMENTS) - 1:
            keyboard.press("Tab")
            expect(counter.get_by_label(f"Bản quét thành phần {index + 1}")).to_be_focused()
            keyboard.press("Tab")
    audit(counter, "intake-04-ready")

    # Alt+T files it; the receipt (form 01) link has the cursor.
    keyboard.press("Alt+T")
    heading = counter.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Đã tiếp nhận hồ sơ H22\.[0-9.]+-\d{6}-\d{4}$"))
    code = heading.inner_text().removeprefix("Đã tiếp nhận hồ sơ ")
    receipt = counter.get_by_role(
        "link", name="In Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu số 01)"
    )
    expect(receipt).to_be_focused()
    expect(receipt).to_have_attribute("href", f"/can-bo/ho-so/{code}/mau/receipt/")
    audit(counter, "intake-05-result")

    dossier = Dossier.objects.get()
    assert (dossier.code, dossier.state, dossier.applicant_name) == (
        code,
        "processing",
        "Trần Thị Bích",
    )
    pdf = counter.request.get(live_server.url + receipt.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")


def test_a_suggestion_can_be_picked_with_the_mouse_and_escape_closes_the_list(
    live_server, demo, browse
):
    counter = browse("tiepnhan")
    counter.goto(live_server.url + "/can-bo/tiep-nhan/")
    box = counter.get_by_role("combobox", name="Thủ tục hành chính")
    options = counter.get_by_role("listbox", name="Gợi ý thủ tục").get_by_role("option")
    box.press_sequentially("luat su")
    expect(options.filter(has_text="(1.020101)")).to_have_count(1)
    box.press("Escape")
    expect(options).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press_sequentially(" to chuc")
    wanted = options.filter(has_text="(1.020101)")
    wanted.click()
    expect(counter).to_have_url(re.compile(r"/can-bo/tiep-nhan/\?thu_tuc=1\.020101$"))
    expect(counter.get_by_role("heading", level=2, name=PROCEDURE)).to_be_visible()
