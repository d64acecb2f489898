"""Every transition of the dossier lifecycle and every denial: who, from which state, guards."""

from datetime import datetime, timedelta

import pytest

from motcua.dossiers.lifecycle import (
    FINAL_STATES,
    NATIONAL_CODES,
    RULES,
    Action,
    ActorKind,
    Channel,
    DeliveryMethod,
    DossierFacts,
    Effect,
    State,
    TransitionError,
    allowed_actions,
    apply,
    check,
)
from motcua.dossiers.regimes import FormKind, Regime

from .helpers import DUE_AT, NOW, RECEIVED_AT, at, facts

APPLICANT, RECEPTIONIST, SPECIALIST, LEADER = (
    ActorKind.APPLICANT,
    ActorKind.RECEPTIONIST,
    ActorKind.SPECIALIST,
    ActorKind.LEADER,
)
STAFF = {RECEPTIONIST, SPECIALIST, LEADER}
ACTORS = [APPLICANT, RECEPTIONIST, SPECIALIST, LEADER, "manager", "administrator"]
OPEN = {State.SUBMITTED, State.PROCESSING, State.SUPPLEMENTING, State.AWAITING_PAYMENT}

# domain.md §3 restated independently of the module: who, from which states, to which state.
SPEC = {
    Action.SUBMIT: ({APPLICANT}, {State.DRAFT}, State.SUBMITTED),
    Action.ACCEPT: ({RECEPTIONIST}, {State.DRAFT, State.SUBMITTED}, State.PROCESSING),
    Action.REQUEST_SUPPLEMENT: (
        {RECEPTIONIST, SPECIALIST},
        {State.DRAFT, State.SUBMITTED, State.PROCESSING},
        State.SUPPLEMENTING,
    ),
    Action.SUPPLEMENT: ({APPLICANT, RECEPTIONIST}, {State.SUPPLEMENTING}, None),
    Action.REFUSE: (
        {RECEPTIONIST},
        {State.DRAFT, State.SUBMITTED, State.SUPPLEMENTING},
        State.REFUSED,
    ),
    Action.ASSIGN: ({LEADER}, {State.PROCESSING}, State.PROCESSING),
    Action.FORWARD: (STAFF, {State.PROCESSING}, State.PROCESSING),
    Action.SEND_BACK: (STAFF, {State.PROCESSING}, State.PROCESSING),
    Action.TRANSFER: (STAFF, {State.PROCESSING}, State.PROCESSING),
    # During processing, or after the decision before the result is handed over.
    Action.REQUEST_PAYMENT: (STAFF, {State.PROCESSING, State.DECIDED}, State.AWAITING_PAYMENT),
    # Back to where the fees were asked (previous_state: processing or decided).
    Action.PAY: ({APPLICANT, RECEPTIONIST}, {State.AWAITING_PAYMENT}, None),
    Action.EXTEND: (STAFF, {State.PROCESSING}, State.PROCESSING),
    Action.APPROVE: ({LEADER}, {State.PROCESSING}, State.DECIDED),
    Action.DENY: ({LEADER}, {State.PROCESSING}, State.DECIDED),
    Action.STOP: (
        {RECEPTIONIST},
        {State.PROCESSING, State.SUPPLEMENTING, State.AWAITING_PAYMENT},
        State.STOPPED,
    ),
    Action.WITHDRAW: ({APPLICANT}, OPEN, State.WITHDRAWN),
    Action.DELIVER: ({RECEPTIONIST}, {State.DECIDED}, State.RETURNED),
}
RESTING = [s for s in State if s != State.RECEIVED]
# Narrower than the table in one place: at reception only the receptionist requests supplements.
ACTORS_AT = {
    (Action.REQUEST_SUPPLEMENT, State.SUBMITTED): {RECEPTIONIST},
    (Action.REQUEST_SUPPLEMENT, State.DRAFT): {RECEPTIONIST},
    # After the decision, who may hand over the result asks for the fees due before it.
    (Action.REQUEST_PAYMENT, State.DECIDED): {RECEPTIONIST},
}


def codes(action, f, actor):
    return check(action, f, actor).codes


def raises(action, f, actor, code, **fields):
    with pytest.raises(TransitionError) as info:
        apply(action, f, actor, **fields)
    assert code in [v.code for v in info.value.violations], info.value.violations
    return info.value


# --- the table ---------------------------------------------------------------------------------


def test_the_rule_table_covers_every_action_as_specified():
    assert set(RULES) == set(Action) == set(SPEC)
    for action, (actors, from_states, to_state) in SPEC.items():
        rule = RULES[action]
        assert rule.actors == actors, action
        assert rule.from_states == from_states, action
        assert rule.to_state == to_state, action


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", RESTING)
def test_who_and_from_which_state(action, state):
    """Each (state, actor) pair is denied for the right reason, and only for it."""
    actors, from_states, _to = SPEC[action]
    actors = ACTORS_AT.get((action, state), actors)
    f = facts(state, channel=Channel.COUNTER if state == State.DRAFT else Channel.ONLINE)
    for actor in ACTORS:
        found = codes(action, f, actor)
        if state in FINAL_STATES:
            assert found == ["final_state"]
            continue
        assert ("actor_not_allowed" in found) == (actor not in actors), (actor, found)
        assert ("state_not_allowed" in found) == (state not in from_states), (actor, found)


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_final_states_admit_no_action(state):
    f = facts(state)
    for actor in ACTORS:
        assert allowed_actions(f, actor) == []
    with pytest.raises(TransitionError) as info:
        apply(Action.WITHDRAW, f, APPLICANT)
    assert info.value.code == "final_state"
    assert "Hồ sơ đã kết thúc" in str(info.value.message)


