"""The dossier (hồ sơ) and what hangs on it: attachments, steps of the control sheet, pauses,
the apology, the append-only event log, per-agency daily code sequences and idempotency keys.

A dossier's state changes only through dossiers.services (one function per lifecycle action),
which appends an Event in the same transaction. `version` is bumped by every action so that two
officers acting on one dossier cannot both win (the loser gets HTTP 409).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import AdministrativeUnit, Agency
from motcua.catalog.models import Procedure, ProcedureVersion, RequiredDocument
from motcua.common.text import fold

from .lifecycle import Action, Channel, DeliveryMethod, State
from .regimes import Regime


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    ENTERPRISE = "enterprise", _("Doanh nghiệp")
    AGENCY = "agency", _("Cơ quan nhà nước")
    ORGANISATION = "organisation", _("Tổ chức khác")


class ResultKind(models.TextChoices):
    APPROVED = "approved", _("Giải quyết")
    DENIED = "denied", _("Không giải quyết")


# Received, not decided nor ended: the dossiers "in progress" of the indicators (metrics
# selectors.open_dossiers). One list for the query and the partial index below: PostgreSQL uses
# a partial index only when the query's condition matches its own.
OPEN_RECEIVED_STATES = (State.PROCESSING, State.SUPPLEMENTING, State.AWAITING_PAYMENT)


class Dossier(models.Model):
    # Identity: `code` is issued at submission (online) or acceptance (counter); drafts have none.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("mã hồ sơ"), max_length=64, unique=True, null=True, blank=True)
    tracking_secret = models.CharField(_("mã tra cứu"), max_length=16)

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="dossiers"
    )
    procedure_version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("phiên bản thủ tục"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    regime = models.CharField(_("chế độ pháp lý"), max_length=12, choices=Regime.choices)
    channel = models.CharField(_("kênh nộp"), max_length=8, choices=Channel.choices)

    # Applicant (người nộp) and optional authorised representative.
    applicant_kind = models.CharField(
        _("loại người nộp"),
        max_length=12,
        choices=ApplicantKind.choices,
        default=ApplicantKind.CITIZEN,
    )
    applicant_name = models.CharField(_("họ tên / tên tổ chức"), max_length=255)
    applicant_id_number = models.CharField(_("số định danh / mã số thuế"), max_length=20)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    applicant_commune = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("xã, phường"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    representative_name = models.CharField(_("người được ủy quyền"), max_length=255, blank=True)
    representative_id_number = models.CharField(
        _("số định danh người được ủy quyền"), max_length=20, blank=True
    )
    representative_phone = models.CharField(
        _("điện thoại người được ủy quyền"), max_length=20, blank=True
    )
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản người nộp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )

    # Where: the receiving center (territorial rule: any center of the province), the competent
    # agency that decides, and the agency holding the dossier now (the current step's agency).
    receiving_agency = models.ForeignKey(
        Agency,
        verbose_name=_("nơi tiếp nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_dossiers",
    )
    competent_agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan có thẩm quyền"),
        on_delete=models.PROTECT,
        related_name="competent_dossiers",
    )
    current_agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan đang xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="current_dossiers",
    )

    # Where in the lifecycle.
    state = models.CharField(
        _("trạng thái"), max_length=16, choices=State.choices, default=State.DRAFT
    )
    previous_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    step_index = models.PositiveSmallIntegerField(_("bước hiện tại"), default=0)
    current_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_dossiers",
    )
    supplement_requests = models.PositiveSmallIntegerField(_("số lần yêu cầu bổ sung"), default=0)
    reception_supplement_requests = models.PositiveSmallIntegerField(default=0)
    extended = models.BooleanField(_("đã hẹn lại"), default=False)
    paused_since = models.DateTimeField(_("tạm dừng tính thời gian từ"), null=True, blank=True)

    # Times (UTC in the database, shown in Asia/Ho_Chi_Minh).
    created_at = models.DateTimeField(_("thời điểm tạo"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("thời điểm nộp"), null=True, blank=True)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn trả kết quả"), null=True, blank=True)
    decided_at = models.DateTimeField(_("thời điểm có kết quả"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)
    ended_at = models.DateTimeField(_("thời điểm kết thúc"), null=True, blank=True)

    result_kind = models.CharField(
        _("kết quả"), max_length=10, choices=ResultKind.choices, blank=True
    )
    result_note = models.TextField(_("nội dung kết quả"), blank=True)
    delivery_method = models.CharField(
        _("hình thức trả"), max_length=8, choices=DeliveryMethod.choices, blank=True
    )
    delivered_to = models.CharField(_("người nhận kết quả"), max_length=255, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: every action increments it (compare-and-swap on update).
    version = models.PositiveIntegerField(default=0)
    # Folded code + applicant name + id number, for worklist search on both databases.
    search_folded = models.CharField(max_length=600, editable=False, default="")

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Worklists and the menu's counts: INCLUDE lets a count be an index-only scan (the
            # menu's "overdue" on every back-office page read ~35 000 heap rows at 10 M).
            models.Index(
                fields=["current_agency", "state", "due_at"],
                include=["decided_at"],
                name="dossier_worklist_idx",
            ),
            models.Index(
                fields=["state", "due_at"],
                include=["current_agency", "receiving_agency", "decided_at"],
                name="dossier_state_due_idx",
            ),
            models.Index(fields=["current_officer", "state"]),
            models.Index(fields=["applicant_user", "-created_at"]),
            models.Index(fields=["receiving_agency", "received_at"]),
            models.Index(fields=["competent_agency", "received_at"]),
            models.Index(fields=["procedure", "received_at"]),
            # The indicators' snapshot of open dossiers (a grouped count on every dashboard
            # view): an index-only scan of the few open rows, not of the whole table
            # (docs/metrics.md, Scale). INCLUDE is PostgreSQL's; SQLite keeps the partial index.
            models.Index(
                fields=["competent_agency", "procedure"],
                include=[
                    "id",
                    "state",
                    "due_at",
                    "paused_since",
                    "receiving_agency",
                    "received_at",
                ],
                condition=models.Q(
                    state__in=OPEN_RECEIVED_STATES,
                    received_at__isnull=False,
                    decided_at__isnull=True,
                ),
                name="dossier_open_snapshot_idx",
            ),
        ]

    def __str__(self):
        return self.code or f"{_('Hồ sơ nháp')} {self.public_id}"

    def save(self, *args, **kwargs):
        self.refresh_search_column()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_folded", "updated_at"}
        super().save(*args, **kwargs)

    def refresh_search_column(self) -> None:
        self.search_folded = fold(
            f"{self.code or ''} {self.applicant_name} {self.applicant_id_number}"
        )[:600]


def attachment_path(instance, filename):
    # Stored under a random name (the original name is kept in the row).
    return f"dossiers/{instance.dossier.public_id}/{uuid.uuid4().hex}"


class AttachmentKind(models.TextChoices):
    SUBMISSION = "submission", _("Thành phần hồ sơ")
    SUPPLEMENT = "supplement", _("Hồ sơ bổ sung")
    RESULT = "result", _("Kết quả giải quyết")
    INTERNAL = "internal", _("Tài liệu xử lý nội bộ")


class Attachment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="attachments")
    document = models.ForeignKey(
        RequiredDocument,
        verbose_name=_("thành phần hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(
        _("loại"), max_length=12, choices=AttachmentKind.choices, default=AttachmentKind.SUBMISSION
    )
    file = models.FileField(_("tệp"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("kiểu nội dung"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    digitised = models.BooleanField(_("số hóa khi tiếp nhận"), default=False)
    reused_from = models.ForeignKey(
        "self",
        verbose_name=_("tái sử dụng từ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reuses",
    )
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["dossier", "id"]

    def __str__(self):
        return self.original_name


class StepRecord(models.Model):
    """One line of the control sheet (form 06): a step's agency, officer, due and actual times."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="step_records")
    index = models.PositiveSmallIntegerField(_("bước"))
    name = models.CharField(_("tên bước"), max_length=255)
    role = models.CharField(_("vai trò"), max_length=20)
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("nhận lúc"))
    due_at = models.DateTimeField(_("hạn của bước"))
    finished_at = models.DateTimeField(_("chuyển lúc"), null=True, blank=True)
    handed_to = models.CharField(_("bàn giao cho"), max_length=255, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("bước xử lý của hồ sơ")
        verbose_name_plural = _("phiếu kiểm soát quá trình")
        ordering = ["dossier", "started_at", "id"]
        indexes = [models.Index(fields=["dossier", "index"])]

    def __str__(self):
        return f"{self.index + 1}. {self.name}"

    @property
    def on_time(self) -> bool | None:
        if self.finished_at is None:
            return None
        return self.finished_at <= self.due_at


class PauseKind(models.TextChoices):
    SUPPLEMENT = "supplement", _("Chờ bổ sung")
    PAYMENT = "payment", _("Chờ nghĩa vụ tài chính")


class Pause(models.Model):
    """An interval when the clock is stopped (time with the applicant)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("loại"), max_length=12, choices=PauseKind.choices)
    started_at = models.DateTimeField(_("từ"))
    ended_at = models.DateTimeField(_("đến"), null=True, blank=True)
    items = models.JSONField(_("nội dung yêu cầu"), default=list, blank=True)

    class Meta:
        verbose_name = _("thời gian tạm dừng")
        verbose_name_plural = _("thời gian tạm dừng")
        ordering = ["dossier", "started_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%d/%m/%Y %H:%M}"


class Apology(models.Model):
    """The apology letter and new appointment (form 04): at most one per dossier."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="apology")
    reason = models.TextField(_("lý do"))
    previous_due_at = models.DateTimeField(_("hạn cũ"))
    new_due_at = models.DateTimeField(_("hạn mới"))
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("văn bản xin lỗi, hẹn lại")
        verbose_name_plural = _("văn bản xin lỗi, hẹn lại")

    def __str__(self):
        return f"{self.dossier} → {self.new_due_at:%d/%m/%Y %H:%M}"


class Event(models.Model):
    """One recorded action on a dossier. Append-only and hash-chained per dossier: `hash` covers
    the event's content and `prev_hash`, the hash of the dossier's previous event."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("số thứ tự"))
    at = models.DateTimeField(_("thời điểm"))
    action = models.CharField(_("thao tác"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("tên người thực hiện"), max_length=255, blank=True)
    role = models.CharField(_("vai trò"), max_length=20, blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_state = models.CharField(_("từ trạng thái"), max_length=16, blank=True)
    to_state = models.CharField(_("sang trạng thái"), max_length=16)
    from_step = models.SmallIntegerField(null=True, blank=True)
    to_step = models.SmallIntegerField(null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    data = models.JSONField(_("dữ liệu"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("nhật ký hồ sơ")
        ordering = ["dossier", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="unique_event_seq")]
        indexes = [models.Index(fields=["at"]), models.Index(fields=["action", "at"])]

    def __str__(self):
        return f"{self.dossier_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("events are append-only")


class CodeSequence(models.Model):
    """The last dossier sequence number issued by an agency on a day (locked row, gap-free)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="unique_code_sequence")
        ]

    def __str__(self):
        return f"{self.agency_id} {self.day:%d/%m/%Y} {self.last}"


