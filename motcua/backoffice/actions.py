"""Running the actions of the back office through dossiers.services.

`run` performs one action posted from a dossier page (with an optional result file, attached in
the same transaction); `decide_many` is the leader's bulk approve/deny, one transaction per
dossier so that one refusal does not stop the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from motcua.dossiers import services
from motcua.dossiers.errors import DossierError
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import AttachmentKind, Dossier

from . import selectors


def run(dossier: Dossier, action: Action, actor, fields: dict, *, expected_version, upload=None):
    """The dossier after `action`; DossierError (DossierConflict for a stale version) if not."""
    with transaction.atomic():
        if upload is not None:
            attachment = services.add_attachment(
                dossier, actor, uploaded_file=upload, kind=AttachmentKind.RESULT
            )
            fields = {**fields, "attachments": [attachment.pk]}
        return services.perform(
            dossier, action.value, actor, expected_version=expected_version, **fields
        )


@dataclass(frozen=True)
class Outcome:
    label: str  # the dossier code
    ok: bool
    message: str = ""


def decide_many(actor, picked: list[tuple[str, int]], op: str, *, note="", reason=""):
    """Approve or deny each picked (public id, version) dossier; an Outcome per dossier."""
    outcomes = []
    for public_id, version in picked:
        dossier = selectors.dossier_for(actor, public_id)
        if dossier is None:
            outcomes.append(Outcome(public_id, False, str(DossierError.default_message)))
            continue
        label = dossier.code or str(dossier.public_id)
        try:
            if op == "approve":
                services.approve(dossier, actor, note=note, expected_version=version)
            else:
                services.deny(dossier, actor, reason=reason, note=note, expected_version=version)
        except DossierError as error:
            outcomes.append(Outcome(label, False, str(error.message)))
        else:
            outcomes.append(Outcome(label, True))
    return outcomes