def test_states_carry_national_codes_and_vietnamese_labels():
    assert {s.value: s.national_code for s in State} == {
        "draft": None,
        "submitted": 1,
        "received": 2,
        "refused": 3,
        "processing": 4,
        "supplementing": 5,
        "awaiting_payment": 6,
        "withdrawn": 7,
        "stopped": 8,
        "decided": 9,
        "returned": 10,
    }
    assert len(set(NATIONAL_CODES.values())) == 10
    assert str(State.PROCESSING.label) == "Đang xử lý"
    assert str(State.SUPPLEMENTING.label) == "Chờ bổ sung hồ sơ"
    assert FINAL_STATES == {State.REFUSED, State.WITHDRAWN, State.STOPPED, State.RETURNED}
    assert [c.national_code for c in Channel] == [1, 2, 3]


def test_staff_actor_kinds_are_the_agency_roles():
    from django.apps import apps

    if not apps.ready:
        pytest.skip("needs Django's app registry (run under pytest-django)")
    from motcua.agencies.models import Role

    for kind in STAFF:
        assert kind.value in Role.values
        assert str(kind.label) == str(Role(kind.value).label)
    # A Role member works wherever an actor is expected.
    assert Action.APPROVE in allowed_actions(facts(step_index=2), Role.LEADER)


def test_a_dossier_never_rests_in_received():
    with pytest.raises(ValueError, match="received"):
        DossierFacts(state=State.RECEIVED, now=NOW)


@pytest.mark.parametrize(
    "kw",
    [
        {"steps": 3, "step_index": 3},
        {"steps": 3, "step_index": -1},
        {"steps": 0, "step_index": 1},
        {"supplement_requests": -1},
        {"working_day": timedelta(0)},
    ],
)
def test_inconsistent_facts_are_rejected(kw):
    with pytest.raises(ValueError):
        DossierFacts(state=State.PROCESSING, now=NOW, **{"steps": 3, **kw})


def test_a_supplementing_dossier_must_know_where_it_returns():
    with pytest.raises(ValueError, match="previous_state"):
        DossierFacts(state=State.SUPPLEMENTING, now=NOW)
    with pytest.raises(ValueError):
        DossierFacts(state=State.SUPPLEMENTING, now=NOW, previous_state=State.AWAITING_PAYMENT)


@pytest.mark.parametrize("previous", [State.SUBMITTED, State.SUPPLEMENTING, State.RETURNED])
def test_a_dossier_awaiting_payment_returns_only_to_processing_or_decided(previous):
    with pytest.raises(ValueError, match="previous_state"):
        DossierFacts(state=State.AWAITING_PAYMENT, now=NOW, steps=2, previous_state=previous)


def test_awaiting_payment_without_previous_state_was_asked_during_processing():
    # Rows written before payment after the decision existed carry no previous_state.
    f = DossierFacts(state=State.AWAITING_PAYMENT, now=NOW, steps=2)
    assert f.previous_state == State.PROCESSING and f.in_processing and not f.after_decision


def test_plain_strings_are_accepted_and_normalised():
    f = DossierFacts(state="processing", now=NOW, channel="counter", steps=2, regime="nd61_2018")
    assert f.state is State.PROCESSING and f.channel is Channel.COUNTER
    assert f.regime is Regime.ND61_2018
    assert check("forward", at(f, is_current_step_officer=True), "specialist").ok


# --- submit --------------------------------------------------------------------------------------


def test_submit_online_draft():
    t = apply(Action.SUBMIT, facts(State.DRAFT), APPLICANT)
    assert (t.from_state, t.to_state) == (State.DRAFT, State.SUBMITTED)
    assert t.effects == (Effect.ENTER_QUEUE,)
    assert t.national_codes == (1,)


@pytest.mark.parametrize("channel", [Channel.COUNTER, Channel.POSTAL])
def test_only_online_drafts_are_submitted(channel):
    raises(Action.SUBMIT, facts(State.DRAFT, channel=channel), APPLICANT, "not_online_dossier")


# --- accept --------------------------------------------------------------------------------------


