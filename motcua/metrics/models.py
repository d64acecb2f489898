"""Models of the metrics app: the daily roll-ups of dossier events.

One row per local day (and one per month, MonthlyRollup) (Asia/Ho_Chi_Minh) × competent agency × receiving agency × procedure ×
channel, with integer counters (indicators.COUNTERS). Rows are incremented in the transaction
of each dossier action (rollups.on_event_appended) and can be rebuilt from the events
(rebuild.rebuild); the two must agree (tests/test_rebuild.py).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.catalog.models import Procedure
from motcua.dossiers.lifecycle import Channel

from .indicators import COUNTERS


def _counter_fields():
    return {
        name: (
            models.BigIntegerField(default=0)
            if name.endswith(("_seconds", "_amount"))
            else models.IntegerField(default=0)
        )
        for name in COUNTERS
    }


KEY_FIELDS = ("day", "competent_agency_id", "receiving_agency_id", "procedure_id", "channel")


class DailyRollupBase(models.Model):
    day = models.DateField(_("ngày"))
    competent_agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan có thẩm quyền"), on_delete=models.PROTECT, related_name="+"
    )
    receiving_agency = models.ForeignKey(
        Agency, verbose_name=_("nơi tiếp nhận"), on_delete=models.PROTECT, related_name="+"
    )
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("kênh nộp"), max_length=8, choices=Channel.choices)

    class Meta:
        abstract = True


# The counters are added as columns from indicators.COUNTERS so that both lists stay one.
for _name, _field in _counter_fields().items():
    DailyRollupBase.add_to_class(_name, _field)


class DailyRollup(DailyRollupBase):
    class Meta:
        verbose_name = _("số liệu tổng hợp theo ngày")
        verbose_name_plural = _("số liệu tổng hợp theo ngày")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "competent_agency", "receiving_agency", "procedure", "channel"],
                name="metrics_rollup_key",
            )
        ]
        indexes = [
            models.Index(fields=["competent_agency", "day"], name="metrics_rollup_comp_day"),
            models.Index(fields=["receiving_agency", "day"], name="metrics_rollup_recv_day"),
            models.Index(fields=["procedure", "day"], name="metrics_rollup_proc_day"),
        ]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.competent_agency_id} {self.procedure_id} {self.channel}"


class MonthlyRollup(DailyRollupBase):
    """The same counters per month (`day` is the month's first day): a year's dashboard reads
    12 months of these instead of 365 days of DailyRollup. Kept by the same receiver, rebuilt
    from the daily rows (rebuild.rebuild_months)."""

    class Meta:
        verbose_name = _("số liệu tổng hợp theo tháng")
        verbose_name_plural = _("số liệu tổng hợp theo tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "competent_agency", "receiving_agency", "procedure", "channel"],
                name="metrics_monthly_key",
            )
        ]
        indexes = [
            models.Index(fields=["competent_agency", "day"], name="metrics_monthly_comp_day"),
            models.Index(fields=["receiving_agency", "day"], name="metrics_monthly_recv_day"),
        ]

    def __str__(self):
        return f"{self.day:%m/%Y} {self.competent_agency_id} {self.procedure_id} {self.channel}"


# --- targets (added for the dashboards: docs/dashboards.md) ---------------------------------------


def _target_choices():
    from .indicators import INDICATORS

    return [(i.code, i.name) for i in INDICATORS.values() if i.unit == "percent"]


class Target(models.Model):
    """A target for a rate indicator (e.g. online share ≥ 50 %), for one agency or, with no
    agency, province-wide (the default of every agency). The dashboard shows achieved vs target;
    an agency's own row wins over the province-wide one valid on the period's last day."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Để trống: chỉ tiêu chung của tỉnh (áp dụng cho mọi cơ quan)."),
    )
    indicator = models.CharField(_("chỉ số"), max_length=40, choices=_target_choices)
    value = models.DecimalField(
        _("mục tiêu (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    valid_from = models.DateField(_("áp dụng từ ngày"), null=True, blank=True)
    valid_until = models.DateField(_("áp dụng đến ngày"), null=True, blank=True)
    note = models.CharField(_("căn cứ, ghi chú"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["agency_id", "indicator", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="metrics_target_valid_range",
            )
        ]

    def __str__(self):
        return f"{self.get_indicator_display()} ≥ {self.value}%"

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError(
                {"valid_until": _("Ngày kết thúc phải không trước ngày bắt đầu.")}
            )
