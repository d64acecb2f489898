"""Writes of the agencies app: administrative units, agency codes, staff roles."""

import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.common.text import fold

from .models import (
    AdministrativeUnit,
    Agency,
    AgencyCodeHistory,
    Counter,
    Membership,
    Role,
    UnitLevel,
    normalize_e_id,
    validate_e_id,
)
from .roles import ADMIN_SITE_ROLES, ROLE_GROUPS, ensure_role_groups
from .units import UnitRow, official_units

# Two-level local government (34 provinces, 3,321 communes) is in force from this date; a unit
# first loaded by load_units() gets it as `valid_from` (never overwritten afterwards).
UNITS_VALID_FROM = datetime.date(2025, 7, 1)

_UNIT_FIELDS = ("name", "name_folded", "division_type", "level", "codename", "province_id")


def load_units(*, today: datetime.date | None = None) -> dict[str, int]:
    """Load the official administrative units into AdministrativeUnit; idempotent.

    New units are created, renamed or re-typed ones updated, and units that left the official
    list are kept with `valid_until` set (historic dossiers refer to them). Returns the counts:
    provinces, communes (in the official list), created, updated, retired.
    """
    provinces, communes = official_units()
    today = today or timezone.localdate()
    counts = {"provinces": len(provinces), "communes": len(communes)}
    with transaction.atomic():
        existing = {unit.code: unit for unit in AdministrativeUnit.objects.all()}
        changed: list[AdministrativeUnit] = []

        def plan(rows: list[UnitRow], province_ids: dict[str, int]) -> list[AdministrativeUnit]:
            new = []
            for row in rows:
                values = {
                    "name": row.name,
                    "name_folded": fold(row.name),
                    "division_type": row.division_type,
                    "level": row.level,
                    "codename": row.codename,
                    "province_id": province_ids[row.province_code] if row.province_code else None,
                }
                unit = existing.get(row.code)
                if unit is None:
                    new.append(
                        AdministrativeUnit(code=row.code, valid_from=UNITS_VALID_FROM, **values)
                    )
                    continue
                dirty = unit.valid_until is not None  # back in the official list
                unit.valid_until = None
                for field, value in values.items():
                    if getattr(unit, field) != value:
                        setattr(unit, field, value)
                        dirty = True
                if dirty:
                    changed.append(unit)
            return new

        new_provinces = plan(provinces, {})
        AdministrativeUnit.objects.bulk_create(new_provinces)
        province_ids = dict(
            AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE).values_list("code", "id")
        )
        new_communes = plan(communes, province_ids)
        AdministrativeUnit.objects.bulk_create(new_communes, batch_size=1000)

        official = {row.code for row in provinces} | {row.code for row in communes}
        retired = [
            unit
            for code, unit in existing.items()
            if code not in official and unit.valid_until is None
        ]
        for unit in retired:
            unit.valid_until = today
        counts["updated"] = len(changed)
        if changed or retired:
            AdministrativeUnit.objects.bulk_update(
                changed + retired, [*_UNIT_FIELDS, "valid_until"], batch_size=500
            )
    counts["created"] = len(new_provinces) + len(new_communes)
    counts["retired"] = len(retired)
    return counts


@transaction.atomic
def change_e_id(agency: Agency, new_e_id: str, *, effective: datetime.date | None = None) -> Agency:
    """Give an agency a new electronic identifier from `effective` (default today), keeping the
    old one in its code history (valid until the day before)."""
    new_e_id = normalize_e_id(new_e_id)
    validate_e_id(new_e_id)
    old_e_id = Agency.objects.select_for_update().values_list("e_id", flat=True).get(pk=agency.pk)
    if new_e_id == old_e_id:
        agency.e_id = old_e_id
        return agency
    if Agency.objects.filter(e_id=new_e_id).exclude(pk=agency.pk).exists():
        raise ValidationError(
            {"e_id": _("Mã định danh %(e_id)s đã được dùng cho cơ quan khác.") % {"e_id": new_e_id}}
        )
    effective = effective or timezone.localdate()
    previous = agency.code_history.order_by("-valid_until").first()
    AgencyCodeHistory.objects.create(
        agency=agency,
        e_id=old_e_id,
        valid_from=previous.valid_until + datetime.timedelta(days=1) if previous else None,
        valid_until=effective - datetime.timedelta(days=1),
    )
    agency.e_id = new_e_id
    agency.save(update_fields=["e_id"])
    return agency


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValueError(f"Unknown role: {role!r}")


@transaction.atomic
def grant_role(user, agency: Agency, role: str, counter: Counter | None = None) -> Membership:
    """Give `user` the `role` in `agency` (at `counter`, for a receptionist of a center).

    Idempotent: an existing membership is reactivated and its counter set. The user joins the
    role's group; managers and administrators become staff so they can use the admin site."""
    _check_role(role)
    membership = Membership.objects.filter(user=user, agency=agency, role=role).first()
    if membership is None:
        membership = Membership(user=user, agency=agency, role=role)
    membership.counter = counter
    membership.is_active = True
    membership.full_clean()
    membership.save()
    sync_role_groups(user)
    return membership


@transaction.atomic
def revoke_role(user, agency: Agency, role: str) -> bool:
    """Deactivate the user's `role` in `agency` (kept for history). Returns whether it was active."""
    _check_role(role)
    membership = Membership.objects.filter(
        user=user, agency=agency, role=role, is_active=True
    ).first()
    if membership is not None:
        membership.is_active = False
        membership.save(update_fields=["is_active", "updated_at"])
    sync_role_groups(user)
    return membership is not None


def sync_role_groups(user) -> None:
    """Make the user's role groups and `is_staff` follow their active memberships.

    Groups other than the role groups are left alone. `is_staff` is on for superusers and for
    holders of a manager or administrator role, off otherwise: it is managed by roles."""
    active_roles = set(
        Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True)
    )
    groups = {g.name: g for g in Group.objects.filter(name__in=ROLE_GROUPS.values())}
    if len(groups) < len(ROLE_GROUPS):
        groups = {g.name: g for g in ensure_role_groups().values()}
    user.groups.add(*(groups[ROLE_GROUPS[r]] for r in ROLE_GROUPS if r in active_roles))
    user.groups.remove(*(groups[ROLE_GROUPS[r]] for r in ROLE_GROUPS if r not in active_roles))
    is_staff = user.is_superuser or bool(active_roles & ADMIN_SITE_ROLES)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
