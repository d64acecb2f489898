"""Worklists, visibility, filters, control sheet and allowed actions, scoped to the caller."""

from datetime import timedelta

import pytest

from motcua.dossiers import selectors, services
from motcua.dossiers.lifecycle import Action, Channel

from . import factories as f
from .factories import vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(db):
    yield from f.province_fixture()


def codes(qs):
    return sorted(d.code or f"draft-{d.pk}" for d in qs)


def test_visibility_applicant_officer_manager_superuser(p):
    mine = f.dossier_in(p, "processing", step=1)
    draft = f.dossier_in(p, "draft")
    theirs = f.dossier_in(p, "submitted", applicant_user=p.other_citizen)
    commune = f.dossier_in(
        p,
        "submitted",
        procedure=p.commune_procedure,
        applicant=f.applicant_data(commune="06652"),
        applicant_user=p.other_citizen,
    )
    everything = {mine.pk, draft.pk, theirs.pk, commune.pk}

    def visible(user):
        return set(selectors.dossiers_visible_to(user).values_list("pk", flat=True))

    assert visible(p.citizen) == {mine.pk, draft.pk}
    assert visible(p.other_citizen) == {theirs.pk, commune.pk}
    # Officers never see an online draft; the department sees what it decides.
    assert visible(p.receptionist) == {mine.pk, theirs.pk}
    assert visible(p.specialist) == {mine.pk, theirs.pk}
    assert visible(p.construction_specialist) == set()
    assert visible(p.commune_receptionist) == {commune.pk}
    assert visible(p.manager) == {mine.pk, theirs.pk, commune.pk}
    boss = f.make_user("root")
    boss.is_superuser = True
    boss.save()
    assert visible(boss) == everything
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()


def test_to_receive_lists_submitted_online_dossiers_at_my_centers_oldest_first(p):
    later = f.dossier_in(p, "submitted", now=vn(2025, 10, 8, 10))
    earlier = f.dossier_in(p, "submitted", now=vn(2025, 10, 8, 9))
    f.dossier_in(p, "processing", step=0)
    commune = f.dossier_in(
        p, "submitted", procedure=p.commune_procedure, applicant=f.applicant_data(commune="06652")
    )
    assert list(selectors.to_receive(p.receptionist)) == [earlier, later]
    assert list(selectors.to_receive(p.commune_receptionist)) == [commune]
    assert list(selectors.to_receive(p.specialist)) == []
    assert list(selectors.to_receive(p.citizen)) == []


def test_mine_is_what_is_assigned_to_me(p):
    at_step_1 = f.dossier_in(p, "processing", step=1)
    at_step_2 = f.dossier_in(p, "processing", step=2)
    assert list(selectors.mine(p.specialist)) == [at_step_1]
    assert list(selectors.mine(p.leader)) == [at_step_2]
    services.approve(at_step_2, p.leader, now=vn(2025, 10, 9, 9))
    assert list(selectors.mine(p.leader)) == []


def test_due_soon_and_overdue_are_derived_at_now(p):
    d = f.dossier_in(p, "processing", step=1)  # due Wednesday 15/10 10:00
    d2 = f.dossier_in(p, "processing", step=1, now=vn(2025, 10, 10, 9))  # due Fri 17/10 10:00
    tuesday = vn(2025, 10, 14, 10, 30)
    assert list(selectors.due_soon(p.specialist, now=tuesday)) == [d]
    assert list(selectors.due_soon(p.specialist, working_days=3, now=tuesday)) == [d, d2]
    assert list(selectors.due_soon(p.specialist, working_hours=4, now=tuesday)) == []
    assert list(selectors.overdue(p.specialist, now=tuesday)) == []
    thursday = vn(2025, 10, 16, 9)
    assert list(selectors.overdue(p.specialist, now=thursday)) == [d]
    assert list(selectors.overdue(p.leader, now=thursday)) == [d]  # held by the leader's agency
    assert list(selectors.overdue(p.construction_specialist, now=thursday)) == []
    assert list(selectors.overdue(p.specialist, now=thursday, apology_sent=False)) == [d]
    # Within one working day of Thursday 10:00: Friday 10:00 inclusive.
    assert list(selectors.due_soon(p.specialist, now=vn(2025, 10, 16, 10))) == [d2]
    assert list(selectors.due_soon(p.specialist, now=vn(2025, 10, 16, 9, 59))) == []
    # A paused dossier is not overdue.
    services.request_supplement(d, p.specialist, items=["Tờ khai"], now=vn(2025, 10, 14, 11))
    assert list(selectors.overdue(p.specialist, now=thursday)) == []
    assert list(selectors.waiting_for_supplement(p.specialist)) == [d]
    assert list(selectors.waiting_for_supplement(p.receptionist)) == [d]
    assert list(selectors.waiting_for_supplement(p.commune_specialist)) == []


