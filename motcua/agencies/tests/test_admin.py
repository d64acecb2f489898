import pytest
from django.contrib.auth import get_user_model
from django.forms import MultiWidget
from django.urls import reverse

from motcua.agencies.models import Agency, Membership, Role
from motcua.agencies.services import grant_role

pytestmark = pytest.mark.django_db


def post_data(response) -> dict:
    """The data a browser would send back for an admin change page, unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
        forms += formset.forms
    for form in forms:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            bound = form[name]
            value = bound.value()
            if isinstance(field.widget, MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif value is not None:
                data[bound.html_name] = str(value)
    return data


@pytest.fixture
def root_client(client, make_user):
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def commune_admin(client, make_user, tree):
    """An administrator of the commune committee, logged in."""
    user = make_user("xa.admin")
    grant_role(user, tree.commune_committee, Role.ADMINISTRATOR)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:agencies_administrativeunit_changelist",
        "admin:agencies_agency_changelist",
        "admin:agencies_counter_changelist",
        "admin:agencies_membership_changelist",
        "admin:auth_user_changelist",
        "admin:auth_user_add",
        "admin:agencies_agency_add",
        "admin:agencies_counter_add",
        "admin:agencies_membership_add",
    ],
)
def test_pages_render_for_a_superuser(root_client, tree, url_name):
    response = root_client.get(reverse(url_name))
    assert response.status_code == 200
    assert "Mộtcửa" in response.content.decode()


def test_change_pages_render_with_their_inlines(root_client, tree, make_user):
    page = root_client.get(reverse("admin:agencies_agency_change", args=[tree.center.pk]))
    assert page.status_code == 200
    prefixes = {inline.formset.prefix for inline in page.context["inline_admin_formsets"]}
    assert prefixes == {"counters", "code_history"}
    page = root_client.get(reverse("admin:agencies_agency_change", args=[tree.justice.pk]))
    prefixes = {inline.formset.prefix for inline in page.context["inline_admin_formsets"]}
    assert prefixes == {"code_history"}  # no counters outside centers
    user = make_user("clerk")
    grant_role(user, tree.center, Role.RECEPTIONIST, counter=tree.counter1)
    page = root_client.get(reverse("admin:auth_user_change", args=[user.pk]))
    assert page.status_code == 200
    assert "Cán bộ tiếp nhận" in page.content.decode()
    unit = root_client.get(
        reverse("admin:agencies_administrativeunit_change", args=[tree.commune.pk])
    )
    assert unit.status_code == 200


def test_unit_search_ignores_diacritics_and_matches_code_prefixes(root_client, tree):
    url = reverse("admin:agencies_administrativeunit_changelist")
    found = root_client.get(url, {"q": "ha long"}).context["cl"].result_list
    assert list(found) == [tree.commune]
    found = root_client.get(url, {"q": "Hạ Long"}).context["cl"].result_list
    assert list(found) == [tree.commune]
    found = root_client.get(url, {"q": "066"}).context["cl"].result_list
    assert list(found) == [tree.commune]
    found = root_client.get(url, {"q": "hai phong"}).context["cl"].result_list
    assert list(found) == []


def test_agency_search_by_folded_name_and_e_id(root_client, tree):
    url = reverse("admin:agencies_agency_changelist")
    found = root_client.get(url, {"q": "so tu phap"}).context["cl"].result_list
    assert list(found) == [tree.justice]
    found = root_client.get(url, {"q": "h22.06688"}).context["cl"].result_list
    assert set(found) == {tree.commune_committee, tree.commune_center}


def test_units_cannot_be_added_or_deleted(root_client, tree):
    assert root_client.get(reverse("admin:agencies_administrativeunit_add")).status_code == 403
    url = reverse("admin:agencies_administrativeunit_delete", args=[tree.commune.pk])
    assert root_client.post(url, {"post": "yes"}).status_code == 403
    tree.commune.refresh_from_db()


def test_changing_the_e_id_in_the_admin_records_the_old_code(root_client, tree):
    url = reverse("admin:agencies_agency_change", args=[tree.justice.pk])
    data = post_data(root_client.get(url))
    data["e_id"] = "h22.13.1"
    response = root_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    tree.justice.refresh_from_db()
    assert tree.justice.e_id == "H22.13.1"
    assert list(tree.justice.code_history.values_list("e_id", flat=True)) == ["H22.13"]


def test_user_admin_membership_inline_syncs_groups_and_staff(root_client, tree, make_user):
    user = make_user("new.manager")
    url = reverse("admin:auth_user_change", args=[user.pk])
    data = post_data(root_client.get(url))
    data.update(
        {
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-agency": str(tree.committee.pk),
            "memberships-0-role": Role.MANAGER,
            "memberships-0-is_active": "on",
        }
    )
    response = root_client.post(url, data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["Quản lý, giám sát"]


def test_membership_admin_delete_syncs_groups(root_client, tree, make_user):
    user = make_user("u")
    membership = grant_role(user, tree.committee, Role.MANAGER)
    url = reverse("admin:agencies_membership_delete", args=[membership.pk])
    assert root_client.post(url, {"post": "yes"}).status_code == 302
    user.refresh_from_db()
    assert not user.is_staff and not user.groups.exists()


def test_commune_administrator_sees_only_their_scope(commune_admin, tree):
    response = commune_admin.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {tree.commune_committee, tree.commune_center}
    outside = commune_admin.get(reverse("admin:agencies_agency_change", args=[tree.justice.pk]))
    assert outside.status_code == 302  # "does not exist" for this user
    counters = commune_admin.get(reverse("admin:agencies_counter_changelist"))
    assert list(counters.context["cl"].result_list) == []


def test_commune_administrator_cannot_pick_agencies_outside_scope(commune_admin, tree, make_user):
    user = make_user("local")
    response = commune_admin.post(
        reverse("admin:agencies_membership_add"),
        {
            "user": user.pk,
            "agency": tree.committee.pk,
            "role": Role.ADMINISTRATOR,
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # form redisplayed with an error
    assert "agency" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(user=user).exists()
    response = commune_admin.post(
        reverse("admin:agencies_membership_add"),
        {
            "user": user.pk,
            "agency": tree.commune_center.pk,
            "role": Role.RECEPTIONIST,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert user.groups.filter(name="Cán bộ tiếp nhận").exists()


def test_commune_administrator_cannot_take_over_accounts(commune_admin, tree, make_user):
    root = get_user_model().objects.create_superuser("boss", password="pw")
    province_clerk = make_user("province.clerk")
    grant_role(province_clerk, tree.center, Role.RECEPTIONIST)
    local = make_user("local.clerk")
    grant_role(local, tree.commune_center, Role.RECEPTIONIST)

    users = commune_admin.get(reverse("admin:auth_user_changelist")).context["cl"].result_list
    assert root not in users
    assert commune_admin.get(reverse("admin:auth_user_change", args=[root.pk])).status_code == 302
    password_url = reverse("admin:auth_user_password_change", args=[province_clerk.pk])
    response = commune_admin.post(
        password_url, {"password1": "Chiem-quyen-2026", "password2": "Chiem-quyen-2026"}
    )
    assert response.status_code == 403
    province_clerk.refresh_from_db()
    assert province_clerk.check_password("pw")

    # Their own commune's clerk: editable, but not into a superuser.
    url = reverse("admin:auth_user_change", args=[local.pk])
    page = commune_admin.get(url)
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    data = post_data(page)
    data.update({"is_superuser": "on", "is_staff": "on", "last_name": "Đỗ"})
    assert commune_admin.post(url, data).status_code == 302
    local.refresh_from_db()
    assert local.last_name == "Đỗ"
    assert not local.is_superuser and not local.is_staff


def test_manager_views_but_cannot_change(client, tree, make_user):
    manager = make_user("m")
    grant_role(manager, tree.committee, Role.MANAGER)
    client.force_login(manager)
    url = reverse("admin:agencies_agency_change", args=[tree.justice.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = post_data(page)
    data["name"] = "Đổi tên"
    assert client.post(url, data).status_code == 403
    assert Agency.objects.get(pk=tree.justice.pk).name == "Sở Tư pháp"


def test_receptionists_do_not_reach_the_admin(client, tree, make_user):
    clerk = make_user("clerk")
    grant_role(clerk, tree.center, Role.RECEPTIONIST)
    client.force_login(clerk)
    response = client.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def autocomplete(client, model, field, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": term, "app_label": "agencies", "model_name": model, "field_name": field},
    )
    assert response.status_code == 200
    return {item["text"] for item in response.json()["results"]}


def test_unit_autocomplete_ignores_diacritics(root_client, tree):
    assert autocomplete(root_client, "agency", "unit", "ha long") == {"Phường Hạ Long (06688)"}


def test_counter_center_autocomplete_offers_only_centers(root_client, tree):
    assert autocomplete(root_client, "counter", "center", "") == {"Trung tâm tỉnh", "TT xã"}


def test_agency_autocomplete_is_limited_to_the_scope(commune_admin, tree):
    assert autocomplete(commune_admin, "membership", "agency", "") == {
        "UBND phường Hạ Long",
        "TT xã",
    }


def test_commune_administrator_creates_a_clerk_with_a_role(commune_admin, tree):
    response = commune_admin.post(
        reverse("admin:auth_user_add"),
        {
            "username": "tiepnhan.moi",
            "usable_password": "true",
            "password1": "Mat-khau-rat-manh-2026",
            "password2": "Mat-khau-rat-manh-2026",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-agency": str(tree.commune_center.pk),
            "memberships-0-role": Role.RECEPTIONIST,
            "memberships-0-is_active": "on",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    clerk = get_user_model().objects.get(username="tiepnhan.moi")
    assert list(clerk.groups.values_list("name", flat=True)) == ["Cán bộ tiếp nhận"]
    assert not clerk.is_staff