def test_accept_a_submitted_dossier_starts_processing_at_the_first_step():
    t = apply(Action.ACCEPT, facts(State.SUBMITTED), RECEPTIONIST)
    assert (t.from_state, t.via, t.to_state) == (
        State.SUBMITTED,
        (State.RECEIVED,),
        State.PROCESSING,
    )
    assert (t.from_step, t.to_step) == (0, 0)
    assert t.national_codes == (2, 4)
    assert t.effects == (
        Effect.ISSUE_CODE,
        Effect.RECORD_RECEIVED,
        Effect.START_CLOCK,
        Effect.COMPUTE_DUE,
        Effect.ISSUE_RECEIPT,
    )
    assert t.forms == (FormKind.RECEIPT,)
    assert t.facts_after.received_at == NOW
    assert t.facts_after.in_processing


@pytest.mark.parametrize("channel", [Channel.COUNTER, Channel.POSTAL])
def test_accept_a_new_counter_or_postal_dossier(channel):
    t = apply(Action.ACCEPT, facts(State.DRAFT, channel=channel), RECEPTIONIST)
    assert t.to_state == State.PROCESSING and t.via == (State.RECEIVED,)


def test_an_online_draft_cannot_be_accepted_before_it_is_submitted():
    raises(Action.ACCEPT, facts(State.DRAFT), RECEPTIONIST, "online_dossier_not_submitted")


def test_accept_needs_an_internal_process():
    raises(Action.ACCEPT, facts(State.SUBMITTED, steps=0), RECEPTIONIST, "no_process_steps")


def test_accept_takes_the_regime_of_the_day_of_receipt():
    before = datetime(2025, 6, 30, 16, 0, tzinfo=NOW.tzinfo)
    assert apply(Action.ACCEPT, facts(State.SUBMITTED, now=before), RECEPTIONIST).regime == (
        Regime.ND61_2018
    )
    assert apply(Action.ACCEPT, facts(State.SUBMITTED), RECEPTIONIST).regime == Regime.ND118_2025


# --- request_supplement / supplement -----------------------------------------------------------

ITEMS = ["Bản sao giấy khai sinh", "Tờ khai có chữ ký"]


def test_request_supplement_at_reception_does_not_pause_the_clock():
    t = apply(Action.REQUEST_SUPPLEMENT, facts(State.SUBMITTED), RECEPTIONIST, items=ITEMS)
    assert t.to_state == State.SUPPLEMENTING
    assert t.effects == (Effect.ISSUE_SUPPLEMENT_REQUEST,)
    assert t.fields["items"] == tuple(ITEMS)
    after = t.facts_after
    assert after.previous_state == State.SUBMITTED and not after.paused
    assert (after.reception_supplement_requests, after.supplement_requests) == (1, 0)
    assert after.at_reception


def test_a_counter_draft_may_be_asked_for_supplements_at_the_desk():
    f = facts(State.DRAFT, channel=Channel.COUNTER)
    t = apply(Action.REQUEST_SUPPLEMENT, f, RECEPTIONIST, items=ITEMS)
    after = t.facts_after
    assert after.previous_state == State.DRAFT and not after.paused and after.at_reception
    assert after.reception_supplement_requests == 1
    # The supplements bring it back to the desk as a draft, to be accepted or refused there.
    back = apply(Action.SUPPLEMENT, after, RECEPTIONIST)
    assert back.to_state == State.DRAFT
    assert Action.ACCEPT in allowed_actions(back.facts_after, RECEPTIONIST)
    assert Action.REQUEST_SUPPLEMENT not in allowed_actions(back.facts_after, RECEPTIONIST)
    assert Action.REFUSE in allowed_actions(after, RECEPTIONIST)


def test_an_online_draft_is_not_asked_for_supplements():
    f = facts(State.DRAFT, channel=Channel.ONLINE)
    raises(Action.REQUEST_SUPPLEMENT, f, RECEPTIONIST, "online_dossier_not_submitted", items=ITEMS)


def test_at_reception_only_the_receptionist_requests_supplements():
    e = raises(
        Action.REQUEST_SUPPLEMENT,
        facts(State.SUBMITTED),
        SPECIALIST,
        "actor_not_allowed",
        items=ITEMS,
    )
    assert "cán bộ tiếp nhận" in str(e.message)


def test_only_one_supplement_request_at_reception():
    f = facts(State.SUBMITTED, reception_supplement_requests=1)
    raises(
        Action.REQUEST_SUPPLEMENT,
        f,
        RECEPTIONIST,
        "supplement_already_requested_at_reception",
        items=ITEMS,
    )


def test_request_supplement_during_processing_pauses_the_clock():
    t = apply(Action.REQUEST_SUPPLEMENT, facts(), SPECIALIST, items=ITEMS)
    assert t.effects == (Effect.ISSUE_SUPPLEMENT_REQUEST, Effect.PAUSE_CLOCK)
    assert t.forms == (FormKind.SUPPLEMENT_REQUEST,)
    after = t.facts_after
    assert after.previous_state == State.PROCESSING and after.paused
    assert after.supplement_requests == 1 and after.step_index == 1


def test_a_second_supplement_request_during_processing_is_refused_with_its_reason():
    f = facts(supplement_requests=1)
    for actor in (SPECIALIST, RECEPTIONIST):
        e = raises(Action.REQUEST_SUPPLEMENT, f, actor, "supplement_already_requested", items=ITEMS)
        assert e.code == "supplement_already_requested"
        assert "lần thứ hai" in str(e.message)


