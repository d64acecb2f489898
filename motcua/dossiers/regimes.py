"""Rules versioned by effective date (domain.md §0, §5). Pure: no ORM, no I/O.

A dossier keeps the regime in force on the day it was received; forms carry the regime they were
issued under, so a form number alone is ambiguous (form 05 is the control sheet under TT 01/2018
and the stop notice under TT 03/2025): always resolve numbers through `form_number(kind, regime)`.
"""

from __future__ import annotations

import bisect
from datetime import date, datetime

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from motcua.worktime.deadlines import VN_TZ


class Regime(TextChoices):
    ND61_2018 = "nd61_2018", _("NĐ 61/2018/NĐ-CP và TT 01/2018/TT-VPCP")
    ND118_2025 = "nd118_2025", _("NĐ 118/2025/NĐ-CP và TT 03/2025/TT-VPCP")


# (first day in force, regime), ascending. A new regime is one more row.
REGIME_STARTS: tuple[tuple[date, Regime], ...] = (
    (date.min, Regime.ND61_2018),
    (date(2025, 7, 1), Regime.ND118_2025),
)
_STARTS = [start for start, _regime in REGIME_STARTS]


def local_date(value: date | datetime) -> date:
    """The calendar date in Asia/Ho_Chi_Minh; a naive datetime is taken as already local."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(VN_TZ)
        return value.date()
    return value


def regime_for(received_on: date | datetime) -> Regime:
    """The regime in force on the day of receipt (an aware datetime is read in Vietnam's zone)."""
    day = local_date(received_on)
    return REGIME_STARTS[bisect.bisect_right(_STARTS, day) - 1][1]


class FormKind(TextChoices):
    RECEIPT = "receipt", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    SUPPLEMENT_REQUEST = "supplement_request", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    REFUSAL = "refusal", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
    APOLOGY = "apology", _("Văn bản xin lỗi và hẹn lại ngày trả kết quả")
    STOP_NOTICE = "stop_notice", _("Thông báo dừng giải quyết hồ sơ")
    CONTROL_SHEET = "control_sheet", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")
    REGISTER = "register", _("Sổ theo dõi hồ sơ")


# Per regime: kind -> (number, title). Titles are the forms' own names and may differ from the
# generic FormKind labels. TT 01/2018 has no stop notice.
FORMS: dict[Regime, dict[FormKind, tuple[str, object]]] = {
    Regime.ND61_2018: {
        FormKind.RECEIPT: ("01", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")),
        FormKind.SUPPLEMENT_REQUEST: ("02", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")),
        FormKind.REFUSAL: ("03", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")),
        FormKind.APOLOGY: ("04", _("Phiếu xin lỗi và hẹn lại ngày trả kết quả")),
        FormKind.CONTROL_SHEET: ("05", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")),
        FormKind.REGISTER: ("06", _("Sổ theo dõi hồ sơ")),
    },
    Regime.ND118_2025: {
        FormKind.RECEIPT: ("01", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")),
        FormKind.SUPPLEMENT_REQUEST: ("02", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")),
        FormKind.REFUSAL: ("03", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")),
        # UNSURE (domain.md §5): the exact title of form 04 under TT 03/2025; one published
        # summary reads "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết".
        FormKind.APOLOGY: ("04", _("Văn bản xin lỗi và hẹn lại ngày trả kết quả")),
        FormKind.STOP_NOTICE: ("05", _("Thông báo dừng giải quyết hồ sơ")),
        FormKind.CONTROL_SHEET: ("06", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")),
        FormKind.REGISTER: ("07", _("Sổ theo dõi hồ sơ")),
    },
}


def _form(kind: str, regime: str) -> tuple[str, object] | None:
    try:
        forms = FORMS[Regime(regime)]
        return forms.get(FormKind(kind))
    except ValueError:
        raise ValueError(f"unknown form kind or regime: {kind!r}, {regime!r}") from None


def has_form(kind: str, regime: str) -> bool:
    return _form(kind, regime) is not None


def form_number(kind: str, regime: str) -> str | None:
    """The two-digit form number ("01"…), or None if the regime has no such form."""
    form = _form(kind, regime)
    return form[0] if form else None


def form_title(kind: str, regime: str):
    """The form's title (lazy, Vietnamese), or None if the regime has no such form."""
    form = _form(kind, regime)
    return form[1] if form else None
