"""The dossier generator of the benchmarks (bench/generate_dossiers.py).

200 dossiers from 01/05 to 29/08/2025 (across the change of regime on 01/07/2025) on the test
database, checked against the rules they claim to follow: plausible states and channels, codes
unique and gap-free per agency and day, valid hash chains, every event an allowed transition of
the lifecycle, due times from worktime, routing, and the public tracking read.
"""

import sys
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from django.db import transaction

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

import generate_dossiers as gen  # noqa: E402

COUNT = 200
START, END = date(2025, 5, 1), date(2025, 8, 29)
OPEN = {"submitted", "processing", "supplementing", "awaiting_payment"}
FINAL = {"refused", "withdrawn", "stopped", "returned"}


def _clear_caches():
    from motcua.catalog import search
    from motcua.worktime import selectors

    selectors.clear_cache()
    search.invalidate_index()


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    """The demo province and catalog plus 200 generated dossiers, rolled back afterwards."""
    from django.conf import settings

    from motcua.demo import load_demo

    with django_db_blocker.unblock():
        _clear_caches()
        with transaction.atomic():
            load_demo(settings.MOTCUA_DEMO_PASSWORD)
            stats = gen.generate(COUNT, seed=1, start=START, end=END, chunk_size=80)
            yield stats
            transaction.set_rollback(True)
        _clear_caches()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


pytestmark = pytest.mark.django_db


def test_counts_states_and_channels_are_plausible(dataset):
    from motcua.dossiers.models import Dossier

    assert dataset.dossiers == COUNT
    assert Dossier.objects.count() == COUNT
    states = Counter(Dossier.objects.values_list("state", flat=True))
    # Most dossiers are finished and returned; some are still open at the end of the period.
    assert states.most_common(1)[0][0] == "returned"
    assert states["returned"] >= 0.55 * COUNT
    assert sum(states[s] for s in OPEN) >= 3
    assert sum(states[s] for s in FINAL) + states["decided"] >= 0.75 * COUNT
    assert set(states) <= OPEN | FINAL | {"draft", "decided"}
    channels = Counter(Dossier.objects.values_list("channel", flat=True))
    assert 0.45 <= channels["online"] / COUNT <= 0.80
    assert channels["counter"] > 0
    # Every online dossier belongs to an applicant account; counter ones are entered by staff.
    assert not Dossier.objects.filter(channel="online", applicant_user__isnull=True).exists()
    assert not Dossier.objects.filter(channel="counter", created_by__isnull=True).exists()


def test_regime_follows_the_date_of_receipt(dataset):
    from motcua.dossiers.models import Dossier
    from motcua.dossiers.regimes import regime_for

    regimes = Counter()
    for d in Dossier.objects.all():
        expected = regime_for(d.received_at or d.created_at).value
        assert d.regime == expected, d.code
        regimes[d.regime] += 1
    assert regimes["nd61_2018"] > 0 and regimes["nd118_2025"] > 0


def test_codes_are_unique_and_gap_free_per_agency_and_day(dataset):
    from motcua.dossiers.codes import parse_code
    from motcua.dossiers.models import CodeSequence, Dossier
    from motcua.dossiers.regimes import local_date

    seqs = defaultdict(list)
    codes = []
    for d in Dossier.objects.select_related("receiving_agency").exclude(code=None):
        parsed = parse_code(d.code)
        assert parsed.e_id == d.receiving_agency.e_id
        issued = d.submitted_at if d.channel == "online" else d.received_at
        assert parsed.day == local_date(issued), d.code
        seqs[(d.receiving_agency_id, parsed.day)].append(parsed.seq)
        codes.append(d.code)
    assert len(codes) == len(set(codes)) > 0.9 * COUNT
    for numbers in seqs.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    rows = {(r.agency_id, r.day): r.last for r in CodeSequence.objects.all()}
    assert rows == {key: len(numbers) for key, numbers in seqs.items()}
    # Without a code: online drafts and counter dossiers refused on the spot only.
    for d in Dossier.objects.filter(code=None):
        assert (d.channel == "online" and d.state == "draft") or (
            d.channel != "online" and d.state == "refused" and d.received_at is None
        )


def test_every_event_chain_verifies(dataset):
    from motcua.dossiers.chain import first_broken_link
    from motcua.dossiers.models import Dossier, Event

    events = defaultdict(list)
    for event in Event.objects.order_by("dossier_id", "seq"):
        events[event.dossier_id].append(event)
    assert sum(len(v) for v in events.values()) > 4 * COUNT
    for d in Dossier.objects.all():
        assert first_broken_link(events[d.pk]) is None, d.code
        assert d.version == len(events[d.pk])
        if events[d.pk]:
            assert d.state == events[d.pk][-1].to_state


