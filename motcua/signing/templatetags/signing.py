"""Slots of the signing app in other apps' pages (portal and back-office dossier pages)."""

from django import template

from motcua.agencies.models import Role
from motcua.dossiers.lifecycle import State
from motcua.signing import services
from motcua.signing.models import SignedDocument, SigningKey

register = template.Library()

# Results are signed on approval: only decided or returned dossiers can have one (no query
# for the others, so the dossier pages keep their query budget).
SIGNED_STATES = {State.DECIDED, State.RETURNED}


def _documents(dossier) -> list[SignedDocument]:
    if dossier.state not in SIGNED_STATES:
        return []
    return list(SignedDocument.objects.filter(dossier=dossier).select_related("attachment"))


@register.inclusion_tag("signing/_portal_results.html")
def signed_results(dossier):
    """The dossier's signed results, each with its verification link (applicant's page)."""
    return {"dossier": dossier, "documents": _documents(dossier)}


@register.inclusion_tag("signing/_backoffice_signing.html", takes_context=True)
def signing_panel(context, dossier, ref):
    request = context.get("request")
    user = getattr(request, "user", None)
    documents = _documents(dossier)
    staff = getattr(request, "staff", None)  # set by the back office's staff_required
    can_sign = bool(
        dossier.state == State.PROCESSING
        and staff is not None
        and staff.has(Role.LEADER)
        and services.may_approve(dossier, user)
    )
    has_key = (
        can_sign
        and SigningKey.objects.filter(agency_id=dossier.current_agency_id, is_active=True).exists()
    )
    return {
        "dossier": dossier,
        "ref": ref,
        "documents": documents,
        "can_sign": can_sign,
        "has_key": has_key,
    }
