"""Fees due on a dossier and how they were paid.

- `ExemptionCategory` (configurable in the admin) and `Exemption` (per catalog fee: who pays
  less, by what percentage); `FeeRule` (per catalog fee: when the fee is due).
- `PaymentRequest`: what the dossier owes, one per `request_payment` action (lines computed from
  the catalog minus the exemptions the officer checked).
- `Payment`: one attempt to pay a request, at the counter (receipt number) or online (an order at
  a gateway); `Refund` rows return money from a paid payment.
- `GatewayCallback`: every callback from a gateway, accepted or rejected with the reason.

Money is in đồng (VND), always integers.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.catalog.models import Fee
from motcua.dossiers.models import Dossier, Event


class FeeTiming(models.TextChoices):
    ON_ACCEPTANCE = "on_acceptance", _("Khi tiếp nhận hồ sơ")
    BEFORE_PROCESSING = "before_processing", _("Trước khi giải quyết")
    BEFORE_RESULT = "before_result", _("Trước khi trả kết quả")


class ExemptionCategory(models.Model):
    """A kind of person or household that pays less (người có công, hộ nghèo, trẻ em dưới 6 tuổi…)."""

    code = models.SlugField(_("mã"), max_length=50, unique=True)
    label = models.CharField(_("tên đối tượng"), max_length=255)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        verbose_name = _("đối tượng miễn, giảm")
        verbose_name_plural = _("đối tượng miễn, giảm")
        ordering = ["position", "label"]

    def __str__(self):
        return self.label


class FeeRule(models.Model):
    """When a catalog fee is due (absent: MOTCUA_PAYMENTS_DEFAULT_TIMING)."""

    fee = models.OneToOneField(
        Fee, verbose_name=_("phí, lệ phí"), on_delete=models.CASCADE, related_name="payment_rule"
    )
    timing = models.CharField(
        _("thời điểm phải nộp"),
        max_length=20,
        choices=FeeTiming.choices,
        default=FeeTiming.BEFORE_PROCESSING,
    )

    class Meta:
        verbose_name = _("quy định thời điểm nộp phí")
        verbose_name_plural = _("quy định thời điểm nộp phí")

    def __str__(self):
        return f"{self.fee.name}: {self.get_timing_display()}"


class Exemption(models.Model):
    """A catalog fee is reduced by `percent` for a category (100: exempt)."""

    fee = models.ForeignKey(
        Fee, verbose_name=_("phí, lệ phí"), on_delete=models.CASCADE, related_name="exemptions"
    )
    category = models.ForeignKey(
        ExemptionCategory,
        verbose_name=_("đối tượng"),
        on_delete=models.PROTECT,
        related_name="exemptions",
    )
    percent = models.PositiveSmallIntegerField(
        _("tỷ lệ miễn, giảm (%)"), default=100, validators=[MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("mức miễn, giảm")
        verbose_name_plural = _("mức miễn, giảm")
        ordering = ["fee", "category__position"]
        constraints = [
            models.UniqueConstraint(fields=["fee", "category"], name="unique_fee_exemption"),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="exemption_percent_0_100"
            ),
        ]

    def __str__(self):
        return f"{self.category.label}: −{self.percent}%"


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Chờ nộp")
    PAID = "paid", _("Đã nộp")
    CANCELLED = "cancelled", _("Đã hủy")


class PaymentRequest(models.Model):
    """What a dossier owes: opened by the dossier's `request_payment` event (during processing,
    or after the decision before delivery: the event's from_state tells which), closed by its
    `pay` event."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="payment_requests"
    )
    event = models.OneToOneField(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.PositiveBigIntegerField(_("số tiền phải nộp (đồng)"))
    # [{name, kind, fee, base, percent, exemption, amount}] — a snapshot, the catalog may change.
    lines = models.JSONField(_("các khoản"), default=list)
    exemptions = models.JSONField(_("đối tượng miễn, giảm đã xác minh"), default=list, blank=True)
    timing = models.CharField(
        _("thời điểm phải nộp"), max_length=20, choices=FeeTiming.choices, blank=True
    )
    status = models.CharField(
        _("tình trạng"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("thời điểm yêu cầu"))
    closed_at = models.DateTimeField(_("thời điểm đóng"), null=True, blank=True)

    class Meta:
        verbose_name = _("yêu cầu nộp phí, lệ phí")
        verbose_name_plural = _("yêu cầu nộp phí, lệ phí")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(status="open"), name="one_open_payment_request"
            )
        ]

    def __str__(self):
        return f"{self.dossier} — {self.amount:,} đ".replace(",", ".")