def test_every_event_is_an_allowed_transition(dataset):
    """Replay each dossier's events through lifecycle.apply: same target state and step, and the
    effects, forms and national codes the event recorded."""
    from motcua.dossiers import lifecycle, routing
    from motcua.dossiers.models import Dossier, Event
    from motcua.worktime.deadlines import working_time_between
    from motcua.worktime.selectors import get_work_calendar

    events = defaultdict(list)
    for event in Event.objects.order_by("dossier_id", "seq"):
        events[event.dossier_id].append(event)
    actions = Counter()
    for d in Dossier.objects.select_related("procedure_version"):
        steps = list(d.procedure_version.steps.order_by("position"))
        count = routing.processing_count(steps)
        cal = get_work_calendar(d.competent_agency_id)
        facts = dict(
            state="draft",
            channel=d.channel,
            step_index=0,
            steps=count,
            previous_state=None,
            paused=False,
            due_at=None,
            received_at=None,
            regime=None,
            extended=False,
            supplement_requests=0,
            reception_supplement_requests=0,
        )
        for e in events[d.pk]:
            until_due = None
            if facts["due_at"] is not None and facts["state"] == "processing":
                until_due = working_time_between(cal, e.at, facts["due_at"])
            snapshot = lifecycle.DossierFacts(
                now=e.at,
                agency="x",
                is_current_step_officer=True,
                actor_in_step_agency=True,
                working_time_until_due=until_due,
                working_day=cal.day_length,
                **{**facts, "step_index": min(facts["step_index"], max(count - 1, 0))},
            )
            fields = {}
            if e.action == "request_supplement":
                fields["items"] = e.data["items"]
            elif e.action in {"refuse", "send_back", "deny", "stop"}:
                fields["reason"] = e.data["reason"]
            elif e.action == "assign":
                fields["officer"] = e.data["officer"]
            elif e.action == "extend":
                fields.update(reason=e.data["reason"], new_due_at=_parse(e.data["due_at"]))
            elif e.action == "deliver":
                fields["method"] = e.data["method"]
                if e.data["delivered_to"]:
                    fields["recipient"] = e.data["delivered_to"]
            t = lifecycle.apply(e.action, snapshot, e.role, **fields)
            assert (t.from_state, t.to_state) == (e.from_state, e.to_state), (d.code, e.seq)
            assert e.data["effects"] == [str(x) for x in t.effects], (d.code, e.seq)
            assert e.data["national_codes"] == list(t.national_codes)
            assert e.data["forms"] == [
                str(lifecycle.FORM_EFFECTS[x]) for x in t.effects if x in lifecycle.FORM_EFFECTS
            ]
            if e.to_step is not None:
                assert e.to_step == t.to_step, (d.code, e.seq)
            if e.from_step is not None:
                assert e.from_step == t.from_step, (d.code, e.seq)
            after = t.facts_after
            facts.update(
                state=str(after.state),
                previous_state=after.previous_state,
                paused=after.paused,
                step_index=e.to_step if e.to_step is not None else facts["step_index"],
                extended=after.extended,
                received_at=after.received_at,
                supplement_requests=after.supplement_requests,
                reception_supplement_requests=after.reception_supplement_requests,
                regime=d.regime if after.received_at else None,
            )
            if "due_at" in e.data and e.action != "extend":
                facts["due_at"] = _parse(e.data["due_at"])
            elif e.action == "extend":
                facts["due_at"] = after.due_at
            actions[e.action] += 1
        assert facts["state"] == d.state
    # The histories use the whole vocabulary that matters for the indicators.
    for action in (
        "submit",
        "accept",
        "forward",
        "approve",
        "deliver",
        "refuse",
        "request_supplement",
        "supplement",
    ):
        assert actions[action] > 0, action


def test_staff_act_in_their_own_role_and_agency(dataset):
    from motcua.agencies.models import Membership
    from motcua.dossiers.models import Event

    held = set(
        Membership.objects.filter(is_active=True).values_list("user_id", "agency_id", "role")
    )
    staff_events = Event.objects.exclude(role="applicant")
    assert staff_events.exists()
    for user_id, agency_id, role in staff_events.values_list("actor_id", "agency_id", "role"):
        assert (user_id, agency_id, role) in held
    applicant_events = Event.objects.filter(role="applicant").select_related("dossier")
    for e in applicant_events:
        assert e.actor_id == e.dossier.applicant_user_id and e.agency_id is None


