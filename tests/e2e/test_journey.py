"""The whole journey of an online dossier, each person in a browser of their own: the citizen
finds the procedure without diacritics, files it online and gets the receipt; the receptionist
accepts it; the department's leader assigns the specialist, who forwards it; the leader approves
it; the counter hands the result over; the citizen follows it on the tracking page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROCEDURE = "Đăng ký hoạt động của tổ chức hành nghề luật sư"
DOCUMENTS = (
    "Giấy đề nghị đăng ký hoạt động của tổ chức hành nghề luật sư",
    "Dự thảo Điều lệ của công ty luật (đối với công ty luật)",
    "Bản sao Chứng chỉ hành nghề luật sư, Thẻ luật sư của luật sư thành lập",
    "Giấy tờ chứng minh về trụ sở của tổ chức hành nghề luật sư",
)
CITIZEN_ID = "022090123456"
CODE = re.compile(r"^H22\.[0-9.]+-\d{6}-\d{4}$")
SECRET = re.compile(r"^[A-Z0-9]{5}-[A-Z0-9]{5}$")


def action(page, name: str):
    """The form of one action of the dossier page (each action is a <details> holding it)."""
    return page.locator("details.bo-action").filter(
        has=page.locator("summary", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def perform(page, name: str) -> None:
    """Runs an action without fields (its form comes first, open)."""
    form = action(page, name)
    expect(form).to_have_attribute("open", "")
    form.get_by_role("button", name=name, exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"Đã thực hiện: {name}.")


def facts(page) -> dict[str, str]:
    """The dossier page's facts (dt → dd)."""
    terms = page.locator(".bo-col-facts dt").all_inner_texts()
    values = page.locator(".bo-col-facts dd").all_inner_texts()
    return dict(zip(terms, values, strict=True))