def test_a_request_at_reception_leaves_the_processing_request_available():
    f = facts(reception_supplement_requests=1)
    assert apply(Action.REQUEST_SUPPLEMENT, f, SPECIALIST, items=ITEMS).to_state == (
        State.SUPPLEMENTING
    )


def test_during_processing_only_the_step_officer_requests_supplements():
    f = facts(is_current_step_officer=False)
    raises(Action.REQUEST_SUPPLEMENT, f, SPECIALIST, "not_step_officer", items=ITEMS)
    assert codes(Action.REQUEST_SUPPLEMENT, f, LEADER) == ["actor_not_allowed"]


@pytest.mark.parametrize("items", [None, [], "Giấy khai sinh", ["  "], ["Tờ khai", ""]])
def test_a_supplement_request_lists_every_item(items):
    kw = {} if items is None else {"items": items}
    raises(Action.REQUEST_SUPPLEMENT, facts(), SPECIALIST, "items_required", **kw)


@pytest.mark.parametrize("actor", [APPLICANT, RECEPTIONIST])
def test_supplement_returns_to_processing_and_resumes_the_clock(actor):
    t = apply(Action.SUPPLEMENT, facts(State.SUPPLEMENTING), actor)
    assert (t.from_state, t.to_state) == (State.SUPPLEMENTING, State.PROCESSING)
    assert t.effects == (Effect.RECORD_SUPPLEMENT, Effect.RESUME_CLOCK)
    assert not t.facts_after.paused and t.facts_after.previous_state is None
    assert t.facts_after.supplement_requests == 1  # the count stays: one request per dossier


def test_supplement_at_reception_returns_to_submitted_without_clock():
    f = facts(State.SUPPLEMENTING, previous_state=State.SUBMITTED)
    t = apply(Action.SUPPLEMENT, f, APPLICANT)
    assert t.to_state == State.SUBMITTED
    assert t.effects == (Effect.RECORD_SUPPLEMENT,)


def test_after_supplementing_a_second_request_is_still_refused():
    t = apply(Action.SUPPLEMENT, facts(State.SUPPLEMENTING), APPLICANT)
    after = at(t.facts_after, is_current_step_officer=True)
    assert codes(Action.REQUEST_SUPPLEMENT, after, SPECIALIST) == ["supplement_already_requested"]


# --- refuse ---------------------------------------------------------------------------------------


def test_refuse_at_reception_with_reason():
    t = apply(Action.REFUSE, facts(State.SUBMITTED), RECEPTIONIST, reason="  Sai thủ tục  ")
    assert t.to_state == State.REFUSED and t.to_state.is_final
    assert t.effects == (Effect.ISSUE_REFUSAL,) and t.forms == (FormKind.REFUSAL,)
    assert t.fields["reason"] == "Sai thủ tục"
    assert t.national_codes == (3,)


def test_refuse_a_counter_dossier_and_one_awaiting_supplements_at_reception():
    assert (
        apply(
            Action.REFUSE, facts(State.DRAFT, channel=Channel.COUNTER), RECEPTIONIST, reason="x"
        ).to_state
        == State.REFUSED
    )
    f = facts(State.SUPPLEMENTING, previous_state=State.SUBMITTED)
    t = apply(Action.REFUSE, f, RECEPTIONIST, reason="Không bổ sung")
    assert t.to_state == State.REFUSED and t.facts_after.previous_state is None


def test_refuse_is_only_at_reception():
    assert codes(Action.REFUSE, facts(State.SUPPLEMENTING), RECEPTIONIST) == ["not_at_reception"]
    assert codes(Action.REFUSE, facts(), RECEPTIONIST) == ["state_not_allowed"]
    raises(Action.REFUSE, facts(State.DRAFT), RECEPTIONIST, "online_dossier_not_submitted")


@pytest.mark.parametrize("reason", [None, "", "   ", 42])
def test_refuse_needs_a_reason(reason):
    kw = {} if reason is None else {"reason": reason}
    e = raises(Action.REFUSE, facts(State.SUBMITTED), RECEPTIONIST, "reason_required", **kw)
    assert str(e.message) == "Phải nêu lý do."


# --- assign ---------------------------------------------------------------------------------------


def test_assign_by_the_leader_of_the_step_agency():
    t = apply(Action.ASSIGN, facts(is_current_step_officer=False), LEADER, officer=17)
    assert t.to_state == State.PROCESSING and not t.step_changed
    assert t.effects == (Effect.SET_STEP_OFFICER,) and t.fields["officer"] == 17


def test_assign_denials():
    f = facts(actor_in_step_agency=False)
    raises(Action.ASSIGN, f, LEADER, "not_step_agency_leader", officer=17)
    assert codes(Action.ASSIGN, facts(), SPECIALIST) == ["actor_not_allowed"]
    raises(Action.ASSIGN, facts(), LEADER, "officer_required")
    raises(Action.ASSIGN, facts(), LEADER, "officer_required", officer=" ")


