"""The hash chain of a dossier's events (pure).

Each event's hash is SHA-256 over the previous event's hash and a canonical JSON of the event's
content, so changing, removing or reordering any event breaks every later link. The content is
what the law cares about: who, in which role and agency, when, which action, from → to, the note
and the data (document ids, fields).
"""

import hashlib
import json
from datetime import UTC, datetime

GENESIS = ""


def canonical_time(at: datetime) -> str:
    """UTC, microseconds, fixed format: the same instant always hashes the same."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_payload(
    *,
    dossier_id: int,
    seq: int,
    at: datetime,
    action: str,
    actor_id: int | None,
    role: str,
    agency_id: int | None,
    from_state: str,
    to_state: str,
    from_step: int | None,
    to_step: int | None,
    note: str,
    data: dict,
) -> dict:
    return {
        "dossier": dossier_id,
        "seq": seq,
        "at": canonical_time(at),
        "action": action,
        "actor": actor_id,
        "role": role,
        "agency": agency_id,
        "from": from_state,
        "to": to_state,
        "from_step": from_step,
        "to_step": to_step,
        "note": note,
        "data": data,
    }


def compute_hash(prev_hash: str, payload: dict) -> str:
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def payload_of(event) -> dict:
    """The payload of a stored Event row (anything with the Event fields)."""
    return event_payload(
        dossier_id=event.dossier_id,
        seq=event.seq,
        at=event.at,
        action=event.action,
        actor_id=event.actor_id,
        role=event.role,
        agency_id=event.agency_id,
        from_state=event.from_state,
        to_state=event.to_state,
        from_step=event.from_step,
        to_step=event.to_step,
        note=event.note,
        data=event.data,
    )


def first_broken_link(events) -> tuple[int, str] | None:
    """Walk one dossier's events in seq order; return (seq, reason) of the first bad link."""
    prev = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            return event.seq, f"expected event {expected_seq}, found {event.seq}"
        if event.prev_hash != prev:
            return event.seq, "prev_hash does not match the previous event"
        if compute_hash(prev, payload_of(event)) != event.hash:
            return event.seq, "content does not match its hash"
        prev = event.hash
        expected_seq += 1
    return None