class PaymentMethod(models.TextChoices):
    COUNTER = "counter", _("Tại quầy")
    ONLINE = "online", _("Trực tuyến")
    OTHER = "other", _("Khác")


class PaymentState(models.TextChoices):
    PENDING = "pending", _("Chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Không thành công")
    CANCELLED = "cancelled", _("Đã hủy")
    EXPIRED = "expired", _("Hết hạn")
    PARTIALLY_REFUNDED = "partially_refunded", _("Đã hoàn một phần")
    REFUNDED = "refunded", _("Đã hoàn tiền")


# States in which the money was received (refunds may follow).
RECEIVED_STATES = (PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED)


class Payment(models.Model):
    request = models.ForeignKey(
        PaymentRequest, verbose_name=_("yêu cầu"), on_delete=models.PROTECT, related_name="payments"
    )
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="payments"
    )
    # Who collected the money (the receiving center) and whose fee it is (the competent agency):
    # the reconciliation groups by the first, either one puts the payment in an officer's scope.
    agency = models.ForeignKey(
        Agency, verbose_name=_("đơn vị thu"), on_delete=models.PROTECT, related_name="+"
    )
    competent_agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan có thẩm quyền"), on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("hình thức"), max_length=8, choices=PaymentMethod.choices)
    gateway = models.CharField(_("cổng thanh toán"), max_length=30, blank=True)
    order_id = models.CharField(_("mã giao dịch"), max_length=40, unique=True)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=PaymentState.choices, default=PaymentState.PENDING
    )
    receipt_number = models.CharField(_("số biên lai"), max_length=100, blank=True)
    gateway_txn = models.CharField(_("mã giao dịch tại cổng"), max_length=100, blank=True)
    gateway_code = models.CharField(_("mã phản hồi của cổng"), max_length=20, blank=True)
    bank_code = models.CharField(_("ngân hàng"), max_length=30, blank=True)
    # False when the money arrived but the dossier no longer waited for it (withdrawn,
    # stopped, already paid): such a payment must be refunded.
    applied = models.BooleanField(_("đã ghi nhận vào hồ sơ"), default=False)
    refunded_amount = models.PositiveBigIntegerField(_("đã hoàn (đồng)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("thời điểm tạo"))
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    paid_at = models.DateTimeField(_("thời điểm thanh toán"), null=True, blank=True)

    class Meta:
        verbose_name = _("khoản thanh toán")
        verbose_name_plural = _("khoản thanh toán")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "gateway_txn"],
                condition=~Q(gateway_txn=""),
                name="unique_gateway_transaction",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("amount")), name="refund_within_amount"
            ),
        ]
        indexes = [models.Index(fields=["agency", "paid_at"]), models.Index(fields=["paid_at"])]

    def __str__(self):
        return self.order_id

    @property
    def refundable(self) -> int:
        if self.state not in RECEIVED_STATES:
            return 0
        return self.amount - self.refunded_amount

    @property
    def needs_refund(self) -> bool:
        return self.state in RECEIVED_STATES and not self.applied and self.refundable > 0


class Refund(models.Model):
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("khoản thanh toán"),
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    amount = models.PositiveBigIntegerField(_("số tiền hoàn (đồng)"))
    reason = models.TextField(_("lý do"))
    reference = models.CharField(_("số chứng từ hoàn"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("thời điểm hoàn"))

    class Meta:
        verbose_name = _("hoàn tiền")
        verbose_name_plural = _("hoàn tiền")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive")]

    def __str__(self):
        return f"{self.payment} −{self.amount:,} đ".replace(",", ".")


class CallbackOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Đã chấp nhận")
    REPLAY = "replay", _("Trùng lặp (đã xử lý)")
    REJECTED = "rejected", _("Bị từ chối")


class GatewayCallback(models.Model):
    """One callback (server IPN or browser return) received from a gateway: append-only log."""

    gateway = models.CharField(_("cổng thanh toán"), max_length=30)
    channel = models.CharField(_("kênh"), max_length=10)  # ipn | return
    order_id = models.CharField(_("mã giao dịch"), max_length=100, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="callbacks"
    )
    params = models.JSONField(_("tham số"), default=dict)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=CallbackOutcome.choices)
    reason = models.CharField(_("lý do"), max_length=40, blank=True)
    remote_addr = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    received_at = models.DateTimeField(_("thời điểm nhận"), auto_now_add=True)

    class Meta:
        verbose_name = _("phản hồi từ cổng thanh toán")
        verbose_name_plural = _("nhật ký phản hồi từ cổng thanh toán")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["order_id"]),
            models.Index(fields=["outcome", "received_at"]),
        ]

    def __str__(self):
        return f"{self.gateway} {self.order_id} {self.outcome} {self.reason}"