# --- forward / send_back --------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [RECEPTIONIST, SPECIALIST, LEADER])
def test_forward_moves_to_the_next_step(actor):
    t = apply(Action.FORWARD, facts(step_index=0), actor)
    assert (t.from_step, t.to_step, t.to_state) == (0, 1, State.PROCESSING)
    assert t.effects == (Effect.CLOSE_STEP, Effect.RECORD_CONTROL_SHEET)
    assert not t.facts_after.is_current_step_officer


def test_forward_is_not_past_the_last_step():
    e = raises(Action.FORWARD, facts(step_index=2), SPECIALIST, "last_step")
    assert "phê duyệt" in str(e.message)


def test_forward_only_by_the_step_officer():
    raises(Action.FORWARD, facts(is_current_step_officer=False), LEADER, "not_step_officer")


def test_send_back_with_reason():
    t = apply(Action.SEND_BACK, facts(step_index=2), SPECIALIST, reason="Thiếu ý kiến thẩm định")
    assert (t.from_step, t.to_step) == (2, 1)
    assert Effect.RECORD_CONTROL_SHEET in t.effects


def test_send_back_denials():
    raises(Action.SEND_BACK, facts(step_index=0), SPECIALIST, "first_step", reason="x")
    raises(Action.SEND_BACK, facts(), SPECIALIST, "reason_required")
    f = facts(is_current_step_officer=False)
    raises(Action.SEND_BACK, f, SPECIALIST, "not_step_officer", reason="x")


# --- transfer -------------------------------------------------------------------------------------


def test_transfer_to_the_next_step_at_another_agency():
    t = apply(Action.TRANSFER, facts(step_index=1), SPECIALIST, to_agency="H15.22")
    assert (t.to_state, t.from_step, t.to_step) == (State.PROCESSING, 1, 2)
    assert t.effects == (Effect.CLOSE_STEP, Effect.RECORD_CONTROL_SHEET, Effect.CHANGE_AGENCY)
    after = t.facts_after
    assert after.agency == "H15.22"
    assert not after.actor_in_step_agency and not after.is_current_step_officer


def test_transfer_to_the_same_step_reroutes_the_dossier():
    t = apply(Action.TRANSFER, facts(step_index=2), SPECIALIST, to_agency="H15.22", to_step=2)
    assert t.to_step == 2 and not t.step_changed


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({}, "to_agency_required"),
        ({"to_agency": ""}, "to_agency_required"),
        ({"to_agency": "H15.50"}, "same_agency"),
        ({"to_agency": "H15.22", "to_step": 0}, "invalid_to_step"),
        ({"to_agency": "H15.22", "to_step": 3}, "invalid_to_step"),
        ({"to_agency": "H15.22", "to_step": "2"}, "invalid_to_step"),
        ({"to_agency": "H15.22", "to_step": True}, "invalid_to_step"),
    ],
)
def test_transfer_field_checks(kw, code):
    raises(Action.TRANSFER, facts(step_index=1), SPECIALIST, code, **kw)


def test_transfer_at_the_last_step_needs_an_explicit_step():
    raises(Action.TRANSFER, facts(step_index=2), SPECIALIST, "invalid_to_step", to_agency="X1")


def test_transfer_only_by_the_step_officer():
    f = facts(is_current_step_officer=False)
    raises(Action.TRANSFER, f, SPECIALIST, "not_step_officer", to_agency="H15.22")


# --- request_payment / pay ------------------------------------------------------------------------


def test_payment_round_trip_pauses_and_resumes():
    t = apply(Action.REQUEST_PAYMENT, facts(), SPECIALIST)
    assert t.to_state == State.AWAITING_PAYMENT
    assert t.effects == (Effect.CREATE_PAYMENT_REQUEST, Effect.PAUSE_CLOCK)
    back = apply(Action.PAY, t.facts_after, RECEPTIONIST)  # the cashier
    assert back.to_state == State.PROCESSING and back.to_step == 1
    assert back.effects == (Effect.RECORD_PAYMENT, Effect.RESUME_CLOCK)
    assert not back.facts_after.paused


def test_payment_without_pausing_when_configured():
    t = apply(Action.REQUEST_PAYMENT, facts(payment_pauses_clock=False), SPECIALIST)
    assert t.effects == (Effect.CREATE_PAYMENT_REQUEST,) and not t.facts_after.paused
    assert apply(Action.PAY, t.facts_after, APPLICANT).effects == (Effect.RECORD_PAYMENT,)


def test_payment_denials():
    f = facts(is_current_step_officer=False)
    raises(Action.REQUEST_PAYMENT, f, SPECIALIST, "not_step_officer")
    assert codes(Action.PAY, facts(State.AWAITING_PAYMENT), SPECIALIST) == ["actor_not_allowed"]
    assert codes(Action.PAY, facts(), APPLICANT) == ["state_not_allowed"]
    # A second request while one waits: not from awaiting_payment.
    waiting = facts(State.AWAITING_PAYMENT, previous_state=State.DECIDED, paused=False)
    assert codes(Action.REQUEST_PAYMENT, waiting, RECEPTIONIST) == ["state_not_allowed"]


