"""Who may open the back office: staff only, each page for the right role."""

import pytest
from django.urls import reverse

from motcua.dossiers.tests import factories as f

from .conftest import no_inline_code, unlabelled_controls

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("backoffice:home"),
    reverse("backoffice:intake"),
    reverse("backoffice:worklist"),
    reverse("backoffice:worklist") + "?list=mine",
    reverse("backoffice:approvals"),
    reverse("backoffice:return"),
    reverse("backoffice:register"),
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")


@pytest.mark.parametrize("url", PAGES)
def test_citizens_get_the_403_page_in_vietnamese(p, as_user, url):
    response = as_user(p.citizen).get(url)
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()


def test_an_inactive_membership_is_no_access(p, as_user):
    from motcua.agencies.services import revoke_role

    revoke_role(p.specialist, p.justice, "specialist")
    assert as_user(p.specialist).get(reverse("backoffice:home")).status_code == 403


@pytest.mark.parametrize(
    ("who", "allowed", "denied"),
    [
        ("receptionist", ["home", "intake", "worklist", "return", "register"], ["approvals"]),
        ("specialist", ["home", "worklist", "register"], ["intake", "return", "approvals"]),
        ("leader", ["home", "worklist", "register", "approvals"], ["intake", "return"]),
        ("manager", ["home", "worklist", "register"], ["intake", "return", "approvals"]),
    ],
)
def test_each_page_for_its_roles(p, as_user, who, allowed, denied):
    client = as_user(getattr(p, who))
    for name in allowed:
        response = client.get(reverse(f"backoffice:{name}"))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert no_inline_code(html), name
        assert unlabelled_controls(html) == [], name
        assert "script-src 'self'" in response["Content-Security-Policy"]
    for name in denied:
        assert client.get(reverse(f"backoffice:{name}")).status_code == 403, name


def test_the_layout_shows_the_worklists_role_agency_and_sign_out(p, as_user):
    html = as_user(p.receptionist).get(reverse("backoffice:home")).content.decode()
    for label in ("Chờ tiếp nhận", "Của tôi", "Sắp đến hạn", "Quá hạn", "Chờ bổ sung"):
        assert label in html
    assert "Cán bộ tiếp nhận, Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh" in html
    assert "Nguyễn Thị Lan" in html
    assert 'action="/can-bo/dang-xuat/"' in html and "Đăng xuất" in html
    # Role-specific links: a receptionist takes dossiers in, a leader approves.
    assert "/can-bo/tiep-nhan/" in html and "/can-bo/phe-duyet/" not in html


def test_sign_out_ends_the_session(p, as_user):
    client = as_user(p.receptionist)
    response = client.post(reverse("backoffice:logout"))
    assert response.status_code == 302 and response["Location"] == "/dang-nhap/"
    assert client.get(reverse("backoffice:home")).status_code == 302


def test_a_dossier_of_another_agency_is_404(p, as_user):
    d = f.dossier_in(p, "processing", step=1)
    url = reverse("backoffice:dossier", args=[d.code])
    assert as_user(p.specialist).get(url).status_code == 200
    assert as_user(p.commune_receptionist).get(url).status_code == 404
    # The public id works as well as the code.
    by_id = reverse("backoffice:dossier", args=[str(d.public_id)])
    assert as_user(p.specialist).get(by_id).status_code == 200


def test_the_403_page_says_which_role_the_page_needs(p, as_user):
    html = as_user(p.specialist).get(reverse("backoffice:intake")).content.decode()
    assert "Trang này dành cho cán bộ tiếp nhận, trả kết quả." in html
    html = as_user(p.receptionist).get(reverse("backoffice:approvals")).content.decode()
    assert "Trang này dành cho lãnh đạo cơ quan." in html
