"""Administrative units, agencies (in a tree), counters of a center, and staff roles per agency.

Writes go through services.py, non-trivial reads through selectors.py; see docs/agencies.md.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.common.text import fold

# QĐ 20/2020: dot-separated groups of 0-9 A-Z read left to right, the first a level-1 code
# such as H15; at most 35 characters. The older 13-character form reads right to left.
E_ID_RE = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]+)*$")
LEGACY_E_ID_RE = re.compile(r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$")
E_ID_MAX_LENGTH = 35


def validate_e_id(value: str) -> None:
    if len(value) > E_ID_MAX_LENGTH or not (E_ID_RE.match(value) or LEGACY_E_ID_RE.match(value)):
        raise ValidationError(
            _(
                "Mã định danh điện tử không hợp lệ (QĐ 20/2020): ví dụ H15.50.05 hoặc 000.00.00.H13."
            ),
            code="invalid_e_id",
        )


def normalize_e_id(value: str) -> str:
    """Codes are upper case without spaces; people type `h22.40 `."""
    return (value or "").strip().upper()


class ElectronicIdField(models.CharField):
    """An agency electronic identifier: normalised before validation (forms and full_clean)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", E_ID_MAX_LENGTH)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_e_id(value) if value is not None else value


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh, thành phố")
    COMMUNE = "commune", _("Xã, phường, đặc khu")


class AdministrativeUnit(models.Model):
    """A province (2-digit code) or commune/ward/special zone (5-digit code), from vietnam-provinces.

    Rows are loaded by `motcua load-units` (services.load_units); a unit that leaves the official
    list is kept with `valid_until` set, for historic dossiers.
    """

    code = models.CharField(_("mã"), max_length=5, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    division_type = models.CharField(_("loại"), max_length=40)
    level = models.CharField(_("cấp"), max_length=10, choices=UnitLevel.choices)
    province = models.ForeignKey(
        "self",
        verbose_name=_("tỉnh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="communes",
        limit_choices_to={"level": UnitLevel.PROVINCE.value},
    )
    codename = models.CharField(_("tên mã"), max_length=100, blank=True)
    name_folded = models.CharField(max_length=200, editable=False, default="")
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_until = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "province"])]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)

    @property
    def inline_name(self) -> str:
        """The name as written inside a phrase: "UBND *tỉnh Quảng Ninh*", "Sở Tư pháp *thành phố Huế*"."""
        if self.division_type and self.name.startswith(self.division_type):
            return self.division_type.lower() + self.name[len(self.division_type) :]
        return self.name


class AgencyKind(models.TextChoices):
    PROVINCE_COMMITTEE = "province_committee", _("UBND tỉnh")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    SERVICE_CENTER = "service_center", _("Trung tâm Phục vụ hành chính công tỉnh")
    COMMUNE_COMMITTEE = "commune_committee", _("UBND xã, phường")
    COMMUNE_CENTER = "commune_center", _("Trung tâm phục vụ hành chính công cấp xã")
    VERTICAL_AGENCY = "vertical_agency", _("Cơ quan ngành dọc")

    @classmethod
    def centers(cls) -> set[str]:
        """Kinds that receive and return dossiers at counters."""
        return {cls.SERVICE_CENTER, cls.COMMUNE_CENTER}

    @classmethod
    def unit_level(cls, kind: str) -> str | None:
        """The level of administrative unit an agency of this kind belongs to (None: either)."""
        if kind in {cls.COMMUNE_COMMITTEE, cls.COMMUNE_CENTER}:
            return UnitLevel.COMMUNE
        if kind in {cls.PROVINCE_COMMITTEE, cls.SERVICE_CENTER, cls.DEPARTMENT}:
            return UnitLevel.PROVINCE
        return None


