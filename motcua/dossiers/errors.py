"""Errors of the dossier services, each with a stable `code` and a Vietnamese `message`.

The API maps them by `status`: ActionDenied → 403, ActionInvalid → 400, DossierConflict and
IdempotencyMismatch → 409. `violations` lists every rule broken (lifecycle violations or field
errors), so a form can show them all at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .lifecycle import TransitionError, Violation

# Lifecycle violation codes that are about *who* acts (403); every other code is about the
# input or the dossier's state (400).
WHO_CODES = frozenset(
    {
        "actor_not_allowed",
        "not_step_officer",
        "not_step_agency_leader",
        "not_step_officer_or_leader",
    }
)


class DossierError(Exception):
    """Base class: `code` (stable, for machines), `message` (lazy Vietnamese text), `status`."""

    status = 400
    default_code = "invalid"
    default_message = _("Thao tác không hợp lệ.")

    def __init__(
        self,
        code: str | None = None,
        message: Any = None,
        *,
        violations: Iterable[Violation] = (),
        field: str | None = None,
        **extra,
    ):
        self.code = code or self.default_code
        self.message = message if message is not None else self.default_message
        self.violations = tuple(violations) or (Violation(self.code, self.message),)
        self.field = field
        self.extra = extra
        super().__init__(self.code)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def as_dict(self) -> dict:
        """The JSON body of an API error: code, detail, the violations, and any extras."""
        body = {
            "code": self.code,
            "detail": str(self.message),
            "violations": [{"code": v.code, "detail": str(v.message)} for v in self.violations],
        }
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class ActionDenied(DossierError):
    """The person may not take this action on this dossier (HTTP 403)."""

    status = 403
    default_code = "actor_not_allowed"
    default_message = _("Bạn không có quyền thực hiện thao tác này đối với hồ sơ.")


class ActionInvalid(DossierError):
    """The input or the dossier's state does not allow the action (HTTP 400)."""

    status = 400


class DossierConflict(DossierError):
    """Someone changed the dossier since the caller read it (HTTP 409): re-read and retry.

    `state` and `version` are the dossier's current ones."""

    status = 409
    default_code = "version_conflict"

    def __init__(self, *, state: str, version: int):
        super().__init__(
            self.default_code,
            format_lazy(
                _(
                    "Hồ sơ vừa được người khác cập nhật (phiên bản hiện tại {version}); vui lòng "
                    "tải lại hồ sơ rồi thực hiện lại."
                ),
                version=version,
            ),
            state=str(state),
            version=version,
        )
        self.state = str(state)
        self.version = version


class IdempotencyMismatch(DossierError):
    """An idempotency key reused with different content (HTTP 409)."""

    status = 409
    default_code = "idempotency_key_reused"
    default_message = _(
        "Khóa chống gửi trùng (Idempotency-Key) này đã được dùng cho một yêu cầu có nội dung khác."
    )


def from_transition_error(exc: TransitionError) -> DossierError:
    """ActionDenied when any violation is about who acts, else ActionInvalid."""
    who = [v for v in exc.violations if v.code in WHO_CODES]
    if who:
        return ActionDenied(who[0].code, who[0].message, violations=exc.violations)
    first = exc.violations[0]
    return ActionInvalid(first.code, first.message, violations=exc.violations)
