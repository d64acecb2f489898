"""Concurrent writers on PostgreSQL: real threads, each with its own database connection.

SQLite serialises whole transactions (and has no SELECT … FOR UPDATE), so these tests only mean
something on PostgreSQL, where row locks, the unique indexes and READ COMMITTED re-reads decide.
"""

import pytest

from motcua.common.testing import run_together as together
from motcua.dossiers import services
from motcua.dossiers.errors import ActionDenied, DossierConflict
from motcua.dossiers.lifecycle import Channel, State
from motcua.dossiers.models import CodeSequence, Dossier, Event, IdempotencyKey

from . import factories as f
from .factories import vn

pytestmark = [
    pytest.mark.postgres(reason="row locks and concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def p(transactional_db):
    yield from f.province_fixture()


def run_together(calls):
    """Run the callables at the same instant in threads; [(result or None, exception or None)]."""
    return together(calls, capture=True)


def test_two_forwards_with_the_same_version_one_wins_the_other_conflicts(p):
    d = f.dossier_in(p, "processing", step=1)
    version, events = d.version, Event.objects.filter(dossier=d).count()
    results = run_together(
        [
            lambda: services.forward(
                d, p.specialist, officer=p.leader, expected_version=version, now=vn(2025, 10, 9, 9)
            ),
            lambda: services.deny(
                d,
                p.leader,
                reason="Không đủ điều kiện",
                expected_version=version,
                now=vn(2025, 10, 9, 9),
            ),
        ]
    )
    wins = [r for r, e in results if e is None]
    errors = [e for r, e in results if e is not None]
    assert len(wins) == 1 and len(errors) == 1
    assert isinstance(errors[0], DossierConflict)
    assert errors[0].version == version + 1
    d.refresh_from_db()
    assert d.version == version + 1
    assert Event.objects.filter(dossier=d).count() == events + 1


def test_two_forwards_without_version_the_loser_rereads_and_is_refused(p):
    d = f.dossier_in(p, "processing", step=1)
    events = Event.objects.filter(dossier=d).count()
    results = run_together(
        [lambda: services.forward(d, p.specialist, officer=p.leader, now=vn(2025, 10, 9, 9))] * 2
    )
    errors = [e for _r, e in results if e is not None]
    assert len(errors) == 1
    # After waiting for the lock it sees step 2, which is no longer its step.
    assert isinstance(errors[0], ActionDenied) and errors[0].code == "not_step_officer"
    d.refresh_from_db()
    assert (d.step_index, d.version) == (2, 4)
    assert Event.objects.filter(dossier=d).count() == events + 1


def test_parallel_accepts_issue_gap_free_unique_codes(p):
    drafts = [f.new_dossier(p, channel=Channel.COUNTER) for _ in range(100)]
    batches = [drafts[i : i + 5] for i in range(0, 100, 5)]  # 20 threads × 5 accepts
    at = vn(2025, 10, 8, 10)

    def accept_all(batch):
        return [services.accept(d, p.receptionist, now=at).code for d in batch]

    results = run_together([lambda b=b: accept_all(b) for b in batches])
    assert [e for _r, e in results if e is not None] == []
    issued = sorted(code for codes, _e in results for code in codes)
    assert issued == [f"H22.40-251008-{n:04d}" for n in range(1, 101)]
    assert Dossier.objects.filter(state=State.PROCESSING).count() == 100
    assert CodeSequence.objects.get(agency=p.center).last == 100


def test_one_idempotency_key_from_five_threads_creates_one_dossier(p):
    def create():
        return f.new_dossier(p, idempotency_key="nop-ho-so-1").pk

    results = run_together([create] * 5)
    assert [e for _r, e in results if e is not None] == []
    assert len({pk for pk, _e in results}) == 1
    assert Dossier.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
