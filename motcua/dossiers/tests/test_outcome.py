"""Outcome of finished dossiers and the overdue status of open ones (domain.md §4, §7)."""

from datetime import UTC, datetime

import pytest

from motcua.dossiers.lifecycle import (
    OpenStatus,
    Outcome,
    State,
    clock_running,
    is_overdue,
    open_status,
    outcome,
)
from motcua.worktime.deadlines import VN_TZ


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


DUE = vn(2025, 10, 10, 15, 0)  # Friday 15:00


@pytest.mark.parametrize(
    ("finished", "supplements", "expected"),
    [
        (vn(2025, 10, 6, 8, 0), 0, Outcome.EARLY),
        (vn(2025, 10, 9, 16, 59), 0, Outcome.EARLY),  # the day before the due date
        (vn(2025, 10, 10, 7, 30), 0, Outcome.ON_TIME),  # on the due date, before the time
        (vn(2025, 10, 10, 15, 0), 0, Outcome.ON_TIME),  # exactly at the due time
        (vn(2025, 10, 10, 15, 0, 1), 0, Outcome.LATE),
        (vn(2025, 10, 13, 8, 0), 0, Outcome.LATE),
        (vn(2025, 10, 6, 8, 0), 1, Outcome.EARLY),  # one supplement request is allowed
        (vn(2025, 10, 6, 8, 0), 2, Outcome.LATE),  # more than one counts late
        (vn(2025, 10, 10, 9, 0), 3, Outcome.LATE),
    ],
)
def test_outcome_table(finished, supplements, expected):
    assert outcome(DUE, finished, supplements) == expected


def test_outcome_reads_dates_in_vietnam():
    # Due 00:30 on the 10th in Vietnam = 17:30 UTC on the 9th; finished 23:30 on the 9th in
    # Vietnam = 16:30 UTC on the 9th. UTC dates agree (would be "on time"); Vietnam's do not.
    due = datetime(2025, 10, 9, 17, 30, tzinfo=UTC)
    finished = datetime(2025, 10, 9, 16, 30, tzinfo=UTC)
    assert outcome(due, finished) == Outcome.EARLY
    assert outcome(due, datetime(2025, 10, 9, 17, 0, tzinfo=UTC)) == Outcome.ON_TIME


def test_outcome_labels():
    assert [str(o.label) for o in Outcome] == ["Trước hạn", "Đúng hạn", "Trễ hạn"]
    assert [str(o.label) for o in OpenStatus] == ["Chưa đến hạn", "Quá hạn"]


AFTER, BEFORE = vn(2025, 10, 10, 15, 1), vn(2025, 10, 10, 14, 59)


@pytest.mark.parametrize(
    ("state", "now", "pauses", "expected"),
    [
        (State.PROCESSING, AFTER, True, True),
        (State.PROCESSING, DUE, True, False),  # at the due time it is not yet overdue
        (State.PROCESSING, BEFORE, True, False),
        (State.SUPPLEMENTING, AFTER, True, False),  # clock paused
        (State.AWAITING_PAYMENT, AFTER, True, False),
        (State.AWAITING_PAYMENT, AFTER, False, True),  # when payment does not pause
        (State.SUBMITTED, AFTER, True, False),
        (State.DECIDED, AFTER, True, False),
        (State.RETURNED, AFTER, True, False),
        (State.STOPPED, AFTER, True, False),
    ],
)
def test_is_overdue(state, now, pauses, expected):
    assert is_overdue(DUE, now, state, payment_pauses_clock=pauses) is expected
    assert clock_running(state, payment_pauses_clock=pauses) is (
        state == State.PROCESSING or (state == State.AWAITING_PAYMENT and not pauses)
    )


def test_is_overdue_without_due_time():
    assert is_overdue(None, AFTER, State.PROCESSING) is False


def test_open_status():
    assert open_status(DUE, AFTER, State.PROCESSING) == OpenStatus.OVERDUE
    assert open_status(DUE, BEFORE, "processing") == OpenStatus.NOT_YET_DUE
    assert open_status(DUE, AFTER, State.SUPPLEMENTING) == OpenStatus.NOT_YET_DUE
    assert open_status(DUE, AFTER, State.DECIDED) is None
    assert open_status(None, AFTER, State.PROCESSING) is None
    assert open_status(DUE, AFTER, State.SUBMITTED) is None
