"""Properties of the lifecycle over random action sequences (hypothesis)."""

from dataclasses import replace
from datetime import timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from motcua.dossiers.lifecycle import (
    FINAL_STATES,
    Action,
    ActorKind,
    Channel,
    DossierFacts,
    State,
    TransitionError,
    allowed_actions,
    apply,
    check,
    is_overdue,
    open_status,
)

from .helpers import DUE_AT, NOW

ACTORS = [*ActorKind, "manager"]
RESTING = {s for s in State if s != State.RECEIVED}
ENDING = {Action.REFUSE, Action.WITHDRAW, Action.STOP}
ALL_PAIRS = [(a, who) for a in Action for who in ACTORS]


def good_fields(action: Action, f: DossierFacts) -> dict:
    """Input that passes the field checks whenever the action itself is allowed."""
    return {
        Action.REQUEST_SUPPLEMENT: {"items": ["Bản sao giấy khai sinh"]},
        Action.REFUSE: {"reason": "Không đúng thẩm quyền"},
        Action.ASSIGN: {"officer": 7},
        Action.SEND_BACK: {"reason": "Bổ sung ý kiến"},
        Action.TRANSFER: {
            "to_agency": f"{f.agency or 'H15'}.9",
            "to_step": min(f.step_index + 1, f.steps - 1),
        },
        Action.EXTEND: {
            "reason": "Cần xác minh",
            "new_due_at": (f.due_at or DUE_AT) + timedelta(days=2),
        },
        Action.DENY: {"reason": "Không đủ điều kiện"},
        Action.STOP: {"reason": "Theo đề nghị"},
        Action.DELIVER: {"method": "counter", "recipient": "Trần Thị B"},
    }.get(action, {})


def invariant_problems(f: DossierFacts) -> list[str]:
    problems = []
    if f.state not in RESTING:
        problems.append("transient state")
    if f.supplement_requests > 1 or f.reception_supplement_requests > 1:
        problems.append("more than one supplement request")
    # Only a request during processing pauses (a payment after the decision never does).
    expected_pause = f.previous_state == State.PROCESSING and (
        f.state == State.SUPPLEMENTING
        or (f.state == State.AWAITING_PAYMENT and f.payment_pauses_clock)
    )
    if f.paused != expected_pause:
        problems.append("pause flag")
    # Exactly the waiting states know where they return to, and only to where they came from.
    returns = {
        State.SUPPLEMENTING: {State.DRAFT, State.SUBMITTED, State.PROCESSING},
        State.AWAITING_PAYMENT: {State.PROCESSING, State.DECIDED},
    }
    if f.previous_state not in returns.get(f.state, {None}):
        problems.append("previous_state")
    if f.after_decision and (f.in_processing or f.at_reception or f.paused):
        problems.append("decided yet processing")
    if f.after_decision and is_overdue(
        f.due_at,
        f.now + timedelta(days=400),
        f.state,
        payment_pauses_clock=False,
        previous_state=f.previous_state,
    ):
        problems.append("decided yet overdue")
    if (
        f.after_decision
        and open_status(
            f.due_at, f.now, f.state, payment_pauses_clock=False, previous_state=f.previous_state
        )
        is not None
    ):
        problems.append("decided yet open")
    accepted = f.in_processing or f.after_decision or f.state == State.RETURNED
    if accepted and f.received_at is None:
        problems.append("accepted without a receipt time")
    if f.at_reception and f.received_at is not None:
        problems.append("receipt time before acceptance")
    if not 0 <= f.step_index < max(f.steps, 1):
        problems.append("step out of range")
    return problems


MOSTLY_TRUE = st.sampled_from([True, True, True, False])
step = st.tuples(
    # 0: any action by anyone; 1: an allowed one; 2-4: an allowed one that does not end the
    # dossier (so that walks get deep into processing)
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=0, max_value=10_000),  # which one
    MOSTLY_TRUE,  # is the step officer
    MOSTLY_TRUE,  # belongs to the step's agency
    st.integers(min_value=-16, max_value=80),  # working hours left before the due time
    st.booleans(),  # send good fields (else none)
)