def test_due_times_come_from_worktime(dataset):
    from motcua.dossiers import services
    from motcua.dossiers.models import Dossier
    from motcua.worktime.deadlines import add_working_time, working_time_between
    from motcua.worktime.selectors import get_work_calendar

    checked = moved = 0
    for d in Dossier.objects.exclude(received_at=None).select_related("procedure_version"):
        cal = get_work_calendar(d.competent_agency_id)
        accept = d.events.get(action="accept")
        assert _parse(accept.data["due_at"]) == services.compute_due(d, cal), d.code
        due = services.compute_due(d, cal)
        pauses = {p.ended_at: p for p in d.pauses.exclude(ended_at=None)}
        for e in d.events.filter(action__in=["supplement", "pay", "extend"]).order_by("seq"):
            if e.action == "extend":
                assert _parse(e.data["previous_due_at"]) == due
                due = _parse(e.data["due_at"])
                assert d.apology.new_due_at == due
            elif "due_at" in e.data:
                pause = pauses[e.at]
                paused = working_time_between(cal, pause.started_at, pause.ended_at)
                due = add_working_time(cal, due, paused) if paused else due
                assert _parse(e.data["due_at"]) == due, d.code
                moved += 1
        assert d.due_at == due, d.code
        # Control-sheet dues: cumulative step durations from the clock start (no pauses); after
        # an apology the open step and the steps to come carry its extra working time, the
        # steps handed over before it keep their due time.
        if not d.pauses.exists():
            steps = list(d.procedure_version.steps.order_by("position"))
            extended_at = d.events.filter(action="extend").values_list("at", flat=True).first()
            for record in d.step_records.all():
                closed_before = extended_at is not None and (
                    record.finished_at is not None and record.finished_at <= extended_at
                )
                d.extended = extended_at is not None and not closed_before
                assert record.due_at == services._step_due(d, cal, steps, record.index), d.code
            d.extended = extended_at is not None
        checked += 1
    assert checked > 0.8 * COUNT and moved > 0


def test_routing_and_step_records(dataset):
    from motcua.dossiers import routing
    from motcua.dossiers.models import Dossier

    for d in Dossier.objects.select_related(
        "procedure", "procedure_version", "receiving_agency", "competent_agency"
    ):
        competent = routing.competent_agency_for(
            d.procedure, d.procedure_version, receiving=d.receiving_agency
        )
        assert competent == d.competent_agency, d.code
        records = list(d.step_records.order_by("started_at", "id"))
        if d.received_at is None:
            assert not records
            continue
        assert records[0].index == 0 and records[0].started_at == d.received_at
        assert records[0].agency_id == d.receiving_agency_id
        steps = list(d.procedure_version.steps.order_by("position"))
        returning = routing.is_return_step(steps, len(steps) - 1)
        open_records = [r for r in records if r.finished_at is None]
        expected_open = 0 if d.state in FINAL or (d.state == "decided" and not returning) else 1
        assert len(open_records) == expected_open, d.code
        for before, after in zip(records, records[1:], strict=False):
            assert before.finished_at == after.started_at
        if d.state in {"decided", "returned"} and returning:
            assert records[-1].index == len(steps) - 1
            assert records[-1].agency_id == d.receiving_agency_id


def test_public_tracking_reads_generated_dossiers(dataset):
    from motcua.dossiers import tracking
    from motcua.dossiers.models import Dossier

    for d in Dossier.objects.exclude(code=None).order_by("id")[:40]:
        view = tracking.track(d.code, d.tracking_secret)
        assert view is not None and view.state == d.state
        assert tracking.track(d.code, "WRONGSECRET") is None


def test_generation_is_deterministic_for_a_seed(dataset):
    world = gen.prepare_world(COUNT, 1, END)
    other = gen.prepare_world(COUNT, 2, END)

    def rows(world_):
        out = gen.Rows()
        gen.generate_day(world_, date(2025, 6, 30), 30, 1, out)
        return out

    first, second = rows(world), rows(world)
    assert [e[-1] for e in first.events] == [e[-1] for e in second.events]
    assert first.dossiers == second.dossiers
    assert [e[-1] for e in rows(other).events] != [e[-1] for e in first.events]
