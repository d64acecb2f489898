import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError

from motcua.agencies.models import Membership, Role
from motcua.agencies.roles import (
    ADMINISTERED_APPS,
    ROLE_GROUPS,
    ensure_role_groups,
    project_app_labels,
    role_permissions,
)
from motcua.agencies.services import grant_role, revoke_role

pytestmark = pytest.mark.django_db


def codes(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_role_groups_exist_after_migrate():
    # post_migrate built them when the test database was created.
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_GROUPS.values())
    assert ROLE_GROUPS[Role.RECEPTIONIST] == "Cán bộ tiếp nhận"


def test_ensure_role_groups_is_idempotent_and_restores_permissions():
    groups = ensure_role_groups()
    groups[Role.MANAGER].permissions.add(Permission.objects.get(codename="delete_agency"))
    again = ensure_role_groups()
    assert Group.objects.filter(name__in=ROLE_GROUPS.values()).count() == len(ROLE_GROUPS)
    assert again[Role.MANAGER].pk == groups[Role.MANAGER].pk
    assert "agencies.delete_agency" not in codes(again[Role.MANAGER])


def test_administrator_has_every_permission_of_the_administered_apps():
    admin = codes(ensure_role_groups()[Role.ADMINISTRATOR])
    assert {"agencies.add_agency", "agencies.change_membership", "agencies.delete_counter"} <= admin
    installed = [label for label in ADMINISTERED_APPS if apps.is_installed(f"motcua.{label}")]
    for label in installed:
        expected = {
            f"{label}.{codename}"
            for codename in Permission.objects.filter(content_type__app_label=label).values_list(
                "codename", flat=True
            )
        }
        assert expected <= admin, label
    assert {"auth.add_user", "auth.change_user", "auth.view_user"} <= admin
    assert "auth.delete_user" not in admin
    assert not any(code.startswith("auth.") and "group" in code for code in admin)


def test_manager_views_everything_and_changes_nothing():
    manager = codes(ensure_role_groups()[Role.MANAGER])
    assert "agencies.view_agency" in manager
    assert all(code.split(".")[1].startswith("view_") for code in manager)
    views_of_project = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(
            content_type__app_label__in=project_app_labels(), codename__startswith="view_"
        )
    }
    assert views_of_project <= manager


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.SPECIALIST, Role.LEADER])
def test_counter_roles_only_view_agencies(role):
    perms = codes(ensure_role_groups()[role])
    assert "agencies.view_agency" in perms
    assert {code.split(".")[0] for code in perms} == {"agencies"}
    assert all(".view_" in code for code in perms)


def test_unknown_role_is_refused(tree, make_user):
    with pytest.raises(ValueError):
        role_permissions("janitor")
    with pytest.raises(ValueError):
        grant_role(make_user("x"), tree.justice, "janitor")


def test_grant_role_adds_the_group_and_staff_only_for_admin_roles(tree, make_user):
    clerk, boss = make_user("clerk"), make_user("boss")
    grant_role(clerk, tree.center, Role.RECEPTIONIST, counter=tree.counter1)
    grant_role(boss, tree.committee, Role.MANAGER)
    clerk.refresh_from_db()
    boss.refresh_from_db()
    assert list(clerk.groups.values_list("name", flat=True)) == ["Cán bộ tiếp nhận"]
    assert not clerk.is_staff
    assert boss.is_staff
    assert boss.has_perm("agencies.view_agency")
    assert not boss.has_perm("agencies.change_agency")
    assert Membership.objects.get(user=clerk).counter == tree.counter1


def test_grant_role_is_idempotent_and_reactivates(tree, make_user):
    user = make_user("u")
    first = grant_role(user, tree.justice, Role.SPECIALIST)
    revoke_role(user, tree.justice, Role.SPECIALIST)
    again = grant_role(user, tree.justice, Role.SPECIALIST)
    assert again.pk == first.pk and again.is_active
    assert Membership.objects.filter(user=user).count() == 1


def test_grant_role_rejects_a_counter_of_another_agency(tree, make_user):
    user = make_user("u")
    with pytest.raises(ValidationError):
        grant_role(user, tree.commune_center, Role.RECEPTIONIST, counter=tree.counter1)
    assert not Membership.objects.filter(user=user).exists()
    assert not user.groups.exists()


def test_revoke_role_keeps_the_group_while_another_membership_needs_it(tree, make_user):
    user = make_user("u")
    grant_role(user, tree.justice, Role.LEADER)
    grant_role(user, tree.construction, Role.LEADER)
    assert revoke_role(user, tree.justice, Role.LEADER) is True
    assert user.groups.filter(name="Lãnh đạo").exists()
    assert revoke_role(user, tree.construction, Role.LEADER) is True
    assert not user.groups.filter(name="Lãnh đạo").exists()
    assert revoke_role(user, tree.construction, Role.LEADER) is False
    # Kept for history, inactive.
    assert Membership.objects.filter(user=user, is_active=False).count() == 2


def test_revoking_the_last_admin_role_removes_staff_but_not_from_superusers(tree, make_user):
    user = make_user("u")
    grant_role(user, tree.committee, Role.ADMINISTRATOR)
    user.refresh_from_db()
    assert user.is_staff and user.has_perm("agencies.change_agency")
    revoke_role(user, tree.committee, Role.ADMINISTRATOR)
    user.refresh_from_db()
    assert not user.is_staff

    root = make_user("root", is_superuser=True, is_staff=True)
    grant_role(root, tree.committee, Role.ADMINISTRATOR)
    revoke_role(root, tree.committee, Role.ADMINISTRATOR)
    root.refresh_from_db()
    assert root.is_staff


def test_sync_leaves_other_groups_alone(tree, make_user):
    user = make_user("u")
    other = Group.objects.create(name="Ban biên tập cổng")
    user.groups.add(other)
    grant_role(user, tree.justice, Role.SPECIALIST)
    revoke_role(user, tree.justice, Role.SPECIALIST)
    assert list(user.groups.all()) == [other]
