import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from motcua.agencies import selectors
from motcua.agencies.demo import OPENING_HOURS, load_demo_province
from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, Counter, Membership, Role

pytestmark = pytest.mark.django_db
PASSWORD = "mat-khau-demo"
REQUIRED = ("admin", "tiepnhan", "chuyenvien", "lanhdao", "quanly", "congdan")


@pytest.fixture
def demo():
    return load_demo_province(PASSWORD)


def counts():
    return {
        "agencies": Agency.objects.count(),
        "counters": Counter.objects.count(),
        "memberships": Membership.objects.count(),
        "users": get_user_model().objects.count(),
        "units": AdministrativeUnit.objects.count(),
    }


def test_demo_loads_the_units_it_needs(demo):
    assert AdministrativeUnit.objects.count() == 34 + 3321
    assert demo["province"] == "Tỉnh Quảng Ninh"
    assert demo["province_code"] == "22"


def test_demo_structure(demo):
    by_kind = {kind: Agency.objects.filter(kind=kind).count() for kind in AgencyKind.values}
    assert by_kind == {
        "province_committee": 1,
        "service_center": 1,
        "department": 3,
        "vertical_agency": 1,
        "commune_committee": 4,
        "commune_center": 4,
    }
    assert demo["agencies"] == 14 == Agency.objects.count()
    committee = Agency.objects.get(e_id="H22")
    assert committee.name == "Ủy ban nhân dân tỉnh Quảng Ninh"
    assert committee.kind == AgencyKind.PROVINCE_COMMITTEE
    center = Agency.objects.get(e_id="H22.40")
    assert center.kind == AgencyKind.SERVICE_CENTER and center.parent == committee
    assert center.opening_hours == OPENING_HOURS
    assert center.address and center.hotline.startswith("0203 ")
    assert list(center.counters.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert {a.e_id: a.name for a in Agency.objects.filter(kind=AgencyKind.DEPARTMENT)} == {
        "H22.07": "Sở Tài chính",
        "H22.13": "Sở Tư pháp",
        "H22.16": "Sở Xây dựng",
    }
    police = Agency.objects.get(kind=AgencyKind.VERTICAL_AGENCY)
    assert police.name == "Công an tỉnh Quảng Ninh" and police.parent is None
    justice_counter = center.counters.get(number=1)
    assert list(justice_counter.served_agencies.values_list("e_id", flat=True)) == ["H22.13"]

    province = AdministrativeUnit.objects.get(code="22")
    for commune_committee in Agency.objects.filter(kind=AgencyKind.COMMUNE_COMMITTEE):
        unit = commune_committee.unit
        assert unit.province == province and unit.level == "commune"
        assert commune_committee.parent == committee
        assert commune_committee.name == f"Ủy ban nhân dân {unit.inline_name}"
        assert commune_committee.hotline and commune_committee.address
        commune_center = commune_committee.children.get()
        assert commune_center.kind == AgencyKind.COMMUNE_CENTER
        assert commune_center.unit == unit
        assert commune_center.counters.count() == 2
    # A varied sample: wards, communes and the special zone of the province.
    types = set(
        Agency.objects.filter(kind=AgencyKind.COMMUNE_COMMITTEE).values_list(
            "unit__division_type", flat=True
        )
    )
    assert types == {"Phường", "Xã", "Đặc khu"}
    for agency in Agency.objects.all():
        agency.full_clean()  # every e-ID passes QĐ 20/2020 validation


def test_demo_returns_the_logins(demo):
    users = {username: (role, agency) for username, role, agency in demo["users"]}
    assert set(REQUIRED) <= set(users)
    assert users["tiepnhan"] == (
        "Cán bộ tiếp nhận",
        "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
    )
    assert users["lanhdao"] == ("Lãnh đạo", "Sở Tư pháp")
    assert users["congdan"] == ("Công dân", "")
    assert sum(name.startswith("tiepnhan.") for name in users) == 4
    assert PASSWORD not in repr(demo)


def test_demo_is_idempotent(demo):
    before = counts()
    again = load_demo_province(PASSWORD)
    assert counts() == before
    assert again == demo


def test_demo_updates_what_was_changed(demo):
    Agency.objects.filter(e_id="H22.40").update(hotline="", is_active=False)
    get_user_model().objects.filter(username="tiepnhan").update(is_active=False)
    load_demo_province("mat-khau-moi")
    center = Agency.objects.get(e_id="H22.40")
    assert center.hotline and center.is_active
    assert Client().login(username="tiepnhan", password="mat-khau-moi")
    assert not Client().login(username="tiepnhan", password=PASSWORD)


@pytest.mark.parametrize("username", REQUIRED)
def test_required_users_log_in(demo, username):
    assert Client().login(username=username, password=PASSWORD)
    assert not Client().login(username=username, password="sai")


def test_required_users_have_the_right_roles_and_scope(demo):
    User = get_user_model()
    agencies = {a.e_id: a for a in Agency.objects.all()}
    every = set(Agency.objects.values_list("id", flat=True))
    below_province = every - {agencies["H22.70"].id}

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert selectors.has_role(admin, agencies["H22"], Role.ADMINISTRATOR)
    assert selectors.agency_scope(admin) == every

    tiepnhan = User.objects.get(username="tiepnhan")
    assert not tiepnhan.is_staff and not tiepnhan.is_superuser
    assert selectors.agency_scope(tiepnhan) == {agencies["H22.40"].id}
    assert selectors.memberships_of(tiepnhan).get().counter.number == 1

    for username, role in (("chuyenvien", Role.SPECIALIST), ("lanhdao", Role.LEADER)):
        user = User.objects.get(username=username)
        assert selectors.agency_scope(user) == {agencies["H22.13"].id}
        assert selectors.has_role(user, agencies["H22.13"], role)
        assert not selectors.has_role(user, agencies["H22.16"], role)
        assert not user.is_staff

    quanly = User.objects.get(username="quanly")
    assert quanly.is_staff and not quanly.is_superuser
    assert selectors.agency_scope(quanly) == below_province
    assert quanly.has_perm("agencies.view_agency")
    assert not quanly.has_perm("agencies.change_agency")

    congdan = User.objects.get(username="congdan")
    assert not congdan.is_staff and not congdan.is_superuser
    assert not congdan.memberships.exists()
    assert selectors.agency_scope(congdan) == set()
    assert not selectors.is_staff_member(congdan)
    assert selectors.full_name(congdan) == "Hoàng Văn Nam"


def test_commune_staff_are_scoped_to_their_commune(demo):
    User = get_user_model()
    clerk = User.objects.filter(username__startswith="tiepnhan.").order_by("username").first()
    (membership,) = selectors.memberships_of(clerk)
    assert membership.agency.kind == AgencyKind.COMMUNE_CENTER
    assert membership.counter.center == membership.agency
    assert clerk.username == f"tiepnhan.{membership.agency.unit.codename}"
    assert selectors.agency_scope(clerk) == {membership.agency.id}


def test_demo_of_another_province(settings):
    settings.MOTCUA_PROVINCE_CODE = 1
    result = load_demo_province(PASSWORD)
    assert result["province"] == "Thành phố Hà Nội"
    assert Agency.objects.get(e_id="H01").name == "Ủy ban nhân dân thành phố Hà Nội"
    assert Agency.objects.get(e_id="H01.70").name == "Công an thành phố Hà Nội"
    assert Agency.objects.get(e_id="H01.40").hotline.startswith("024 ")


def test_demo_refuses_an_unknown_province(settings):
    settings.MOTCUA_PROVINCE_CODE = 99
    with pytest.raises(ImproperlyConfigured):
        load_demo_province(PASSWORD)


def test_demo_needs_a_password():
    with pytest.raises(ValueError):
        load_demo_province("")