def decided(**kw):
    """Decided at the last step: the receptionist at the return step holds the dossier."""
    base = dict(step_index=2, is_current_step_officer=False, actor_in_step_agency=True)
    return facts(State.DECIDED, **{**base, **kw})


@pytest.mark.parametrize("pauses", [True, False])
def test_payment_after_the_decision_waits_and_returns_to_decided(pauses):
    f = decided(payment_pauses_clock=pauses)
    t = apply(Action.REQUEST_PAYMENT, f, RECEPTIONIST)
    assert t.to_state == State.AWAITING_PAYMENT and t.national_codes == (6,)
    # The clock stopped at the decision: nothing pauses, the due time stays.
    assert t.effects == (Effect.CREATE_PAYMENT_REQUEST,)
    after = t.facts_after
    assert after.previous_state == State.DECIDED and not after.paused
    assert after.after_decision and not after.in_processing and after.due_at == DUE_AT
    assert check(Action.DELIVER, after, RECEPTIONIST).codes == ["state_not_allowed"]
    for payer in (APPLICANT, RECEPTIONIST):
        back = apply(Action.PAY, after, payer)
        assert back.to_state == State.DECIDED and back.national_codes == (9,)
        assert back.effects == (Effect.RECORD_PAYMENT,)
        assert back.facts_after.previous_state is None and not back.facts_after.paused
        assert back.facts_after.due_at == DUE_AT and back.to_step == 2
        assert check(Action.DELIVER, back.facts_after, RECEPTIONIST).ok


def test_payment_during_processing_returns_to_processing_and_forgets_where_from():
    t = apply(Action.REQUEST_PAYMENT, facts(), SPECIALIST)
    assert t.facts_after.previous_state == State.PROCESSING and t.facts_after.in_processing
    back = apply(Action.PAY, t.facts_after, APPLICANT)
    assert back.to_state == State.PROCESSING and back.facts_after.previous_state is None


def test_after_the_decision_only_a_receptionist_asks_for_payment():
    # The step officer and the leader of the decision step no longer hold the dossier.
    for actor in (SPECIALIST, LEADER):
        error = raises(
            Action.REQUEST_PAYMENT,
            decided(is_current_step_officer=True),
            actor,
            "actor_not_allowed",
        )
        assert error.code == "actor_not_allowed"
        assert "trả kết quả" in str(error.message)
    # The receptionist needs no assignment: the dossier waits at the desk.
    assert check(Action.REQUEST_PAYMENT, decided(), RECEPTIONIST).ok
    assert Action.REQUEST_PAYMENT in allowed_actions(decided(), RECEPTIONIST)
    assert Action.REQUEST_PAYMENT not in allowed_actions(decided(), SPECIALIST)


def test_awaiting_payment_after_the_decision_cannot_be_stopped_or_withdrawn():
    after = apply(Action.REQUEST_PAYMENT, decided(), RECEPTIONIST).facts_after
    assert codes(Action.STOP, after, RECEPTIONIST) == ["already_decided"]
    assert codes(Action.WITHDRAW, after, APPLICANT) == ["already_decided"]
    assert codes(Action.EXTEND, after, SPECIALIST) == ["state_not_allowed"]
    assert allowed_actions(after, APPLICANT) == [Action.PAY]
    assert allowed_actions(after, RECEPTIONIST) == [Action.PAY]
    assert allowed_actions(after, LEADER) == []


# --- extend ---------------------------------------------------------------------------------------

NEW_DUE = DUE_AT + timedelta(days=3)


def test_extend_once_with_apology_and_a_later_due_time():
    t = apply(Action.EXTEND, facts(), SPECIALIST, reason="Cần xác minh", new_due_at=NEW_DUE)
    assert t.to_state == State.PROCESSING and not t.step_changed
    assert t.effects == (Effect.ISSUE_APOLOGY, Effect.MOVE_DUE)
    assert t.forms == (FormKind.APOLOGY,)
    assert t.facts_after.due_at == NEW_DUE and t.facts_after.extended
    assert t.fields["new_due_at"] == NEW_DUE


def test_extend_only_once():
    e = raises(
        Action.EXTEND,
        facts(extended=True),
        SPECIALIST,
        "already_extended",
        reason="x",
        new_due_at=NEW_DUE,
    )
    assert "một lần" in str(e.message)


@pytest.mark.parametrize(
    ("left", "allowed"),
    [
        (timedelta(hours=40), True),
        (timedelta(hours=8), True),  # exactly one working day before
        (timedelta(hours=7, minutes=59), False),
        (timedelta(0), False),
        (timedelta(hours=-3), False),  # already overdue
    ],
)
def test_extend_no_later_than_one_working_day_before_the_due_time(left, allowed):
    f = facts(working_time_until_due=left)
    assert check(Action.EXTEND, f, SPECIALIST).ok is allowed
    if not allowed:
        assert codes(Action.EXTEND, f, SPECIALIST) == ["extend_too_late"]


