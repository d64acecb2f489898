"""Who may open the back office: a signed-in officer (an active membership, or a superuser).

Anonymous visitors go to the login page; citizens and officers without the role a page needs
get the 403 page. The memberships are read once per request and kept on `request.staff`, so the
menu and the role checks cost one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, Membership, Role
from motcua.agencies.selectors import memberships_of


@dataclass
class Staff:
    """The signed-in officer's memberships (active), read once per request."""

    user: object
    memberships: list[Membership] = field(default_factory=list)

    @classmethod
    def of(cls, user) -> Staff:
        return cls(user, list(memberships_of(user)))

    @property
    def is_staff(self) -> bool:
        return bool(self.user.is_superuser or self.memberships)

    def has(self, *roles: str) -> bool:
        return any(m.role in roles for m in self.memberships)

    def agencies(self, *roles: str) -> list[Agency]:
        """The agencies where the officer holds one of `roles` (any role if none), no repeats."""
        seen: dict[int, Agency] = {}
        for m in self.memberships:
            if not roles or m.role in roles:
                seen.setdefault(m.agency_id, m.agency)
        return list(seen.values())

    @property
    def is_receptionist(self) -> bool:
        return self.has(Role.RECEPTIONIST)

    @property
    def is_leader(self) -> bool:
        return self.has(Role.LEADER)


def forbidden(request, message: str | None = None):
    return render(
        request,
        "backoffice/forbidden.html",
        {"message": message or _("Trang này chỉ dành cho cán bộ, công chức được phân công.")},
        status=403,
    )


def staff_required(view=None, *, roles: tuple[str, ...] = (), message: str | None = None):
    """Login required, then an active membership (with one of `roles` when given)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            staff = Staff.of(user)
            if not staff.is_staff:
                return forbidden(request)
            if roles and not staff.has(*roles):
                return forbidden(request, message)
            request.staff = staff
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