def test_with_overdue_annotation(p):
    d = f.dossier_in(p, "processing", step=1)
    f.dossier_in(p, "submitted")
    rows = selectors.with_overdue(
        selectors.dossiers_visible_to(p.receptionist), now=vn(2025, 10, 20, 9)
    )
    assert {(r.pk, r.is_overdue) for r in rows if r.pk == d.pk} == {(d.pk, True)}
    assert sum(r.is_overdue for r in rows) == 1


def test_filters(p):
    an = f.dossier_in(p, "processing", step=1, applicant=f.applicant_data(name="Đặng Thị Hồng"))
    binh = f.dossier_in(
        p,
        "submitted",
        now=vn(2025, 10, 9, 9),
        applicant=f.applicant_data(name="Lê Văn Bình", id_number="022090654321"),
    )
    base = selectors.dossiers_visible_to(p.receptionist)

    def run(**kw):
        return list(selectors.filter_dossiers(base, now=vn(2025, 10, 20, 9), **kw))

    assert run(search="dang thi hong") == [an]
    assert run(search="Đặng hồng") == [an]
    assert run(search="654321") == [binh]
    assert run(search=binh.code.lower()) == [binh]
    assert run(state="submitted") == [binh]
    assert set(run(state=["submitted", "processing"])) == {an, binh}
    assert set(run(agency=p.justice)) == {an, binh}
    assert run(agency=p.construction) == []
    assert run(assigned_to=p.specialist) == [an]
    assert run(overdue=True) == [an]
    assert run(overdue=False) == [binh]
    assert set(run(procedure=p.procedure.code)) == {an, binh}
    assert run(procedure=p.commune_procedure) == []


def test_control_sheet_flags(p):
    d = f.dossier_in(p, "processing", step=0)
    d = services.forward(d, p.receptionist, officer=p.specialist, now=vn(2025, 10, 9, 9))
    lines = selectors.control_sheet(d, now=vn(2025, 10, 14, 12))
    assert [(line.index, line.on_time, line.overdue) for line in lines] == [
        (0, False, False),  # forwarded Thursday, due Wednesday 15:30
        (1, None, True),  # open, due Tuesday 10:00
    ]
    assert lines[1].agency == p.justice and lines[1].officer == p.specialist


def test_allowed_actions_for_each_person(p):
    submitted = f.dossier_in(p, "submitted")
    assert selectors.allowed_actions_for(submitted, p.citizen, now=f.T0) == [Action.WITHDRAW]
    assert selectors.allowed_actions_for(submitted, p.receptionist, now=f.T0) == [
        Action.ACCEPT,
        Action.REQUEST_SUPPLEMENT,
        Action.REFUSE,
    ]
    assert selectors.allowed_actions_for(submitted, p.specialist, now=f.T0) == []
    d = f.dossier_in(p, "processing", step=1)
    now = vn(2025, 10, 9, 9)
    assert selectors.allowed_actions_for(d, p.specialist, now=now) == [
        Action.REQUEST_SUPPLEMENT,
        Action.FORWARD,
        Action.SEND_BACK,
        Action.TRANSFER,
        Action.REQUEST_PAYMENT,
        Action.EXTEND,
    ]
    assert selectors.allowed_actions_for(d, p.leader, now=now) == [
        Action.ASSIGN,
        Action.EXTEND,
        Action.DENY,
    ]
    # On the last working day before the due time the apology is no longer offered.
    late = vn(2025, 10, 14, 11)
    assert Action.EXTEND not in selectors.allowed_actions_for(d, p.leader, now=late)
    assert selectors.allowed_actions_for(d, p.receptionist, now=now) == [Action.STOP]
    assert selectors.allowed_actions_for(d, p.construction_leader, now=now) == []


def test_worklists_fetch_related_rows_in_one_query(p, django_assert_num_queries):
    for i in range(3):
        f.dossier_in(p, "submitted", now=vn(2025, 10, 8, 9) + timedelta(minutes=i))
    qs = selectors.to_receive(p.receptionist)
    list(qs)  # the scope lookups happen when the queryset is built
    with django_assert_num_queries(1):
        rows = [
            (d.code, d.procedure.name, d.receiving_agency.e_id, d.current_agency.e_id)
            for d in qs.all()
        ]
    assert len(rows) == 3


def test_counter_drafts_are_visible_to_their_center(p):
    d = f.dossier_in(p, "draft", channel=Channel.COUNTER)
    assert d in selectors.dossiers_visible_to(p.receptionist)
    assert d not in selectors.dossiers_visible_to(p.citizen)
