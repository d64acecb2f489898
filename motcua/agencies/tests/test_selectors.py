import datetime

import pytest

from motcua.agencies import selectors
from motcua.agencies.models import Agency, AgencyKind, Membership, Role
from motcua.agencies.services import change_e_id, grant_role

pytestmark = pytest.mark.django_db


def test_receptionist_scope_is_exactly_their_agency(tree, make_user):
    user = make_user("r")
    grant_role(user, tree.center, Role.RECEPTIONIST, counter=tree.counter1)
    assert selectors.agency_scope(user) == {tree.center.id}
    assert tree.commune_center.id not in selectors.agency_scope(user)
    assert selectors.agency_scope(user, Role.LEADER) == set()


def test_receptionist_of_a_has_no_scope_on_b(tree, make_user):
    user = make_user("r")
    grant_role(user, tree.commune_center, Role.RECEPTIONIST)
    assert tree.center.id not in selectors.agency_scope(user)
    assert not selectors.has_role(user, tree.center, Role.RECEPTIONIST)
    assert selectors.has_role(user, tree.commune_center, Role.RECEPTIONIST)


def test_leader_of_a_department_does_not_cover_a_sibling_or_the_parent(tree, make_user):
    user = make_user("l")
    grant_role(user, tree.justice, Role.LEADER)
    scope = selectors.agency_scope(user)
    assert scope == {tree.justice.id}
    assert tree.construction.id not in scope
    assert tree.committee.id not in scope


def test_specialist_of_the_committee_does_not_cover_its_children(tree, make_user):
    user = make_user("s")
    grant_role(user, tree.committee, Role.SPECIALIST)
    assert selectors.agency_scope(user) == {tree.committee.id}


def test_manager_of_the_province_committee_covers_its_descendants(tree, make_user):
    user = make_user("m")
    grant_role(user, tree.committee, Role.MANAGER)
    expected = tree.all_ids - {tree.police.id}  # a vertical agency is not below the province
    assert selectors.agency_scope(user) == expected
    assert tree.commune_center.id in selectors.agency_scope(user, Role.MANAGER)
    assert selectors.agency_scope(user, Role.RECEPTIONIST) == set()


def test_administrator_of_a_commune_covers_only_that_commune(tree, make_user):
    user = make_user("a")
    grant_role(user, tree.commune_committee, Role.ADMINISTRATOR)
    assert selectors.agency_scope(user) == {tree.commune_committee.id, tree.commune_center.id}
    assert set(selectors.agencies_in_scope(user)) == {tree.commune_committee, tree.commune_center}


def test_scope_unions_memberships_and_filters_by_several_roles(tree, make_user):
    user = make_user("u")
    grant_role(user, tree.justice, Role.LEADER)
    grant_role(user, tree.commune_committee, Role.MANAGER)
    assert selectors.agency_scope(user) == {
        tree.justice.id,
        tree.commune_committee.id,
        tree.commune_center.id,
    }
    assert selectors.agency_scope(user, [Role.LEADER, Role.SPECIALIST]) == {tree.justice.id}


def test_inactive_membership_gives_nothing(tree, make_user):
    user = make_user("u")
    grant_role(user, tree.committee, Role.MANAGER)
    Membership.objects.filter(user=user).update(is_active=False)
    assert selectors.agency_scope(user) == set()
    assert not selectors.has_role(user, tree.committee, Role.MANAGER)
    assert not selectors.is_staff_member(user)
    assert not selectors.memberships_of(user).exists()


def test_inactive_user_gives_nothing(tree, make_user):
    user = make_user("u")
    grant_role(user, tree.committee, Role.ADMINISTRATOR)
    user.is_active = False
    user.save()
    assert selectors.agency_scope(user) == set()
    assert not selectors.is_staff_member(user)
    assert not selectors.has_role(user, tree.committee, Role.ADMINISTRATOR)


def test_anonymous_and_citizens_have_no_scope(tree, make_user):
    from django.contrib.auth.models import AnonymousUser

    assert selectors.agency_scope(AnonymousUser()) == set()
    assert not selectors.is_staff_member(AnonymousUser())
    citizen = make_user("c")
    assert selectors.agency_scope(citizen) == set()
    assert not selectors.is_staff_member(citizen)


