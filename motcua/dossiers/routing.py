"""Where a dossier goes: its competent agency, its receiving center, and the agency of each step.

Rules (domain.md §1, territorial rule):
- Any center of the province receives any procedure; the dossier is routed to the *competent*
  agency, not to the place of submission.
- The competent agency is the procedure's agency (`Procedure.agencies`); when there are several
  (commune-level procedures: one commune committee per commune), the one of the applicant's
  commune, else the one of the receiving center's commune.
- The reception step (the first, by a receptionist) and the return step (a last step by a
  receptionist) happen where the dossier was received. Other steps at a center kind happen at the
  receiving center if it is one; a step of the kind of the agency holding the dossier stays there
  (so after a transfer the next steps of that kind stay with the new agency); otherwise the
  competent agency, or the procedure's agency, or an ancestor, of the step's kind.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency, AgencyKind, Role
from motcua.catalog.models import Step

from .errors import ActionInvalid


def processing_count(steps: list[Step]) -> int:
    """How many steps count for the lifecycle: a last step by a receptionist is the return step
    (trả kết quả), performed by `deliver`, so the decision (`approve`) is at the step before it."""
    if len(steps) >= 2 and steps[-1].role == Role.RECEPTIONIST:
        return len(steps) - 1
    return len(steps)


def is_return_step(steps: list[Step], index: int) -> bool:
    return index == len(steps) - 1 and processing_count(steps) < len(steps)


def competent_agency_for(procedure, version, *, commune=None, receiving=None) -> Agency:
    """The agency that decides a new dossier of `procedure` (see the module docstring)."""
    agencies = list(procedure.agencies.filter(is_active=True).order_by("e_id"))
    if not agencies:
        raise ActionInvalid(
            "no_competent_agency",
            _("Thủ tục chưa được giao cho cơ quan nào giải quyết."),
            field="procedure_code",
        )
    if len(agencies) == 1:
        return agencies[0]
    preferred = [a for a in agencies if a.kind == version.deciding_agency_kind] or agencies
    if len(preferred) == 1:
        return preferred[0]
    for unit_id in (getattr(commune, "pk", None), getattr(receiving, "unit_id", None)):
        if unit_id is not None:
            match = [a for a in preferred if a.unit_id == unit_id]
            if match:
                return match[0]
    raise ActionInvalid(
        "competent_agency_ambiguous",
        _(
            "Thủ tục do nhiều cơ quan giải quyết: cần chọn xã, phường của người nộp để xác định "
            "cơ quan có thẩm quyền."
        ),
        field="applicant.commune",
    )


def default_center(competent: Agency) -> Agency | None:
    """The center that receives online dossiers for `competent` when the applicant chose none:
    the commune center of a commune committee, else the province's service center."""
    centers = Agency.objects.filter(is_active=True, kind__in=AgencyKind.centers())
    if competent.kind == AgencyKind.COMMUNE_COMMITTEE:
        own = centers.filter(parent=competent).order_by("e_id").first()
        if own is None and competent.unit_id:
            own = centers.filter(unit_id=competent.unit_id).order_by("e_id").first()
        if own is not None:
            return own
    if competent.kind in AgencyKind.centers():
        return competent
    return centers.filter(kind=AgencyKind.SERVICE_CENTER).order_by("e_id").first()


def _ancestor_of_kind(agency: Agency, kind: str) -> Agency | None:
    node, seen = agency.parent, set()
    while node is not None and node.pk not in seen:
        if node.kind == kind:
            return node
        seen.add(node.pk)
        node = node.parent
    return None


def step_agency(dossier, steps: list[Step], index: int) -> Agency:
    """The agency that performs step `index` of `dossier` (see the module docstring)."""
    step = steps[index]
    receiving = dossier.receiving_agency
    if receiving is not None and (
        (index == 0 and step.role == Role.RECEPTIONIST) or is_return_step(steps, index)
    ):
        return receiving
    if step.agency_kind in AgencyKind.centers():
        if receiving is not None and receiving.kind in AgencyKind.centers():
            return receiving
        return default_center(dossier.competent_agency) or dossier.competent_agency
    current = dossier.current_agency
    if current is not None and current.kind == step.agency_kind:
        return current
    competent = dossier.competent_agency
    if competent.kind == step.agency_kind:
        return competent
    listed = dossier.procedure.agencies.filter(is_active=True, kind=step.agency_kind)
    found = listed.order_by("e_id").first() or _ancestor_of_kind(competent, step.agency_kind)
    return found or competent
