"""The event log written by the services: one event per action, hash-chained, append-only."""

from datetime import timedelta

import pytest
from django.db import connection

from motcua.dossiers import chain, selectors, services
from motcua.dossiers.lifecycle import State
from motcua.dossiers.models import Event

from . import factories as f
from .factories import vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(db):
    yield from f.province_fixture()


def stored(dossier):
    return list(Event.objects.filter(dossier=dossier).order_by("seq"))


@pytest.mark.parametrize(
    "state",
    [
        "submitted",
        "refused",
        "withdrawn",
        "supplementing",
        "awaiting_payment",
        "stopped",
        "returned",
    ],
)
def test_every_path_leaves_a_valid_chain_with_one_event_per_action(p, state):
    d = f.dossier_in(p, state)
    events = stored(d)
    assert chain.first_broken_link(events) is None
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    # Each event leads from the previous one's state, and the last one to the dossier's state.
    assert all(b.from_state == a.to_state for a, b in zip(events, events[1:], strict=False))
    assert events[-1].to_state == d.state == state
    assert d.version == len(events)


def test_the_hash_covers_what_was_stored(p):
    d = f.dossier_in(p, "processing", step=1)
    event = stored(d)[-1]
    # Recompute from the row as read back (JSON round trip, UTC times).
    assert chain.compute_hash(event.prev_hash, chain.payload_of(event)) == event.hash
    assert event.data["agency"] == p.justice.pk and event.data["officer"] == p.specialist.pk


def test_tampering_with_any_stored_field_breaks_the_chain(p):
    d = f.dossier_in(p, "decided")
    events = stored(d)
    target = events[2]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE dossiers_event SET note = %s WHERE id = %s", ["sửa lén", target.pk])
    assert chain.first_broken_link(stored(d)) == (target.seq, "content does not match its hash")


def test_removing_an_event_breaks_the_chain(p):
    d = f.dossier_in(p, "decided")
    second = stored(d)[1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dossiers_event WHERE id = %s", [second.pk])
    assert chain.first_broken_link(stored(d)) == (3, "expected event 2, found 3")


def test_events_are_append_only(p):
    d = f.dossier_in(p, "submitted")
    event = stored(d)[0]
    event.note = "changed"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_event_records_who_where_when_and_the_fields(p):
    d = f.dossier_in(p, "processing", step=1)
    at = vn(2025, 10, 9, 14, 15)
    d = services.request_supplement(
        d, p.specialist, items=[" Giấy xác nhận cư trú ", "Ảnh"], note="Gọi điện báo", now=at
    )
    event = stored(d)[-1]
    assert event.at == at
    assert (event.actor, event.actor_name, event.role, event.agency) == (
        p.specialist,
        "Lê Văn Hùng",
        "specialist",
        p.justice,
    )
    assert (event.from_state, event.to_state, event.from_step, event.to_step) == (
        "processing",
        "supplementing",
        1,
        1,
    )
    assert event.note == "Gọi điện báo"
    assert event.data["items"] == ["Giấy xác nhận cư trú", "Ảnh"]
    assert event.data["effects"] == ["issue_supplement_request", "pause_clock"]
    assert event.data["forms"] == ["supplement_request"]
    assert event.data["national_codes"] == [5]


def test_attachments_used_by_an_action_are_listed_in_its_event(p, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    d = f.new_dossier(p)
    document = d.procedure_version.documents.first()
    attachment = services.add_attachment(
        d, p.citizen, document=document, uploaded_file=f.pdf_file()
    )
    d = services.submit(d, p.citizen, attachments=[attachment.pk], now=f.T0)
    assert stored(d)[-1].data["attachments"] == [attachment.pk]
    other = f.new_dossier(p, applicant_user=p.other_citizen)
    with pytest.raises(services.ActionInvalid) as exc:
        services.submit(other, p.other_citizen, attachments=[attachment.pk], now=f.T0)
    assert exc.value.code == "attachment_not_found"
    assert not Event.objects.filter(dossier=other).exists()


def test_a_refused_action_appends_nothing_and_keeps_the_version(p):
    d = f.dossier_in(p, "processing", step=1)
    before = (len(stored(d)), d.version, d.state, d.step_index)
    with pytest.raises(services.ActionDenied):
        services.approve(d, p.specialist, now=vn(2025, 10, 9, 9))
    with pytest.raises(services.ActionInvalid):
        services.forward(d, p.specialist, officer=p.construction_leader, now=vn(2025, 10, 9, 9))
    d.refresh_from_db()
    assert (len(stored(d)), d.version, d.state, d.step_index) == before


def test_events_of_is_in_order_with_actor_and_agency(p, django_assert_num_queries):
    d = f.dossier_in(p, "returned")
    with django_assert_num_queries(1):
        rows = [
            (e.seq, e.action, e.actor.username, e.agency_id and e.agency.e_id)
            for e in selectors.events_of(d)
        ]
    assert [r[1] for r in rows] == ["submit", "accept", "forward", "forward", "approve", "deliver"]
    assert rows[1][2:] == ("tiepnhan", "H22.40")


def test_times_are_stored_as_given_instants(p):
    start = vn(2025, 12, 31, 23, 59)  # the UTC date is still 31/12 16:59
    d = f.dossier_in(p, "submitted", now=start, gap=timedelta(minutes=2))
    assert d.code == "H22.40-260101-0001"
    assert stored(d)[0].at == vn(2026, 1, 1, 0, 1)
    assert d.state == State.SUBMITTED