def test_superuser_scope_is_every_agency_but_holds_no_role(tree, make_user):
    root = make_user("root", is_superuser=True)
    assert selectors.agency_scope(root) == tree.all_ids
    assert selectors.agency_scope(root, Role.LEADER) == tree.all_ids
    assert selectors.is_staff_member(root)
    assert not selectors.has_role(root, tree.justice, Role.LEADER)
    assert selectors.agencies_in_scope(root).count() == Agency.objects.count()


def test_memberships_of_lists_active_ones_with_agency(tree, make_user):
    user = make_user("u")
    grant_role(user, tree.justice, Role.LEADER)
    grant_role(user, tree.construction, Role.SPECIALIST)
    Membership.objects.filter(agency=tree.construction).update(is_active=False)
    assert [(m.agency, m.role) for m in selectors.memberships_of(user)] == [
        (tree.justice, Role.LEADER)
    ]
    assert selectors.is_staff_member(user)


def test_descendants_survive_a_cycle_in_the_data(tree):
    # Data written around clean() (e.g. raw SQL) must not hang the scope computation.
    Agency.objects.filter(pk=tree.committee.pk).update(parent=tree.commune_center)
    found = selectors.descendant_ids([tree.commune_committee.id])
    assert found == {tree.commune_committee.id, tree.commune_center.id, tree.committee.id} | {
        tree.justice.id,
        tree.construction.id,
        tree.center.id,
    }


def test_can_administer_user(tree, make_user):
    admin = make_user("adm")
    grant_role(admin, tree.commune_committee, Role.ADMINISTRATOR)
    local, province_clerk, newcomer = make_user("l"), make_user("p"), make_user("n")
    grant_role(local, tree.commune_center, Role.RECEPTIONIST)
    grant_role(province_clerk, tree.center, Role.RECEPTIONIST)
    root = make_user("root", is_superuser=True)
    assert selectors.can_administer_user(admin, local)
    assert selectors.can_administer_user(admin, newcomer)
    assert not selectors.can_administer_user(admin, province_clerk)
    assert not selectors.can_administer_user(admin, root)
    # One membership outside the scope is enough to refuse.
    grant_role(local, tree.center, Role.SPECIALIST)
    assert not selectors.can_administer_user(admin, local)
    manager = make_user("m")
    grant_role(manager, tree.committee, Role.MANAGER)
    assert not selectors.can_administer_user(manager, newcomer)
    assert selectors.can_administer_user(root, province_clerk)


def test_change_e_id_keeps_history_and_old_codes_resolve(tree):
    change_e_id(tree.justice, "h22.13.1", effective=datetime.date(2025, 7, 1))
    tree.justice.refresh_from_db()
    assert tree.justice.e_id == "H22.13.1"
    old = tree.justice.code_history.get()
    assert (old.e_id, old.valid_from, old.valid_until) == (
        "H22.13",
        None,
        datetime.date(2025, 6, 30),
    )
    change_e_id(tree.justice, "H22.13.2", effective=datetime.date(2026, 1, 1))
    newest = tree.justice.code_history.order_by("-valid_until").first()
    assert (newest.e_id, newest.valid_from) == ("H22.13.1", datetime.date(2025, 7, 1))

    assert selectors.agency_by_e_id("h22.13.2") == tree.justice
    assert selectors.agency_by_e_id("H22.13") == tree.justice
    assert selectors.agency_by_e_id("H22.13", on=datetime.date(2025, 6, 1)) == tree.justice
    assert selectors.agency_by_e_id("H22.99") is None
    # The freed code given to a new agency: dates tell the two apart.
    newcomer = Agency.objects.create(e_id="H22.13", name="Sở mới", kind=AgencyKind.DEPARTMENT)
    assert selectors.agency_by_e_id("H22.13") == newcomer
    assert selectors.agency_by_e_id("H22.13", on=datetime.date(2025, 6, 1)) == tree.justice
    assert selectors.agency_by_e_id("H22.13", on=datetime.date(2025, 8, 1)) == newcomer


def test_change_e_id_refuses_a_taken_or_malformed_code(tree):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        change_e_id(tree.justice, "H22.16")
    with pytest.raises(ValidationError):
        change_e_id(tree.justice, "H22..16")
    assert not tree.justice.code_history.exists()
    change_e_id(tree.justice, "H22.13")  # unchanged: no history row
    assert not tree.justice.code_history.exists()


def test_full_name_in_vietnamese_order(make_user):
    assert selectors.full_name(make_user("a", last_name="Nguyễn Văn", first_name="An")) == (
        "Nguyễn Văn An"
    )
    assert selectors.full_name(make_user("b")) == "b"
