"""The working week and sessions, the official calendar table, and extra reception sessions."""

import re
from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .deadlines import sessions_error

WEEKDAYS_RE = re.compile(r"^[1-7]{1,7}$")


class Weekday(models.IntegerChoices):
    """ISO weekdays, as in `date.isoweekday()`."""

    MONDAY = 1, _("Thứ Hai")
    TUESDAY = 2, _("Thứ Ba")
    WEDNESDAY = 3, _("Thứ Tư")
    THURSDAY = 4, _("Thứ Năm")
    FRIDAY = 5, _("Thứ Sáu")
    SATURDAY = 6, _("Thứ Bảy")
    SUNDAY = 7, _("Chủ nhật")


def validate_weekdays(value: str) -> None:
    if not WEEKDAYS_RE.match(value or "") or len(set(value)) != len(value):
        raise ValidationError(
            _("Ngày làm việc trong tuần là các chữ số 1 (thứ Hai) đến 7 (Chủ nhật), không lặp."),
            code="invalid_weekdays",
        )


_SESSION_MESSAGES = {
    "empty": _("Cần ít nhất một buổi làm việc."),
    "empty_session": _("Giờ bắt đầu của buổi làm việc phải trước giờ kết thúc."),
    "not_ordered": _("Các buổi làm việc phải theo thứ tự thời gian."),
    "overlap": _("Các buổi làm việc không được chồng lên nhau."),
}


def validate_sessions(sessions: list[tuple[time, time]]) -> None:
    """Raise a ValidationError (in Vietnamese) unless the sessions are ordered and disjoint."""
    problem = sessions_error(sessions)
    if problem:
        raise ValidationError(_SESSION_MESSAGES[problem], code=f"sessions_{problem}")


class WorkSchedule(models.Model):
    """The working week and daily sessions of an agency; the row without agency is the default."""

    agency = models.OneToOneField(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_schedule",
        help_text=_("Để trống: lịch mặc định của tỉnh."),
    )
    weekdays = models.CharField(
        _("ngày làm việc trong tuần"),
        max_length=7,
        default="12345",
        validators=[validate_weekdays],
        help_text=_(
            "Các chữ số 1 (thứ Hai) đến 7 (Chủ nhật); mặc định 12345 (thứ Hai đến thứ Sáu)."
        ),
    )
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("lịch làm việc trong tuần")
        verbose_name_plural = _("lịch làm việc trong tuần")
        constraints = [
            # At most one default row: every null agency maps to the same key.
            models.UniqueConstraint(
                Coalesce("agency", models.Value(0)), name="worktime_one_schedule_per_agency"
            ),
        ]

    def __str__(self):
        return str(self.agency) if self.agency_id else str(_("Lịch mặc định của tỉnh"))

    @property
    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(int(c) for c in self.weekdays)


class WorkSession(models.Model):
    """One daily session (buổi làm việc) of a schedule, e.g. 07:30–11:30."""

    schedule = models.ForeignKey(
        WorkSchedule,
        verbose_name=_("lịch làm việc"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    start = models.TimeField(_("bắt đầu"))
    end = models.TimeField(_("kết thúc"))

    class Meta:
        verbose_name = _("buổi làm việc")
        verbose_name_plural = _("buổi làm việc")
        ordering = ["schedule", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")),
                name="worktime_session_start_before_end",
            ),
        ]

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


class DayKind(models.TextChoices):
    DAY_OFF = "day_off", _("Ngày nghỉ")
    WORKING_DAY = "working_day", _("Ngày làm việc bù")


class DaySource(models.TextChoices):
    PACKAGE = "package", _("Tính theo quy tắc (gói holidays)")
    OFFICIAL = "official", _("Lịch nghỉ chính thức")
    ADMIN = "admin", _("Quản trị viên")


class CalendarDay(models.Model):
    """An exception to the working week: a day off on a weekday, or a make-up working day."""

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=12, choices=DayKind.choices)
    name = models.CharField(_("tên"), max_length=255)
    source = models.CharField(_("nguồn"), max_length=10, choices=DaySource.choices)
    confirmed = models.BooleanField(
        _("đã xác nhận"),
        default=True,
        help_text=_("Chưa xác nhận: vẫn được tính là ngày nghỉ cho đến khi quản trị viên xóa."),
    )
    note = models.TextField(_("ghi chú"), blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} — {self.name}"


class DeletedCalendarDay(models.Model):
    """A date whose calendar row an administrator deleted: re-seeding must not bring it back."""

    date = models.DateField(_("ngày"), unique=True)
    name = models.CharField(_("tên ngày đã xóa"), max_length=255, blank=True)
    deleted_at = models.DateTimeField(_("xóa lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("ngày đã xóa khỏi lịch")
        verbose_name_plural = _("ngày đã xóa khỏi lịch (không nạp lại)")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} — {self.name}"


class ExtraSession(models.Model):
    """A reception session outside working time (e.g. "Chủ nhật vì dân").

    It counts for receiving and returning dossiers, not as working time: a dossier received in it
    counts from the next working start.
    """

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.CASCADE,
        related_name="extra_sessions",
    )
    name = models.CharField(_("tên"), max_length=255)
    date = models.DateField(_("ngày cụ thể"), null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(
        _("hằng tuần vào"), choices=Weekday.choices, null=True, blank=True
    )
    start = models.TimeField(_("bắt đầu"))
    end = models.TimeField(_("kết thúc"))
    valid_from = models.DateField(_("áp dụng từ ngày"), null=True, blank=True)
    valid_until = models.DateField(_("áp dụng đến ngày"), null=True, blank=True)
    active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        verbose_name = _("buổi tiếp nhận ngoài giờ")
        verbose_name_plural = _("buổi tiếp nhận ngoài giờ")
        ordering = ["agency", "date", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(date__isnull=False, weekday__isnull=True)
                    | models.Q(date__isnull=True, weekday__isnull=False)
                ),
                name="worktime_extra_session_date_xor_weekday",
            ),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")),
                name="worktime_extra_session_start_before_end",
            ),
        ]
        indexes = [models.Index(fields=["agency", "active"])]

    def __str__(self):
        when = f"{self.date:%d/%m/%Y}" if self.date else self.get_weekday_display()
        return f"{self.name} ({when} {self.start:%H:%M}–{self.end:%H:%M})"

    def clean(self):
        errors = {}
        if (self.date is None) == (self.weekday is None):
            errors["date"] = _("Chọn đúng một trong hai: một ngày cụ thể hoặc một ngày trong tuần.")
        if self.start and self.end and self.start >= self.end:
            errors["end"] = _("Giờ kết thúc phải sau giờ bắt đầu.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("Ngày kết thúc áp dụng phải sau ngày bắt đầu.")
        if errors:
            raise ValidationError(errors)