@settings(max_examples=400, deadline=None)
@given(
    channel=st.sampled_from(list(Channel)),
    steps=st.integers(min_value=1, max_value=5),
    pauses=st.booleans(),
    walk=st.lists(step, min_size=10, max_size=60),
)
def test_random_action_sequences_keep_every_invariant(channel, steps, pauses, walk):
    f = DossierFacts(
        state=State.DRAFT,
        now=NOW,
        channel=channel,
        steps=steps,
        agency="H15.50",
        payment_pauses_clock=pauses,
        due_at=None,
    )
    extensions = 0
    processing_requests = 0
    decisions = 0
    for steer, pick, officer, in_agency, hours, with_fields in walk:
        f = replace(
            f,
            is_current_step_officer=officer,
            actor_in_step_agency=in_agency,
            working_time_until_due=timedelta(hours=hours) if f.due_at else None,
        )
        candidates = [(a, who) for who in ACTORS for a in allowed_actions(f, who)]
        if steer >= 2:
            candidates = [(a, who) for a, who in candidates if a not in ENDING] or candidates
        if steer and candidates:
            action, actor = candidates[pick % len(candidates)]
        else:
            action, actor = ALL_PAIRS[pick % len(ALL_PAIRS)]
        was_final = f.state in FINAL_STATES
        decision = check(action, f, actor)
        assert decision.ok == (action in allowed_actions(f, actor))
        fields = good_fields(action, f) if with_fields else {}
        try:
            t = apply(action, f, actor, **fields)
        except TransitionError as error:
            assert not decision.ok or (not with_fields and error.code.endswith("_required"))
            continue
        assert decision.ok and not was_final
        assert t.from_state == f.state and t.to_state == t.facts_after.state
        assert all(1 <= code <= 10 for code in t.national_codes)
        if action == Action.PAY:
            # Back to where the fees were asked, and the decision is never undone or redone.
            assert t.to_state == f.previous_state
        if f.after_decision:
            # Paying for delivery neither pauses nor moves the due time.
            assert t.facts_after.due_at == f.due_at and "pause_clock" not in t.effects
            assert "resume_clock" not in t.effects
            assert t.to_state in (State.DECIDED, State.AWAITING_PAYMENT, State.RETURNED)
        decisions += action in (Action.APPROVE, Action.DENY)
        extensions += action == Action.EXTEND
        processing_requests += action == Action.REQUEST_SUPPLEMENT and f.state == State.PROCESSING
        if action == Action.ACCEPT:
            # Processing always has a due time; services compute it (COMPUTE_DUE).
            t = replace(t, facts_after=replace(t.facts_after, due_at=DUE_AT))
        f = t.facts_after
        event(f"reached {f.state.value}")
        event(f"did {action.value}")
        event(f"did {action.value} from {t.from_state.value}")
        assert invariant_problems(f) == [], (action, f)
    assert extensions <= 1 and processing_requests <= 1 and decisions <= 1
    if f.state in FINAL_STATES:
        assert all(allowed_actions(f, a) == [] for a in ACTORS)


@settings(max_examples=200, deadline=None)
@given(
    state=st.sampled_from(sorted(FINAL_STATES)),
    action=st.sampled_from(list(Action)),
    actor=st.sampled_from(ACTORS),
    officer=st.booleans(),
    in_agency=st.booleans(),
    steps=st.integers(min_value=1, max_value=5),
    data=st.data(),
)
def test_final_states_admit_no_action(state, action, actor, officer, in_agency, steps, data):
    f = DossierFacts(
        state=state,
        now=NOW,
        steps=steps,
        step_index=data.draw(st.integers(min_value=0, max_value=steps - 1)),
        is_current_step_officer=officer,
        actor_in_step_agency=in_agency,
        working_time_until_due=timedelta(hours=40),
        due_at=DUE_AT,
    )
    assert check(action, f, actor).codes == ["final_state"]


@settings(max_examples=200, deadline=None)
@given(
    actor=st.sampled_from(ACTORS),
    officer=st.booleans(),
    in_agency=st.booleans(),
    count=st.integers(min_value=1, max_value=5),
)
def test_no_second_supplement_request_during_processing(actor, officer, in_agency, count):
    f = DossierFacts(
        state=State.PROCESSING,
        now=NOW,
        steps=3,
        supplement_requests=count,
        is_current_step_officer=officer,
        actor_in_step_agency=in_agency,
    )
    decision = check(Action.REQUEST_SUPPLEMENT, f, actor)
    assert not decision.ok
    if actor in (ActorKind.RECEPTIONIST, ActorKind.SPECIALIST) and officer:
        assert decision.codes == ["supplement_already_requested"]


@settings(max_examples=200, deadline=None)
@given(
    pauses=st.booleans(),
    steps=st.integers(min_value=1, max_value=5),
    rounds=st.lists(st.sampled_from([ActorKind.APPLICANT, ActorKind.RECEPTIONIST]), max_size=4),
    late=st.integers(min_value=-100, max_value=2000),  # hours after the due time
)
def test_fees_after_the_decision_block_delivery_until_paid(pauses, steps, rounds, late):
    f = DossierFacts(
        state=State.DECIDED,
        now=NOW,
        steps=steps,
        step_index=steps - 1,
        received_at=NOW - timedelta(days=5),
        due_at=DUE_AT,
        payment_pauses_clock=pauses,
        actor_in_step_agency=True,
    )
    for payer in rounds:
        assert check(Action.DELIVER, f, ActorKind.RECEPTIONIST).ok
        waiting = apply(Action.REQUEST_PAYMENT, f, ActorKind.RECEPTIONIST).facts_after
        assert waiting.state == State.AWAITING_PAYMENT and waiting.state.national_code == 6
        assert check(Action.DELIVER, waiting, ActorKind.RECEPTIONIST).codes == ["state_not_allowed"]
        later = DUE_AT + timedelta(hours=late)
        assert not is_overdue(
            waiting.due_at,
            later,
            waiting.state,
            payment_pauses_clock=pauses,
            previous_state=waiting.previous_state,
        )
        f = apply(Action.PAY, waiting, payer).facts_after
        assert f.state == State.DECIDED and f.due_at == DUE_AT and not f.paused
    assert (
        apply(Action.DELIVER, f, ActorKind.RECEPTIONIST, method="online").to_state == State.RETURNED
    )