def test_an_online_dossier_from_search_to_result(live_server, demo, browse, audit, files):
    url = live_server.url
    numbers = iter(range(1, 100))

    def look(page, name: str) -> None:
        """Screenshots and accessibility checks, named in the order the pages are visited."""
        audit(page, f"journey-{next(numbers):02d}-{name}")

    # --- the citizen finds the procedure without diacritics --------------------------------
    citizen = browse()
    citizen.goto(url + "/")
    look(citizen, "home")
    citizen.get_by_label("Tìm thủ tục hành chính").fill("dang ky hoat dong luat su")
    citizen.get_by_role("button", name="Tìm kiếm").click()
    expect(citizen).to_have_url(re.compile(r"/thu-tuc/\?q=dang\+ky\+hoat\+dong\+luat\+su"))
    expect(citizen.get_by_role("heading", level=2, name=re.compile("thủ tục cho"))).to_be_visible()
    first_result = citizen.locator(".results .result-title a").first
    expect(first_result).to_have_text(PROCEDURE)
    look(citizen, "procedure-list")
    first_result.click()

    expect(citizen.get_by_role("heading", level=1)).to_have_text(PROCEDURE)
    expect(citizen.get_by_text("Trực tuyến toàn trình").first).to_be_visible()
    look(citizen, "procedure")
    citizen.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()

    # --- signs in on the way -----------------------------------------------------------------
    expect(citizen).to_have_url(re.compile(r"/dang-nhap/\?next=/nop-ho-so/1\.020101/"))
    expect(citizen.get_by_text("Vui lòng đăng nhập để tiếp tục.")).to_be_visible()
    look(citizen, "sign-in")
    citizen.get_by_label("Tên đăng nhập hoặc số điện thoại").fill("congdan")
    citizen.get_by_label("Mật khẩu").fill("demo")
    citizen.get_by_role("button", name="Đăng nhập").click()

    # --- step 1: who applies (a wrong ID first: the error is shown next to the field) --------
    expect(citizen).to_have_url(re.compile(r"/nop-ho-so/1\.020101/$"))
    expect(citizen.get_by_role("heading", name="Bước 1: Thông tin người nộp hồ sơ")).to_be_visible()
    expect(citizen.get_by_label("Họ và tên (hoặc tên tổ chức)")).to_have_value("Hoàng Văn Nam")
    look(citizen, "step-1")
    id_number = citizen.get_by_label("Số định danh cá nhân hoặc mã số thuế")
    id_number.fill("123")
    citizen.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(citizen.get_by_role("alert")).to_contain_text("Vui lòng kiểm tra lại")
    expect(id_number).to_have_value("123")
    look(citizen, "step-1-error")
    id_number.fill(CITIZEN_ID)
    citizen.get_by_label("Số điện thoại", exact=True).fill("0912 345 678")
    citizen.get_by_label("Địa chỉ", exact=True).fill("Số 12 phố Lê Thánh Tông")
    citizen.get_by_label("Xã, phường, đặc khu").select_option(label="Phường Hồng Gai")
    citizen.get_by_role("button", name="Lưu và tiếp tục").click()

    # --- step 2: the documents, a PDF or a photo each -----------------------------------------
    expect(citizen.get_by_role("heading", name="Bước 2: Giấy tờ trong hồ sơ")).to_be_visible()
    look(citizen, "step-2")
    for index, document in enumerate(DOCUMENTS):
        chosen = files.pdf if index % 2 == 0 else files.png
        citizen.get_by_label(f"Chọn tệp: {document}").set_input_files(chosen)
    citizen.get_by_role("button", name="Tải lên các tệp đã chọn").click()
    expect(citizen.get_by_role("status")).to_contain_text("Đã tải lên 4 tệp.")
    for document in DOCUMENTS:
        slot = citizen.get_by_role("group", name=re.compile(re.escape(document)))
        expect(slot.get_by_role("link")).to_have_text(re.compile(r"\.(pdf|png)$"))
    look(citizen, "step-2-uploaded")
    citizen.get_by_role("button", name="Tiếp tục: xem lại hồ sơ").click()

    # --- step 3: review and submit ------------------------------------------------------------
    expect(citizen.get_by_role("heading", name="Bước 3: Xem lại và nộp hồ sơ")).to_be_visible()
    summary = citizen.get_by_role("region", name="Giấy tờ")
    for document in DOCUMENTS:
        expect(summary).to_contain_text(document)
    expect(summary).to_contain_text(files.pdf.name)
    expect(summary).to_contain_text(files.png.name)
    where = citizen.get_by_role("region", name="Nơi tiếp nhận và thời hạn")
    expect(where).to_contain_text("Sở Tư pháp")
    look(citizen, "step-3")
    citizen.get_by_label("Tôi cam đoan các thông tin và giấy tờ khai trên là đúng sự thật.").check()
    citizen.get_by_role("button", name="Nộp hồ sơ").click()

    # --- the receipt: code and secret ---------------------------------------------------------
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    code = citizen.locator("#receipt-code").inner_text()
    secret = citizen.locator("#receipt-secret").inner_text()
    assert CODE.match(code), code
    assert SECRET.match(secret), secret
    expect(citizen.get_by_role("img", name=f"Mã QR tra cứu hồ sơ {code}")).to_be_visible()
    look(citizen, "receipt")

    citizen.get_by_role("link", name="Hồ sơ của tôi").click()
    mine = citizen.locator(".dossier-item").filter(has_text=code)
    expect(mine.locator(".status")).to_have_text("Chờ tiếp nhận")
    look(citizen, "my-dossiers")

    # --- the receptionist accepts it from "Chờ tiếp nhận" ------------------------------------
    counter = browse("tiepnhan")
    expect(counter).to_have_url(url + "/can-bo/")
    tile = counter.locator(".bo-tiles").get_by_role("link", name=re.compile("Chờ tiếp nhận"))
    expect(tile).to_have_text(re.compile(r"^1\s+Chờ tiếp nhận$"))
    look(counter, "backoffice-home")
    tile.click()
    expect(counter.get_by_role("heading", level=1)).to_have_text("Chờ tiếp nhận")
    row = counter.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("Hoàng Văn Nam")
    expect(row).to_contain_text(CITIZEN_ID)
    look(counter, "worklist")
    row.get_by_role("link", name=code).click()

    expect(counter.get_by_role("heading", level=1)).to_have_text(f"{code} Chờ tiếp nhận")
    attachments = counter.locator(".bo-attachment")
    expect(attachments).to_have_count(4)
    look(counter, "dossier-submitted")
    accept = action(counter, "Tiếp nhận hồ sơ")
    for document in DOCUMENTS:
        accept.get_by_label(document).check()
    accept.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(counter.get_by_role("status")).to_contain_text("Đã thực hiện: Tiếp nhận hồ sơ.")
    expect(counter.get_by_role("heading", level=1)).to_have_text(f"{code} Đang xử lý")
    expect(counter.locator(".badge-ok", has_text="Đã nhận")).to_have_count(4)
    # Two steps at the center: reception, then sending the file to the department.
    perform(counter, "Chuyển bước tiếp theo")
    expect(action(counter, "Chuyển bước tiếp theo")).to_contain_text(
        "Bước tiếp theo do Sở Tư pháp thực hiện."
    )
    perform(counter, "Chuyển bước tiếp theo")
    assert facts(counter)["Đang xử lý tại"] == "Sở Tư pháp"
    assert facts(counter)["Cán bộ xử lý"] == "—"
    look(counter, "dossier-at-department")

    # --- the specialist may not act before being assigned -------------------------------------
    specialist = browse("chuyenvien")
    specialist.goto(f"{url}/can-bo/ho-so/{code}/")
    expect(
        specialist.get_by_text("Bạn không có thao tác nào với hồ sơ này lúc này.")
    ).to_be_visible()

    # --- the leader assigns the specialist ----------------------------------------------------
    leader = browse("lanhdao")
    leader.get_by_role("link", name="Tìm hồ sơ").first.click()
    expect(leader.get_by_role("heading", level=1)).to_have_text("Tất cả hồ sơ")
    search = leader.get_by_label("Tìm theo mã hồ sơ, tên hoặc số định danh người nộp")
    count = leader.get_by_role("status").filter(has_text="hồ sơ")
    search.fill("nguyen van an")
    leader.get_by_role("button", name="Lọc").click()
    expect(count).to_have_text("0 hồ sơ")
    search.fill("hoang van nam")  # the applicant's name without diacritics
    leader.get_by_role("button", name="Lọc").click()
    expect(count).to_have_text("1 hồ sơ")
    expect(leader).to_have_url(re.compile(r"/can-bo/ho-so/\?q=hoang(\+|%20)van(\+|%20)nam"))
    look(leader, "search")
    leader.get_by_role("row").filter(has_text=code).get_by_role("link", name=code).click()
    assign = action(leader, "Phân công xử lý")
    assign.get_by_label("Cán bộ xử lý").select_option(label="Lê Văn Hùng")
    assign.get_by_role("button", name="Phân công xử lý").click()
    expect(leader.get_by_role("status")).to_contain_text("Đã thực hiện: Phân công xử lý.")
    assert facts(leader)["Cán bộ xử lý"] == "Lê Văn Hùng"

    # --- the specialist finds it in "Của tôi" and forwards it twice (appraisal, review) -------
    specialist.goto(url + "/can-bo/")
    mine_tile = specialist.locator(".bo-tiles").get_by_role("link", name=re.compile("Của tôi"))
    expect(mine_tile).to_have_text(re.compile(r"^1\s+Của tôi$"))
    mine_tile.click()
    expect(specialist.get_by_role("heading", level=1)).to_have_text("Của tôi")
    look(specialist, "worklist-mine")
    specialist.get_by_role("row").filter(has_text=code).get_by_role("link", name=code).click()
    look(specialist, "dossier-specialist")
    perform(specialist, "Chuyển bước tiếp theo")
    perform(specialist, "Chuyển bước tiếp theo")
    expect(
        specialist.get_by_text("Bạn không có thao tác nào với hồ sơ này lúc này.")
    ).to_be_visible()

    # --- the leader approves it, with the result file -----------------------------------------
    leader.get_by_role("link", name="Phê duyệt", exact=True).click()
    queued = leader.get_by_role("row").filter(has_text=code)
    expect(queued).to_contain_text("Chờ phê duyệt")
    look(leader, "approvals")
    queued.get_by_role("link", name=code).click()
    approve = action(leader, "Phê duyệt")
    approve.get_by_label("Tệp kết quả (PDF, ảnh; không bắt buộc)").set_input_files(files.result)
    approve.get_by_label("Ý kiến phê duyệt").fill("Đồng ý cấp giấy đăng ký hoạt động.")
    approve.get_by_role("button", name="Phê duyệt").click()
    expect(leader.get_by_role("status")).to_contain_text("Đã thực hiện: Phê duyệt.")
    expect(leader.get_by_role("heading", level=1)).to_have_text(f"{code} Đã giải quyết xong")
    look(leader, "dossier-decided")

    # --- the counter hands the result over: the code typed at the return counter --------------
    counter.get_by_role("link", name="Trả kết quả").first.click()
    expect(counter.get_by_role("heading", level=1)).to_have_text("Trả kết quả")
    look(counter, "return-counter")
    lookup = counter.get_by_label("Mã hồ sơ (gõ hoặc quét mã QR trên giấy tiếp nhận)")
    lookup.press_sequentially(code.lower())
    lookup.press("Enter")
    expect(counter).to_have_url(re.compile(r"/can-bo/tra-ket-qua/\?ma="))
    found = counter.locator(".bo-return")
    expect(found.get_by_role("heading", level=2)).to_have_text(f"{code} Đã giải quyết xong")
    expect(found).to_contain_text(files.result.name)
    expect(found.get_by_label("Họ và tên người nhận kết quả")).to_have_value("Hoàng Văn Nam")
    look(counter, "return-counter-dossier")
    found.get_by_role("button", name="Trả kết quả").click()
    expect(counter.get_by_role("status")).to_contain_text(f"Đã trả kết quả hồ sơ {code}.")
    expect(found.get_by_role("heading", level=2)).to_have_text(f"{code} Đã trả kết quả")
    look(counter, "return-counter-delivered")

    # --- the citizen follows it on the tracking page, without signing in ----------------------
    phone = browse()
    phone.goto(url + "/")
    phone.get_by_role("link", name="Tra cứu hồ sơ").first.click()
    expect(phone).to_have_url(url + "/tra-cuu/")
    phone.get_by_label("Mã hồ sơ").fill(code)
    phone.get_by_label("Mã tra cứu").fill(secret.lower().replace("-", ""))
    phone.get_by_role("button", name="Tra cứu").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {code}")
    expect(phone.locator(".status-line .status")).to_have_text("Đã trả kết quả")
    expect(phone.locator(".timeline")).to_contain_text("Sở Tư pháp")
    expect(phone.locator("main")).not_to_contain_text("Lê Văn Hùng")  # no officers' names
    look(phone, "tracking")

    # ... and in "Hồ sơ của tôi", with the result file.
    citizen.get_by_role("link", name="Hồ sơ của tôi").click()
    mine = citizen.locator(".dossier-item").filter(has_text=code)
    expect(mine.locator(".status")).to_have_text("Đã trả kết quả")
    mine.get_by_role("link", name=PROCEDURE).click()
    expect(citizen.get_by_role("link", name=files.result.name)).to_be_visible()
    look(citizen, "my-dossier-returned")
