"""The official civil-service holiday schedules announced by the government (domain.md §10).

Data, not rules: `seed_calendar` writes these rows with source "official", over the values the
`holidays` package computes. Only days that change the Monday–Friday week are listed (weekdays off
and make-up Saturdays). Add a year here once the government announces it, or let an administrator
enter it in the admin.
"""

from datetime import date

NEW_YEAR = "Tết Dương lịch"
TET = "Tết Nguyên đán"
HUNG_KINGS = "Giỗ Tổ Hùng Vương"
REUNIFICATION = "Ngày Chiến thắng (30/4)"
LABOUR = "Ngày Quốc tế Lao động"
NATIONAL_DAY = "Quốc khánh"


def _swap(worked: date) -> str:
    return f"Nghỉ hoán đổi (làm bù thứ Bảy {worked:%d/%m/%Y})"


def _make_up(off: date) -> str:
    return f"Làm bù cho ngày nghỉ {off:%d/%m/%Y}"


def _days(year: int, month: int, first: int, last: int, name: str) -> list[tuple[date, str]]:
    return [(date(year, month, d), name) for d in range(first, last + 1)]


# year → (weekdays off, make-up working days), each a list of (date, Vietnamese name).
OFFICIAL_SCHEDULES: dict[int, tuple[list[tuple[date, str]], list[tuple[date, str]]]] = {
    2024: (
        [
            (date(2024, 1, 1), NEW_YEAR),
            *_days(2024, 2, 8, 9, TET),
            *_days(2024, 2, 12, 14, TET),
            (date(2024, 4, 18), HUNG_KINGS),
            (date(2024, 4, 29), _swap(date(2024, 5, 4))),
            (date(2024, 4, 30), REUNIFICATION),
            (date(2024, 5, 1), LABOUR),
            *_days(2024, 9, 2, 3, NATIONAL_DAY),
        ],
        [(date(2024, 5, 4), _make_up(date(2024, 4, 29)))],
    ),
    2025: (
        [
            (date(2025, 1, 1), NEW_YEAR),
            *_days(2025, 1, 27, 31, TET),  # the break runs 25/01–02/02
            (date(2025, 4, 7), HUNG_KINGS),
            (date(2025, 4, 30), REUNIFICATION),
            (date(2025, 5, 1), LABOUR),
            (date(2025, 5, 2), _swap(date(2025, 4, 26))),
            *_days(2025, 9, 1, 2, NATIONAL_DAY),
        ],
        [(date(2025, 4, 26), _make_up(date(2025, 5, 2)))],
    ),
    2026: (
        [
            (date(2026, 1, 1), NEW_YEAR),
            *_days(2026, 2, 16, 20, TET),  # the break runs 14/02–22/02
            (date(2026, 4, 27), f"{HUNG_KINGS} (nghỉ bù cho Chủ nhật 26/04/2026)"),
            (date(2026, 4, 30), REUNIFICATION),
            (date(2026, 5, 1), LABOUR),
            (date(2026, 8, 31), _swap(date(2026, 8, 22))),
            *_days(2026, 9, 1, 2, NATIONAL_DAY),
        ],
        [(date(2026, 8, 22), _make_up(date(2026, 8, 31)))],
    ),
}

# Days the package (or an announcement) gives but the law does not confirm yet: seeded as days off
# with confirmed=False, for an administrator to confirm or delete. Keyed by (month, day).
UNSURE_DAYS_OFF: dict[tuple[int, int], str] = {
    (11, 24): (
        "Ngày Văn hóa Việt Nam (24/11): đã được công bố là ngày nghỉ nhưng chưa được xác nhận "
        "trong luật. Quản trị viên xác nhận hoặc xóa ngày này."
    ),
}
