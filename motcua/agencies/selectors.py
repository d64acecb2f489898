"""Reads of the agencies app: memberships, roles and the agency scope of a user.

The scope answers *where* a person may act; their role groups' permissions answer *what*.
- receptionist, specialist, leader: exactly the agencies of their active memberships;
- manager, administrator: those agencies and every agency below them in the tree;
- superuser: every agency.
Inactive users and inactive memberships give nothing.
"""

import datetime
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save

from .models import Agency, AgencyCodeHistory, Membership, Role

# user pk -> [(agency_id, role)] of their active memberships, inside `memberships_memo()` only.
_memo: ContextVar[dict | None] = ContextVar("motcua_memberships_memo", default=None)


def _is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def memberships_of(user) -> QuerySet[Membership]:
    """The active memberships of an active user, with agency and counter."""
    if not _is_active_user(user):
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("agency", "counter")
        .order_by("agency__e_id", "role")
    )


@contextmanager
def memberships_memo():
    """Within the block (one API request), each user's active memberships are read once by
    `held_roles` and the functions built on it (agency_scope, the dossier services' checks of
    who acts): a request reads them three or four times otherwise. Saving or deleting a
    Membership clears the memo; outside a block nothing is kept."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _forget_memberships(**kwargs) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.clear()


post_save.connect(_forget_memberships, sender=Membership, dispatch_uid="agencies.memo.save")
post_delete.connect(_forget_memberships, sender=Membership, dispatch_uid="agencies.memo.delete")


def held_roles(user) -> list[tuple[int, str]]:
    """(agency id, role) of the user's active memberships, in memberships_of's order."""
    if not _is_active_user(user):
        return []
    memo = _memo.get()
    if memo is not None and user.pk in memo:
        return memo[user.pk]
    pairs = list(memberships_of(user).values_list("agency_id", "role"))
    if memo is not None:
        memo[user.pk] = pairs
    return pairs


def has_role(user, agency: Agency | int, role: str) -> bool:
    """Whether the user holds `role` in exactly this agency (an active membership).

    Superusers hold no role by this test: approving or signing needs a real membership. Use
    agency_scope() to ask whether someone may act on an agency."""
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    return memberships_of(user).filter(agency_id=agency_id, role=role).exists()


def descendant_ids(agency_ids: Iterable[int]) -> set[int]:
    """The given agencies and all agencies below them (one query per level of the tree)."""
    found = set(agency_ids)
    frontier = set(found)
    while frontier:
        children = set(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        frontier = children - found  # a corrupted tree with a cycle still ends
        found |= frontier
    return found


def agency_scope(user, role: str | Iterable[str] | None = None) -> set[int]:
    """Ids of the agencies the user may act on, through any role or only `role` (one or several)."""
    if not _is_active_user(user):
        return set()
    if user.is_superuser:
        return set(Agency.objects.values_list("id", flat=True))
    roles = None if role is None else ({role} if isinstance(role, str) else set(role))
    direct, covering = set(), set()
    for agency_id, member_role in held_roles(user):
        if roles is not None and member_role not in roles:
            continue
        (covering if member_role in Role.covering_descendants() else direct).add(agency_id)
    return direct | (descendant_ids(covering) if covering else set())


def agencies_in_scope(user, role: str | Iterable[str] | None = None) -> QuerySet[Agency]:
    if _is_active_user(user) and user.is_superuser:
        return Agency.objects.all()
    return Agency.objects.filter(id__in=agency_scope(user, role))


def is_staff_member(user) -> bool:
    """An officer of some agency (an active membership), or a superuser; citizens are not."""
    if not _is_active_user(user):
        return False
    return user.is_superuser or memberships_of(user).exists()


def can_administer_user(actor, user) -> bool:
    """Whether `actor` may edit `user`'s account and roles: superusers always; an administrator
    only non-superusers whose active memberships all lie in their administrator scope (so that
    nobody takes over an account that works elsewhere)."""
    if not _is_active_user(actor):
        return False
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    scope = agency_scope(actor, Role.ADMINISTRATOR)
    if not scope:
        return False
    held = Membership.objects.filter(user=user, is_active=True).values_list("agency_id", flat=True)
    return set(held) <= scope


def agency_by_e_id(e_id: str, on: datetime.date | None = None) -> Agency | None:
    """The agency that holds (or, on date `on`, held) an electronic identifier.

    Dossier codes keep the identifier of the day of receipt, so old codes must still resolve."""
    code = (e_id or "").strip().upper()
    agency = Agency.objects.filter(e_id=code).first()
    if agency is not None and on is None:
        return agency
    # One query on the history rows: conditions must hold for the same row.
    history = AgencyCodeHistory.objects.filter(e_id=code)
    if on is not None:
        history = history.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=on), valid_until__gte=on
        )
    held = history.select_related("agency").order_by("-valid_until").first()
    return held.agency if held is not None else agency


def full_name(user) -> str:
    """A person's name in Vietnamese order: family and middle names (last_name), then the given
    name (first_name): "Nguyễn Văn An". Falls back to the username."""
    name = f"{user.last_name} {user.first_name}".strip()
    return name or user.get_username()