def test_extend_with_a_shorter_working_day():
    f = facts(working_time_until_due=timedelta(hours=7, minutes=30))
    assert not check(Action.EXTEND, f, SPECIALIST).ok
    assert check(Action.EXTEND, at(f, working_day=timedelta(hours=7, minutes=30)), SPECIALIST).ok


def test_extend_needs_a_due_time_and_the_working_time_left():
    assert codes(Action.EXTEND, facts(due_at=None), SPECIALIST) == ["no_due_time"]
    assert codes(Action.EXTEND, facts(working_time_until_due=None), SPECIALIST) == [
        "working_time_unknown"
    ]


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"new_due_at": NEW_DUE}, "reason_required"),
        ({"reason": "x"}, "new_due_at_required"),
        ({"reason": "x", "new_due_at": DUE_AT}, "new_due_not_later"),
        ({"reason": "x", "new_due_at": DUE_AT - timedelta(hours=1)}, "new_due_not_later"),
        ({"reason": "x", "new_due_at": datetime(2025, 10, 20, 9)}, "new_due_at_required"),
        ({"reason": "x", "new_due_at": "2025-10-20"}, "new_due_at_required"),
    ],
)
def test_extend_field_checks(kw, code):
    raises(Action.EXTEND, facts(), SPECIALIST, code, **kw)


def test_extend_by_the_officer_or_a_leader_of_the_step_agency():
    not_officer = facts(is_current_step_officer=False)
    assert check(Action.EXTEND, not_officer, LEADER).ok
    assert codes(Action.EXTEND, not_officer, SPECIALIST) == ["not_step_officer_or_leader"]
    outsider = at(not_officer, actor_in_step_agency=False)
    assert codes(Action.EXTEND, outsider, LEADER) == ["not_step_officer_or_leader"]


# --- approve / deny -------------------------------------------------------------------------------


def test_approve_at_the_last_step():
    t = apply(Action.APPROVE, facts(step_index=2, is_current_step_officer=False), LEADER)
    assert (t.to_state, t.to_step) == (State.DECIDED, 2)
    assert t.effects == (
        Effect.CLOSE_STEP,
        Effect.RECORD_CONTROL_SHEET,
        Effect.RECORD_RESULT,
        Effect.STOP_CLOCK,
    )
    assert t.national_codes == (9,)


def test_approve_denials():
    raises(Action.APPROVE, facts(step_index=1), LEADER, "not_last_step")
    f = facts(step_index=2, actor_in_step_agency=False)
    raises(Action.APPROVE, f, LEADER, "not_step_agency_leader")
    assert codes(Action.APPROVE, facts(step_index=2), SPECIALIST) == ["actor_not_allowed"]


def test_deny_with_reason_at_any_step():
    t = apply(Action.DENY, facts(step_index=0), LEADER, reason="Không đủ điều kiện")
    assert t.to_state == State.DECIDED
    assert t.effects == (Effect.CLOSE_STEP, Effect.RECORD_RESULT, Effect.STOP_CLOCK)
    raises(Action.DENY, facts(), LEADER, "reason_required")
    raises(Action.DENY, facts(actor_in_step_agency=False), LEADER, "not_step_agency_leader")


# --- stop / withdraw / deliver --------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.PROCESSING, State.SUPPLEMENTING, State.AWAITING_PAYMENT])
def test_stop_any_dossier_in_processing(state):
    t = apply(Action.STOP, facts(state), RECEPTIONIST, reason="Theo đề nghị của người nộp")
    assert t.to_state == State.STOPPED
    assert t.effects == (Effect.ISSUE_STOP_NOTICE, Effect.STOP_CLOCK)
    assert t.forms == (FormKind.STOP_NOTICE,)
    assert not t.facts_after.paused and t.facts_after.previous_state is None


def test_stop_under_the_old_regime_issues_no_stop_notice():
    f = facts(received_at=datetime(2025, 6, 30, 10, 0, tzinfo=NOW.tzinfo))
    t = apply(Action.STOP, f, RECEPTIONIST, reason="x")
    assert t.regime == Regime.ND61_2018
    assert t.effects == (Effect.STOP_CLOCK,) and t.forms == ()
    # A stored regime wins over the date.
    assert apply(Action.STOP, at(f, regime=Regime.ND118_2025), RECEPTIONIST, reason="x").forms == (
        FormKind.STOP_NOTICE,
    )


def test_stop_denials():
    f = facts(State.SUPPLEMENTING, previous_state=State.SUBMITTED)
    assert codes(Action.STOP, f, RECEPTIONIST) == ["not_processing"]
    assert codes(Action.STOP, facts(State.SUBMITTED), RECEPTIONIST) == ["state_not_allowed"]
    raises(Action.STOP, facts(), RECEPTIONIST, "reason_required")
    assert codes(Action.STOP, facts(), LEADER) == ["actor_not_allowed"]


@pytest.mark.parametrize("state", sorted(OPEN))
def test_withdraw_from_any_open_state(state):
    t = apply(Action.WITHDRAW, facts(state), APPLICANT)
    assert t.to_state == State.WITHDRAWN and t.national_codes == (7,)
    assert (Effect.STOP_CLOCK in t.effects) == (state != State.SUBMITTED)


