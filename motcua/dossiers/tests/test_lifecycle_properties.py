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
    expected_pause = (f.state == State.SUPPLEMENTING and f.previous_state == State.PROCESSING) or (
        f.state == State.AWAITING_PAYMENT and f.payment_pauses_clock
    )
    if f.paused != expected_pause:
        problems.append("pause flag")
    if (f.previous_state is not None) != (f.state == State.SUPPLEMENTING):
        problems.append("previous_state")
    accepted = f.in_processing or f.state in (State.DECIDED, State.RETURNED)
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
        extensions += action == Action.EXTEND
        processing_requests += action == Action.REQUEST_SUPPLEMENT and f.state == State.PROCESSING
        if action == Action.ACCEPT:
            # Processing always has a due time; services compute it (COMPUTE_DUE).
            t = replace(t, facts_after=replace(t.facts_after, due_at=DUE_AT))
        f = t.facts_after
        event(f"reached {f.state.value}")
        event(f"did {action.value}")
        assert invariant_problems(f) == [], (action, f)
    assert extensions <= 1 and processing_requests <= 1
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