class IdempotencyKey(models.Model):
    """A write request's Idempotency-Key and the response it got: a retry gets the same one."""

    key = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField(max_length=255)  # method and path
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="unique_idempotency_key")
        ]

    def __str__(self):
        return f"{self.scope} {self.key}"


class SubmissionState(models.TextChoices):
    QUEUED = "queued", _("Đang chờ xử lý")
    DONE = "done", _("Đã xử lý")
    FAILED = "failed", _("Không xử lý được")


class Submission(models.Model):
    """An online dossier sent in one call (create and submit), acknowledged at once and processed
    by a worker (dossiers/intake.py). `id` is the acknowledgement number the applicant keeps;
    `created_at`, the acknowledgement time, becomes the dossier's submission time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: the unique (user, idempotency_key) index starts with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # NULL, not "": rows without a key must not collide in the unique constraint.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    request_hash = models.CharField(max_length=64)
    # The body of POST /api/v1/submissions as sent (that of POST /api/v1/dossiers, channel 2,
    # plus "submit": true).
    payload = models.JSONField()
    state = models.CharField(
        _("trạng thái"),
        max_length=8,
        choices=SubmissionState.choices,
        default=SubmissionState.QUEUED,
    )
    dossier = models.OneToOneField(
        Dossier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.JSONField(null=True, blank=True)  # {code, detail, …} as the API gives it
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("hồ sơ nộp trực tuyến chờ xử lý")
        verbose_name_plural = _("hồ sơ nộp trực tuyến chờ xử lý")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="unique_submission_key"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="done") | models.Q(dossier__isnull=False),
                name="submission_done_has_dossier",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="failed") | models.Q(error__isnull=False),
                name="submission_failed_has_error",
            ),
        ]
        # The workers' and the sweeper's queue: only the rows still waiting.
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(state="queued"),
                name="submission_queued_idx",
            )
        ]

    def __str__(self):
        return f"{self.id} {self.state}"
