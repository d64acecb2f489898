"""The outbox: one `Message` row per notification to one recipient on one channel.

Rows are written in the transaction of the dossier event that causes them (see receivers.py), so
a notification exists if and only if its event committed. Delivery (tasks.py) moves a row from
`pending` to `sending` (a lease) to `sent`; a failure schedules a retry (`failed`, with
`next_attempt_at`) until the attempts run out (`dead`). The row, not the broker, is the source of
truth: the flush re-queues whatever a lost task or a killed worker left behind.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận hồ sơ")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung hồ sơ")
    REFUSED = "refused", _("Từ chối tiếp nhận hồ sơ")
    DUE_SOON = "due_soon", _("Sắp đến hạn trả kết quả")
    LATE_NEW_APPOINTMENT = "late_new_appointment", _("Xin lỗi và hẹn lại ngày trả kết quả")
    RESULT_READY = "result_ready", _("Đã có kết quả")
    PAID = "paid", _("Đã thực hiện nghĩa vụ tài chính")
    DIGEST = "digest", _("Tổng hợp hồ sơ đến hạn, quá hạn")


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class MessageState(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi lỗi, sẽ thử lại")
    DEAD = "dead", _("Gửi không thành công")


class Message(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What it is about. A digest has no dossier and no event.
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    # No database constraint: the event log is guarded by its hash chain, and a deleted event
    # (tampering, which dossiers.chain detects) must stay detectable, not be blocked by the
    # outbox. Events are append-only, so the reference never dangles in normal operation.
    event = models.ForeignKey(
        "dossiers.Event",
        verbose_name=_("sự kiện"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="messages",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhận (tài khoản)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("loại thông báo"), max_length=24, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=ChannelKind.choices)
    recipient = models.CharField(_("người nhận"), max_length=255)
    # Rendered when queued: a later template change never alters a queued message.
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    # One notification per cause: a duplicated or retried receiver cannot queue it twice.
    dedupe_key = models.CharField(max_length=200, unique=True)

    state = models.CharField(
        _("trạng thái"), max_length=8, choices=MessageState.choices, default=MessageState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lúc"))
    lease_until = models.DateTimeField(_("giữ đến"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    sent_at = models.DateTimeField(_("thời điểm gửi"), null=True, blank=True)
    provider_id = models.CharField(_("mã của nhà cung cấp"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "kind"],
                condition=models.Q(event__isnull=False),
                name="unique_message_per_event_channel_kind",
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["state", "lease_until"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_state_display()})"
