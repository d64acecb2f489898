"""Builders of lifecycle facts for the tests."""

from dataclasses import replace
from datetime import datetime, timedelta

from motcua.dossiers.lifecycle import Channel, DossierFacts, State
from motcua.worktime.deadlines import VN_TZ

NOW = datetime(2025, 10, 8, 9, 0, tzinfo=VN_TZ)  # a Wednesday, under NĐ 118/2025
RECEIVED_AT = datetime(2025, 10, 6, 9, 0, tzinfo=VN_TZ)
DUE_AT = datetime(2025, 10, 15, 9, 0, tzinfo=VN_TZ)
PROCESSING_STAGE = {
    State.PROCESSING,
    State.AWAITING_PAYMENT,
    State.DECIDED,
    State.RETURNED,
    State.STOPPED,
}


def facts(state=State.PROCESSING, **kw) -> DossierFacts:
    """A consistent snapshot in `state`; the actor holds every relation unless told otherwise."""
    state = State(state)
    base = dict(
        state=state,
        now=NOW,
        channel=Channel.ONLINE,
        steps=3,
        step_index=1,
        is_current_step_officer=True,
        actor_in_step_agency=True,
        working_time_until_due=timedelta(hours=40),
        agency="H15.50",
    )
    if state == State.SUPPLEMENTING:
        base["previous_state"] = kw.get("previous_state", State.PROCESSING)
    accepted = state in PROCESSING_STAGE or base.get("previous_state") == State.PROCESSING
    if accepted:
        base.update(received_at=RECEIVED_AT, due_at=DUE_AT)
    else:
        base.update(step_index=0, working_time_until_due=None)
    if state == State.SUPPLEMENTING and base["previous_state"] == State.PROCESSING:
        base.update(paused=True, supplement_requests=1)
    if state == State.SUPPLEMENTING and base["previous_state"] == State.SUBMITTED:
        base["reception_supplement_requests"] = 1
    if state == State.AWAITING_PAYMENT:
        base["paused"] = True
    base.update(kw)
    return DossierFacts(**base)


def at(f: DossierFacts, **kw) -> DossierFacts:
    return replace(f, **kw)