class Agency(models.Model):
    """An agency (cơ quan, đơn vị) in the province's tree: UBND tỉnh at the root, its departments,
    centers and communes below. The tree is the scope of managers and administrators."""

    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    kind = models.CharField(_("loại"), max_length=30, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    e_id = ElectronicIdField(
        _("mã định danh điện tử"),
        unique=True,
        validators=[validate_e_id],
        help_text=_("Theo QĐ 20/2020/QĐ-TTg, ví dụ H22.40; mã cũ được lưu trong lịch sử mã."),
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("đơn vị hành chính"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    hotline = models.CharField(_("đường dây nóng"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    opening_hours = models.CharField(_("giờ tiếp nhận"), max_length=255, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    name_folded = models.CharField(max_length=255, editable=False, default="")

    class Meta:
        verbose_name = _("cơ quan, đơn vị")
        verbose_name_plural = _("cơ quan, đơn vị")
        ordering = ["e_id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.e_id = normalize_e_id(self.e_id)
        self.name_folded = fold(f"{self.name} {self.short_name}")
        super().save(*args, **kwargs)

    def clean(self):
        node, seen = self.parent, set()
        while node is not None:
            if (self.pk is not None and node.pk == self.pk) or node.pk in seen:
                raise ValidationError({"parent": _("Cây cơ quan không được có vòng lặp.")})
            seen.add(node.pk)
            node = node.parent
        level = AgencyKind.unit_level(self.kind)
        if self.unit_id and level and self.unit.level != level:
            raise ValidationError(
                {
                    "unit": _(
                        "Đơn vị hành chính không phù hợp với loại cơ quan (cấp tỉnh hay cấp xã)."
                    )
                }
            )

    def ancestors(self) -> list["Agency"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def is_center(self) -> bool:
        return self.kind in AgencyKind.centers()


class AgencyCodeHistory(models.Model):
    """Earlier electronic identifiers of an agency (agencies were re-coded after the 2025 mergers).

    Dossier codes issued under an old identifier keep it, so look-ups by code must search here too
    (selectors.agency_by_e_id)."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="code_history"
    )
    e_id = ElectronicIdField(_("mã định danh cũ"), validators=[validate_e_id], db_index=True)
    valid_from = models.DateField(_("dùng từ ngày"), null=True, blank=True)
    valid_until = models.DateField(_("dùng đến ngày"))

    class Meta:
        verbose_name = _("mã định danh cũ")
        verbose_name_plural = _("lịch sử mã định danh")
        ordering = ["agency", "-valid_until"]

    def __str__(self):
        return f"{self.e_id} (→ {self.valid_until:%d/%m/%Y})"

    def save(self, *args, **kwargs):
        self.e_id = normalize_e_id(self.e_id)
        super().save(*args, **kwargs)

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValidationError({"valid_until": _("Ngày kết thúc phải sau ngày bắt đầu.")})


class Counter(models.Model):
    """A reception/return counter (quầy) of a service center."""

    center = models.ForeignKey(
        Agency,
        verbose_name=_("trung tâm"),
        on_delete=models.CASCADE,
        related_name="counters",
        limit_choices_to={"kind__in": sorted(kind.value for kind in AgencyKind.centers())},
    )
    number = models.PositiveSmallIntegerField(_("số quầy"))
    name = models.CharField(_("tên quầy"), max_length=255)
    served_agencies = models.ManyToManyField(
        Agency, verbose_name=_("cơ quan tiếp nhận tại quầy"), blank=True, related_name="served_at"
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("quầy tiếp nhận")
        verbose_name_plural = _("quầy tiếp nhận")
        ordering = ["center", "number"]
        constraints = [
            models.UniqueConstraint(fields=["center", "number"], name="unique_counter_number")
        ]

    def __str__(self):
        return f"{self.number:02d} — {self.name}"

    def clean(self):
        if self.center_id and self.center.kind not in AgencyKind.centers():
            raise ValidationError(
                {"center": _("Quầy chỉ thuộc một trung tâm phục vụ hành chính công.")}
            )


class Role(models.TextChoices):
    RECEPTIONIST = "receptionist", _("Cán bộ tiếp nhận")
    SPECIALIST = "specialist", _("Chuyên viên")
    LEADER = "leader", _("Lãnh đạo")
    MANAGER = "manager", _("Quản lý, giám sát")
    ADMINISTRATOR = "administrator", _("Quản trị")

    @classmethod
    def covering_descendants(cls) -> set[str]:
        """Roles whose scope is the agency and everything below it in the tree."""
        return {cls.MANAGER, cls.ADMINISTRATOR}


class Membership(models.Model):
    """A staff member's role in one agency: the agency scope of their permissions.

    Memberships are deactivated rather than deleted (services.revoke_role), to keep who held
    which role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    counter = models.ForeignKey(
        Counter, verbose_name=_("quầy"), null=True, blank=True, on_delete=models.SET_NULL
    )
    is_active = models.BooleanField(_("đang hiệu lực"), default=True)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    class Meta:
        verbose_name = _("phân công cán bộ")
        verbose_name_plural = _("phân công cán bộ")
        ordering = ["agency", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="unique_membership")
        ]
        indexes = [models.Index(fields=["agency", "role"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.agency}"

    def clean(self):
        if self.counter_id and self.agency_id and self.counter.center_id != self.agency_id:
            raise ValidationError({"counter": _("Quầy phải thuộc cơ quan được phân công.")})
