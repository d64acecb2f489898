"""Counter intake as one use case: enter the dossier, attach the scanned documents, then accept
it, ask for supplements or refuse it — all through dossiers.services, in one transaction, so that
a refusal by any of them leaves nothing behind (no draft, no number taken from the day's
sequence)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from motcua.dossiers import services
from motcua.dossiers.errors import DossierError
from motcua.dossiers.lifecycle import Channel, State
from motcua.dossiers.models import Dossier


@dataclass
class Intake:
    procedure_code: str
    applicant: dict
    representative: dict | None = None
    receiving_agency: object = None
    checklist: list[int] = field(default_factory=list)
    # (required document id, uploaded file) pairs: scans made at the counter.
    scans: list[tuple[int, object]] = field(default_factory=list)
    note: str = ""
    missing_items: list[str] = field(default_factory=list)
    refusal_reason: str = ""
    idempotency_key: str | None = None


class ScanRejected(DossierError):
    """A scanned file was refused; `document` says which input it came from."""

    def __init__(self, error: DossierError, document: int):
        super().__init__(error.code, error.message, violations=error.violations, field="file")
        self.status = error.status
        self.document = document


def receive(op: str, intake: Intake, actor) -> Dossier:
    """`op` is accept, supplement or refuse. Returns the dossier as the last service left it.

    With an idempotency key, a form sent twice (a double Enter) finds the dossier the first
    sending created and, once it left the draft state, returns it without acting again."""
    with transaction.atomic():
        dossier = services.create_dossier(
            procedure_code=intake.procedure_code,
            applicant=intake.applicant,
            representative=intake.representative,
            channel=Channel.COUNTER,
            actor=actor,
            receiving_agency=intake.receiving_agency,
            idempotency_key=intake.idempotency_key,
        )
        if dossier.state != State.DRAFT:
            return dossier
        attachments = list(_attach(dossier, actor, intake.scans))
        if op == "accept":
            return services.accept(
                dossier,
                actor,
                checklist=intake.checklist,
                attachments=attachments,
                note=intake.note,
                expected_version=dossier.version,
            )
        if op == "supplement":
            return services.request_supplement(
                dossier,
                actor,
                items=intake.missing_items,
                note=intake.note,
                expected_version=dossier.version,
            )
        if op == "refuse":
            return services.refuse(
                dossier,
                actor,
                reason=intake.refusal_reason,
                note=intake.note,
                expected_version=dossier.version,
            )
        raise ValueError(f"unknown intake operation {op!r}")


def _attach(dossier: Dossier, actor, scans: Iterable[tuple[int, object]]):
    for document, uploaded in scans:
        try:
            yield services.add_attachment(
                dossier, actor, document=document, uploaded_file=uploaded, digitised=True
            ).pk
        except DossierError as error:
            raise ScanRejected(error, document) from None
