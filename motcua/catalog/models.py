"""The procedure catalog: procedures (thủ tục hành chính), their published versions, required
documents, fees and charges, and the internal process steps.

A Procedure is the stable identity (national code, status, search columns of its current
version). Each publication of a change creates a new ProcedureVersion; dossiers reference the
version they were received under, so a later change never alters them.
"""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency, AgencyKind, Role
from motcua.common.text import fold

# National database code `d.dddddd`, optionally followed by the province's suffix
# (e.g. `1.008377.000.00.00.H13`).
CODE_RE = re.compile(r"^[0-9]\.[0-9]{6}(\.[0-9A-Z]+)*$")


def validate_procedure_code(value: str) -> None:
    if len(value) > 40 or not CODE_RE.match(value):
        raise ValidationError(
            _("Mã thủ tục không đúng định dạng (ví dụ 1.001234)."), code="invalid_code"
        )


class Level(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Trực tuyến toàn trình")
    PARTIAL = "partial", _("Trực tuyến một phần")
    NONE = "none", _("Không trực tuyến")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")


class ProcedureStatus(models.TextChoices):
    ACTIVE = "active", _("Đang thực hiện")
    SUSPENDED = "suspended", _("Tạm ngừng")
    ABOLISHED = "abolished", _("Đã bãi bỏ")


class FeeKind(models.TextChoices):
    FEE = "fee", _("Phí")
    CHARGE = "charge", _("Lệ phí")


# Roles that perform steps of an internal process.
STEP_ROLES = [Role.RECEPTIONIST, Role.SPECIALIST, Role.LEADER]
HOURS_PER_WORKING_DAY = Decimal(8)


class Field(models.Model):
    """Lĩnh vực: the subject area of a procedure (Hộ tịch, Đất đai, …)."""

    name = models.CharField(_("tên lĩnh vực"), max_length=255, unique=True)
    slug = models.SlugField(_("đường dẫn"), max_length=255, unique=True)
    name_folded = models.CharField(max_length=255, editable=False, default="")

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        if not self.slug:
            self.slug = self.name_folded.replace(" ", "-")[:255]
        super().save(*args, **kwargs)


class Procedure(models.Model):
    code = models.CharField(
        _("mã thủ tục"), max_length=40, unique=True, validators=[validate_procedure_code]
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=ProcedureStatus.choices,
        default=ProcedureStatus.ACTIVE,
        db_index=True,
    )
    abolished_on = models.DateField(_("ngày bãi bỏ"), null=True, blank=True)
    abolished_by = models.CharField(_("văn bản bãi bỏ"), max_length=255, blank=True)
    current_version = models.OneToOneField(
        "ProcedureVersion",
        verbose_name=_("phiên bản đang áp dụng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Agencies of this province that implement the procedure (the competent agencies).
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("cơ quan thực hiện"), blank=True, related_name="procedures"
    )
    # Denormalised from the current version for listing, filtering and search (kept by
    # refresh_search_columns(); identical logic on SQLite and PostgreSQL).
    name = models.CharField(_("tên thủ tục"), max_length=500, default="")
    field = models.ForeignKey(
        Field,
        verbose_name=_("lĩnh vực"),
        null=True,
        on_delete=models.PROTECT,
        related_name="procedures",
    )
    online = models.CharField(
        _("mức độ trực tuyến"), max_length=8, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    at_province = models.BooleanField(_("cấp tỉnh"), default=False)
    at_commune = models.BooleanField(_("cấp xã"), default=False)
    name_folded = models.CharField(max_length=500, editable=False, default="")
    search_folded = models.TextField(editable=False, default="")
    popularity = models.PositiveIntegerField(_("lượt xem"), default=0)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]
        indexes = [models.Index(fields=["status", "field"])]

    def __str__(self):
        return f"{self.code} — {self.name}"

    @property
    def is_available(self) -> bool:
        """Shown in search and open to new dossiers."""
        return self.status == ProcedureStatus.ACTIVE

    def refresh_search_columns(self) -> None:
        """Copy the current version's searchable content into this row (caller saves)."""
        version = self.current_version
        if version is None:
            return
        self.name = version.name
        self.field = version.field
        self.online = version.online
        self.at_province = Level.PROVINCE in version.levels
        self.at_commune = Level.COMMUNE in version.levels
        self.name_folded = fold(version.name)
        documents = " ".join(d.name for d in version.documents.all())
        self.search_folded = fold(f"{version.field.name} {documents}")


class ProcedureVersion(models.Model):
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("phiên bản"))
    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.ForeignKey(Field, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT)
    levels = models.JSONField(_("cấp thực hiện"), default=list)
    receiving_agency_kinds = models.JSONField(_("loại cơ quan tiếp nhận"), default=list)
    deciding_agency_kind = models.CharField(
        _("loại cơ quan giải quyết"), max_length=30, choices=AgencyKind.choices
    )
    time_value = models.DecimalField(_("thời hạn giải quyết"), max_digits=7, decimal_places=2)
    time_unit = models.CharField(_("đơn vị thời hạn"), max_length=14, choices=TimeUnit.choices)
    cutoff_time = models.TimeField(
        _("giờ chốt nhận trong ngày"),
        null=True,
        blank=True,
        help_text=_("Nhận sau giờ này thì tính từ ngày làm việc tiếp theo (ví dụ 15:00)."),
    )
    online = models.CharField(_("mức độ trực tuyến"), max_length=8, choices=OnlineLevel.choices)
    applicants = models.TextField(_("đối tượng thực hiện"), blank=True)
    conditions = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    result = models.TextField(_("kết quả thực hiện"), blank=True)
    method = models.TextField(_("cách thức thực hiện"), blank=True)
    legal_basis = models.JSONField(_("căn cứ pháp lý"), default=list, blank=True)
    decision_number = models.CharField(_("quyết định công bố"), max_length=255, blank=True)
    effective_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    content_hash = models.CharField(max_length=64, editable=False, db_index=True)
    created_at = models.DateTimeField(_("thời điểm công bố"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người công bố"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    change_note = models.CharField(_("nội dung thay đổi"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="unique_version_number")
        ]

    def __str__(self):
        return f"{self.procedure.code} v{self.number}"

    @property
    def processing_hours(self) -> Decimal:
        """The legal time limit in working hours (N working days = N × 8 working hours)."""
        if self.time_unit == TimeUnit.WORKING_DAYS:
            return self.time_value * HOURS_PER_WORKING_DAY
        return self.time_value

    @property
    def steps_hours(self) -> Decimal:
        return sum((s.working_hours for s in self.steps.all()), Decimal(0))

    @property
    def steps_match_time_limit(self) -> bool:
        return self.steps_hours == self.processing_hours


class RequiredDocument(models.Model):
    """Thành phần hồ sơ: one component a dossier must contain."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="documents"
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    copies = models.PositiveSmallIntegerField(_("số lượng"), default=1)
    original = models.BooleanField(_("bản chính"), default=False)
    form_name = models.CharField(_("mẫu đơn, tờ khai"), max_length=255, blank=True)
    form_file = models.FileField(_("tệp mẫu"), upload_to="catalog/forms/", blank=True)
    required = models.BooleanField(_("bắt buộc"), default=True)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["version", "position"]

    def __str__(self):
        return self.name


class Fee(models.Model):
    """Phí, lệ phí in VND (integers)."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="fees")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên phí, lệ phí"), max_length=500)
    kind = models.CharField(
        _("loại"), max_length=8, choices=FeeKind.choices, default=FeeKind.CHARGE
    )
    amount = models.PositiveBigIntegerField(_("mức thu (đồng)"))
    exempt = models.TextField(_("đối tượng miễn, giảm"), blank=True)

    class Meta:
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")
        ordering = ["version", "position"]

    def __str__(self):
        return f"{self.name}: {self.amount:,} đ".replace(",", ".")


class Step(models.Model):
    """One step of the internal process (quy trình nội bộ), in order."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên bước"), max_length=255)
    role = models.CharField(
        _("vai trò thực hiện"), max_length=20, choices=[(r.value, r.label) for r in STEP_ROLES]
    )
    agency_kind = models.CharField(
        _("loại cơ quan thực hiện"), max_length=30, choices=AgencyKind.choices
    )
    working_hours = models.DecimalField(
        _("thời gian (giờ làm việc)"), max_digits=7, decimal_places=2
    )

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("bước xử lý")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="unique_step_position")
        ]

    def __str__(self):
        return f"{self.position}. {self.name}"
