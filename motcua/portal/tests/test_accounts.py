"""Sign-up, sign-in (with the staff redirect and the rate limit) and sign-out."""

import pytest
from django.contrib.auth import get_user_model

from motcua.dossiers.tests import factories as f

from .helpers import assert_strict_csp_ok

pytestmark = pytest.mark.django_db

User = get_user_model()
STRONG = "Mot-cua-2025!"


def sign_up(client, **overrides):
    data = {
        "full_name": "  Nguyễn   Thị Minh Khai ",
        "username": "minhkhai",
        "email": "khai@example.vn",
        "password1": STRONG,
        "password2": STRONG,
        **overrides,
    }
    return client.post("/dang-ky/", data)


def logged_in_user(client):
    return client.get("/ho-so/").wsgi_request.user


def test_sign_up_creates_the_account_and_signs_in(client, db):
    page = client.get("/dang-ky/")
    html = page.content.decode()
    for label in (
        "Họ và tên",
        "Tên đăng nhập hoặc số điện thoại",
        "Thư điện tử",
        "Mật khẩu",
        "Nhập lại mật khẩu",
    ):
        assert f">{label}" in html
    assert_strict_csp_ok(page)

    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == "/ho-so/"
    user = User.objects.get(username="minhkhai")
    # Vietnamese order: the given name is the last word.
    assert (user.last_name, user.first_name, user.email) == (
        "Nguyễn Thị Minh",
        "Khai",
        "khai@example.vn",
    )
    assert user.check_password(STRONG) and not user.is_staff
    assert logged_in_user(client) == user
    assert "Nguyễn Thị Minh Khai" in client.get("/").content.decode()


def test_sign_up_with_a_phone_number_stores_it_normalised(client, db):
    response = sign_up(client, username="+84 912 345 678", email="")
    assert response.status_code == 302
    assert User.objects.filter(username="0912345678").exists()
    # The same number typed another way is taken, and a bad number is refused.
    again = sign_up(client.__class__(), username="0912.345.678").content.decode()
    assert "Tên đăng nhập hoặc số điện thoại này đã được đăng ký." in again
    bad = sign_up(client.__class__(), username="0123 456").content.decode()
    assert "Số điện thoại không hợp lệ" in bad


def test_sign_up_errors_are_in_vietnamese_and_keep_input(client, db):
    User.objects.create_user("MinhKhai", password="x")
    html = sign_up(client, password2="khac-hoan-toan", username="minhkhai").content.decode()
    assert "Tên đăng nhập hoặc số điện thoại này đã được đăng ký." in html
    assert "Hai mật khẩu đã nhập không giống nhau." in html
    assert 'value="  Nguyễn   Thị Minh Khai "' in html
    assert 'value="khai@example.vn"' in html
    weak = sign_up(client, username="moi", password1="12345678", password2="12345678")
    assert "Mật khẩu này quá phổ biến." in weak.content.decode()
    assert User.objects.count() == 1


def test_citizen_goes_to_my_dossiers_after_sign_in(client, p):
    page = client.get("/dang-nhap/")
    assert 'for="id_username">Tên đăng nhập hoặc số điện thoại' in page.content.decode()
    response = client.post("/dang-nhap/", {"username": "congdan", "password": f.PASSWORD})
    assert response["Location"] == "/ho-so/"
    assert logged_in_user(client) == p.citizen


def test_phone_number_signs_in_however_it_is_typed(client, db):
    user = User.objects.create_user("0912345678", password=STRONG)
    response = client.post("/dang-nhap/", {"username": "+84 912 345 678", "password": STRONG})
    assert response.status_code == 302
    assert logged_in_user(client) == user