def test_withdraw_while_supplementing_at_reception_stops_no_clock():
    f = facts(State.SUPPLEMENTING, previous_state=State.SUBMITTED)
    assert apply(Action.WITHDRAW, f, APPLICANT, reason="Không còn nhu cầu").effects == ()


def test_withdraw_is_not_allowed_once_decided_or_before_submission():
    assert codes(Action.WITHDRAW, facts(State.DECIDED), APPLICANT) == ["state_not_allowed"]
    assert codes(Action.WITHDRAW, facts(State.DRAFT), APPLICANT) == ["state_not_allowed"]
    assert codes(Action.WITHDRAW, facts(), RECEPTIONIST) == ["actor_not_allowed"]


@pytest.mark.parametrize("method", [DeliveryMethod.POST, DeliveryMethod.ONLINE, "post"])
def test_deliver(method):
    t = apply(Action.DELIVER, facts(State.DECIDED), RECEPTIONIST, method=method)
    assert t.to_state == State.RETURNED and t.to_state.is_final
    assert t.effects == (Effect.RECORD_DELIVERY,) and t.fields["method"] == DeliveryMethod(method)


def test_deliver_at_the_counter_records_who_collected():
    f = facts(State.DECIDED)
    raises(Action.DELIVER, f, RECEPTIONIST, "recipient_required", method="counter")
    t = apply(Action.DELIVER, f, RECEPTIONIST, method="counter", recipient="Nguyễn Văn A")
    assert t.fields["recipient"] == "Nguyễn Văn A"
    raises(Action.DELIVER, f, RECEPTIONIST, "method_required")
    raises(Action.DELIVER, f, RECEPTIONIST, "method_required", method="fax")


# --- API shape ------------------------------------------------------------------------------------


def test_allowed_actions_of_a_leader_at_the_last_step():
    f = facts(step_index=2)
    assert allowed_actions(f, LEADER) == [
        Action.ASSIGN,
        Action.SEND_BACK,
        Action.TRANSFER,
        Action.REQUEST_PAYMENT,
        Action.EXTEND,
        Action.APPROVE,
        Action.DENY,
    ]
    assert allowed_actions(f, APPLICANT) == [Action.WITHDRAW]
    assert allowed_actions(f, "manager") == []


def test_check_collects_every_violation_and_apply_reports_the_first():
    decision = check(Action.APPROVE, facts(State.SUBMITTED), SPECIALIST)
    assert not decision and decision.codes == ["actor_not_allowed", "state_not_allowed"]
    message = str(decision.violations[1].message)
    assert message == "Không thể thực hiện «Phê duyệt» khi hồ sơ ở trạng thái «Chờ tiếp nhận»."
    assert str(decision.violations[0].message) == (
        "Chuyên viên không được thực hiện thao tác «Phê duyệt»."
    )
    with pytest.raises(TransitionError) as info:
        apply(Action.APPROVE, facts(State.SUBMITTED), SPECIALIST)
    assert info.value.code == "actor_not_allowed" and len(info.value.violations) == 2
    assert str(info.value).startswith("actor_not_allowed: ")


def test_guards_and_field_checks_are_reported_together():
    f = facts(extended=True, working_time_until_due=timedelta(hours=1))
    with pytest.raises(TransitionError) as info:
        apply(Action.EXTEND, f, SPECIALIST)
    assert [v.code for v in info.value.violations] == [
        "already_extended",
        "extend_too_late",
    ]  # field checks wait until the action itself is allowed


def test_unknown_fields_are_a_programming_error():
    with pytest.raises(TypeError, match="reasn"):
        apply(Action.REFUSE, facts(State.SUBMITTED), RECEPTIONIST, reasn="x")


def test_a_note_is_accepted_everywhere():
    t = apply(Action.FORWARD, facts(step_index=0), SPECIALIST, note="  Đã thẩm định  ")
    assert t.fields["note"] == "Đã thẩm định"


def test_unknown_action_is_rejected():
    with pytest.raises(ValueError):
        check("archive", facts(), LEADER)


def test_facts_after_round_trips_through_a_whole_dossier():
    """Online submission to delivery, each step taken from the previous transition's facts."""
    f = facts(State.DRAFT, steps=2)
    walk = [
        (Action.SUBMIT, APPLICANT, {}),
        (Action.ACCEPT, RECEPTIONIST, {}),
        (Action.ASSIGN, LEADER, {"officer": 5}),
        (Action.FORWARD, SPECIALIST, {}),
        (Action.APPROVE, LEADER, {}),
        (Action.DELIVER, RECEPTIONIST, {"method": "online"}),
    ]
    codes_seen = []
    for action, actor, fields in walk:
        f = at(f, is_current_step_officer=True, actor_in_step_agency=True)
        t = apply(action, f, actor, **fields)
        codes_seen += t.national_codes
        f = t.facts_after
    assert f.state == State.RETURNED and f.received_at == NOW and RECEIVED_AT != NOW
    assert codes_seen == [1, 2, 4, 4, 4, 9, 10]