def test_staff_go_to_the_back_office_unless_next_says_otherwise(client, p):
    response = client.post("/dang-nhap/", {"username": "tiepnhan", "password": f.PASSWORD})
    assert response["Location"] == "/can-bo/"
    client.logout()
    response = client.post(
        "/dang-nhap/", {"username": "tiepnhan", "password": f.PASSWORD, "next": "/thu-tuc/"}
    )
    assert response["Location"] == "/thu-tuc/"
    client.logout()
    # An is_staff account without a membership (an administrator of the site) too.
    User.objects.create_user("quantri", password=STRONG, is_staff=True)
    response = client.post("/dang-nhap/", {"username": "quantri", "password": STRONG})
    assert response["Location"] == "/can-bo/"
    client.logout()
    # An unsafe next is ignored.
    response = client.post(
        "/dang-nhap/",
        {"username": "congdan", "password": f.PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/ho-so/"


def test_wrong_password_is_said_in_vietnamese(client, p):
    response = client.post("/dang-nhap/", {"username": "congdan", "password": "sai"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in html
    assert 'value="congdan"' in html
    assert not logged_in_user(client).is_authenticated


def test_failed_sign_ins_are_limited_per_ip(client, p, settings):
    settings.MOTCUA_LOGIN_PAGE_RATE = "3/min"
    for _attempt in range(3):
        assert (
            client.post("/dang-nhap/", {"username": "congdan", "password": "sai"}).status_code
            == 200
        )
    # Past the limit even the right password is refused, without being checked.
    blocked = client.post("/dang-nhap/", {"username": "congdan", "password": f.PASSWORD})
    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 60
    assert "Đăng nhập sai quá nhiều lần từ địa chỉ mạng này" in blocked.content.decode()
    assert not logged_in_user(client).is_authenticated
    # Another address is not affected; an empty form does not count.
    other = client.post(
        "/dang-nhap/", {"username": "congdan", "password": f.PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302
    # The rate is read at each request.
    settings.MOTCUA_LOGIN_PAGE_RATE = "10/min"
    client.logout()
    assert (
        client.post("/dang-nhap/", {"username": "congdan", "password": f.PASSWORD}).status_code
        == 302
    )


def test_empty_form_does_not_count_as_a_failure(client, p, settings):
    settings.MOTCUA_LOGIN_PAGE_RATE = "1/min"
    for _attempt in range(3):
        html = client.post("/dang-nhap/", {"username": "", "password": ""}).content.decode()
        assert "Trường này là bắt buộc." in html
    assert (
        client.post("/dang-nhap/", {"username": "congdan", "password": f.PASSWORD}).status_code
        == 302
    )


def test_sign_out_is_a_post(client, p):
    client.force_login(p.citizen)
    assert client.get("/dang-xuat/").status_code == 405
    assert logged_in_user(client).is_authenticated
    response = client.post("/dang-xuat/")
    assert response["Location"] == "/"
    assert not logged_in_user(client).is_authenticated
    assert "Bạn đã đăng xuất." in client.get("/").content.decode()


def test_header_shows_account_links(client, p):
    html = client.get("/").content.decode()
    assert (
        '<a href="/dang-nhap/">Đăng nhập</a>' in html and '<a href="/dang-ky/">Đăng ký</a>' in html
    )
    client.force_login(p.citizen)
    html = client.get("/").content.decode()
    assert '<a href="/ho-so/">Hồ sơ của tôi</a>' in html
    assert '<span class="account">Hoàng Văn Nam</span>' in html
    assert '<form class="logout" method="post" action="/dang-xuat/">' in html


def test_extra_login_providers_are_buttons(client, db, settings):
    assert "Hoặc đăng nhập bằng" not in client.get("/dang-nhap/").content.decode()
    settings.MOTCUA_LOGIN_PROVIDERS = [
        {"name": "vneid", "label": "Đăng nhập bằng VNeID", "url": "/oidc/vneid/login/"},
        {"name": "broken"},
    ]
    html = client.get("/dang-nhap/", {"next": "/ho-so/"}).content.decode()
    assert (
        '<a class="button button-secondary" href="/oidc/vneid/login/?next=/ho-so/">Đăng nhập bằng VNeID</a>'
        in html
    )
    assert html.count("button button-secondary") == 1


def test_login_required_pages_send_to_the_sign_in_page(client, db):
    response = client.get("/ho-so/")
    assert response["Location"] == "/dang-nhap/?next=/ho-so/"
    page = client.get(response["Location"]).content.decode()
    assert "Vui lòng đăng nhập để tiếp tục." in page
    assert '<input type="hidden" name="next" value="/ho-so/">' in page
