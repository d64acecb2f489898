"""JSON shapes of the dossier API: what clients send (checked for shape only: the services and the
lifecycle decide what is allowed and report missing reasons, items…), and what they get back.

Channels are the national codes (1 counter, 2 online, 3 post). Required documents are referred
to by their position in the procedure (as the catalog API lists them). What the applicant sees
differs from what officers see (no officers' names): the context's `officer_view` decides.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from motcua.agencies.selectors import full_name

from . import permissions, selectors
from .codes import display_secret
from .forms import dossier_regime
from .lifecycle import Action, Channel, DeliveryMethod, State, is_overdue
from .models import ApplicantKind, AttachmentKind, Dossier, ResultKind
from .regimes import FormKind, form_number, form_title
from .services import payment_pauses_clock

CHANNEL_CODES = {Channel.COUNTER: 1, Channel.ONLINE: 2, Channel.POSTAL: 3}
CHANNELS_BY_CODE = {code: channel for channel, code in CHANNEL_CODES.items()}
CHANNEL_CHOICES = [(code, channel.label) for channel, code in CHANNEL_CODES.items()]
CHANNEL_HELP = "National channel code: 1 counter (trực tiếp), 2 online (trực tuyến), 3 post."
# Event data the applicant may read: what was asked of them or decided for them.
APPLICANT_EVENT_DATA = frozenset(
    {"code", "reason", "items", "amount", "due_at", "previous_due_at", "method", "delivered_to"}
)


_ENUM_FIELDS: dict[str, type[serializers.ChoiceField]] = {}


def enum_field(name: str, choices, **kwargs) -> serializers.ChoiceField:
    """A ChoiceField shown in the OpenAPI schema as the named enum component `name`.

    drf-spectacular names enums after the field (`kind`, `action`), and here the same field name
    means different sets (applicant, attachment and form kinds): explicit names keep the
    generated components stable and unambiguous."""
    if name not in _ENUM_FIELDS:
        values = [value for value, _label in choices]
        kind = "integer" if all(isinstance(v, int) for v in values) else "string"
        schema = {"type": kind, "enum": [v if kind == "integer" else str(v) for v in values]}
        field_class = type(name + "Field", (serializers.ChoiceField,), {})
        _ENUM_FIELDS[name] = extend_schema_field(schema, component_name=name)(field_class)
    return _ENUM_FIELDS[name](choices=choices, **kwargs)


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


def dossier_url(request, dossier: Dossier) -> str:
    return _absolute(request, reverse("api:dossier-detail", args=[permissions.ref_of(dossier)]))


def form_url(request, dossier: Dossier, number: str) -> str:
    path = reverse("api:dossier-form", args=[permissions.ref_of(dossier), number])
    return _absolute(request, path)


# --- input -----------------------------------------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (a misspelt `reasons` must not be silently dropped)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Trường không được hỗ trợ.")] for name in unknown}
                )
        return super().to_internal_value(data)


def _text(help_text: str = "", max_length: int = 4000, default=serializers.empty):
    kwargs = {"required": False, "allow_blank": True, "max_length": max_length}
    if default is not serializers.empty:
        kwargs["default"] = default
    return serializers.CharField(help_text=help_text, **kwargs)


def _positions(help_text: str):
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, help_text=help_text
    )


def _attachments():
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="Ids of this dossier's attachments (uploaded before) that the action uses.",
    )


class ApplicantInputSerializer(StrictSerializer):
    kind = enum_field("ApplicantKindEnum", ApplicantKind.choices, required=False)
    name = _text("Full name or organisation name. Required.", 255)
    id_number = _text(
        "Required: 12-digit personal ID (or 9-digit card) for a citizen, tax code otherwise.", 20
    )
    phone = _text("Vietnamese phone number.", 20)
    email = _text(max_length=254)
    address = _text(max_length=500)
    commune = _text("5-digit code of the commune or ward (required for commune procedures).", 5)


class RepresentativeInputSerializer(StrictSerializer):
    name = _text("Required when a representative is given.", 255)
    id_number = _text(max_length=20)
    phone = _text(max_length=20)


class DossierCreateSerializer(StrictSerializer):
    procedure = serializers.CharField(max_length=64, help_text="Procedure code, e.g. `1.001234`.")
    applicant = ApplicantInputSerializer(
        help_text="Checked by the services (identity numbers, phone, e-mail, commune): "
        "`invalid_applicant` with `errors` per field."
    )
    representative = RepresentativeInputSerializer(required=False, allow_null=True)
    channel = enum_field("ChannelCodeEnum", CHANNEL_CHOICES, help_text=CHANNEL_HELP)
    receiving_agency = serializers.CharField(
        required=False,
        max_length=64,
        help_text="E-ID of the receiving center. Counter/post: needed only by a receptionist of "
        "several centers; online: the applicant's choice (default: the competent agency's).",
    )
    accept = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Counter/post only: the receptionist accepts the dossier in the same call "
        "(it gets its code, due time and receipt, form 01).",
    )
    checklist = _positions("With `accept`: positions of the required documents received.")
    note = _text("With `accept`: a note on the acceptance.")

    def validate(self, attrs):
        if attrs.get("checklist") and not attrs.get("accept"):
            raise serializers.ValidationError(
                {"checklist": [_("Danh mục kiểm tra chỉ dùng khi tiếp nhận (accept).")]}
            )
        return attrs


class ActionSerializer(StrictSerializer):
    """Fields every action takes."""

    note = _text("Free text recorded in the event.")
    expected_version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The `version` the client last read: a different current version gives 409 "
        "`version_conflict` (optimistic concurrency). Same as header `If-Match`.",
    )


class SubmitActionSerializer(ActionSerializer):
    attachments = _attachments()


class AcceptActionSerializer(ActionSerializer):
    checklist = _positions("Positions of the required documents received.")
    attachments = _attachments()


class RequestSupplementActionSerializer(ActionSerializer):
    items = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=1000),
        default=list,
        help_text="Required: everything to supplement, one line each (form 02).",
    )


class SupplementActionSerializer(ActionSerializer):
    attachments = _attachments()


class RefuseActionSerializer(ActionSerializer):
    reason = _text("Required (form 03).", default="")


class AssignActionSerializer(ActionSerializer):
    officer = serializers.CharField(
        default="", allow_blank=True, max_length=150, help_text="Required: the officer's username."
    )


class ForwardActionSerializer(ActionSerializer):
    officer = serializers.CharField(
        required=False,
        max_length=150,
        help_text="Username of the next step's officer (default: the actor if the next step is "
        "theirs, else unassigned for the leader to assign).",
    )


class SendBackActionSerializer(ActionSerializer):
    reason = _text("Required.", default="")


class TransferActionSerializer(ActionSerializer):
    agency = serializers.CharField(
        default="", allow_blank=True, max_length=64, help_text="Required: the target agency's e-ID."
    )
    to_step = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="0-based step index: the next step (default), or the current one to re-route "
        "a dossier sent to the wrong agency.",
    )


class PaymentItemSerializer(StrictSerializer):
    name = serializers.CharField(max_length=500)
    amount = serializers.IntegerField(required=False, min_value=0, help_text="VND.")


class RequestPaymentActionSerializer(ActionSerializer):
    amount = serializers.IntegerField(
        default=None, allow_null=True, help_text="Required: total in VND."
    )
    items = PaymentItemSerializer(many=True, default=list, help_text="Required: the fee lines.")


class PayActionSerializer(ActionSerializer):
    amount = serializers.IntegerField(
        default=None, allow_null=True, help_text="Required: the amount requested, VND."
    )
    receipt_number = _text(max_length=100)
    attachments = _attachments()


class ExtendActionSerializer(ActionSerializer):
    reason = _text("Required (form 04).", default="")
    new_due_at = serializers.DateTimeField(
        default=None,
        allow_null=True,
        help_text="Required: ISO 8601, e.g. `2025-10-20T16:00:00+07:00` (without an offset: "
        "Vietnam time).",
    )


class ApproveActionSerializer(ActionSerializer):
    attachments = _attachments()


class DenyActionSerializer(ActionSerializer):
    reason = _text("Required.", default="")
    attachments = _attachments()


class StopActionSerializer(ActionSerializer):
    reason = _text("Required (form 05).", default="")


class WithdrawActionSerializer(ActionSerializer):
    reason = _text()


class DeliverActionSerializer(ActionSerializer):
    method = enum_field(
        "DeliveryMethodEnum",
        DeliveryMethod.choices,
        default=None,
        allow_null=True,
        help_text="Required.",
    )
    delivered_to = _text("Who collected the result (required at the counter).", 255)


ACTION_SERIALIZERS: dict[Action, type[ActionSerializer]] = {
    Action.SUBMIT: SubmitActionSerializer,
    Action.ACCEPT: AcceptActionSerializer,
    Action.REQUEST_SUPPLEMENT: RequestSupplementActionSerializer,
    Action.SUPPLEMENT: SupplementActionSerializer,
    Action.REFUSE: RefuseActionSerializer,
    Action.ASSIGN: AssignActionSerializer,
    Action.FORWARD: ForwardActionSerializer,
    Action.SEND_BACK: SendBackActionSerializer,
    Action.TRANSFER: TransferActionSerializer,
    Action.REQUEST_PAYMENT: RequestPaymentActionSerializer,
    Action.PAY: PayActionSerializer,
    Action.EXTEND: ExtendActionSerializer,
    Action.APPROVE: ApproveActionSerializer,
    Action.DENY: DenyActionSerializer,
    Action.STOP: StopActionSerializer,
    Action.WITHDRAW: WithdrawActionSerializer,
    Action.DELIVER: DeliverActionSerializer,
}
for _action, _serializer in ACTION_SERIALIZERS.items():
    # The schema's description of each request body (the base's docstring would repeat).
    _serializer.__doc__ = f"The fields of the `{_action.value}` action."


class AttachmentUploadSerializer(StrictSerializer):
    file = serializers.FileField(
        required=False,
        allow_empty_file=True,
        help_text="PDF, JPEG, PNG, DOCX or XLSX (read from the content), at most 20 MiB.",
    )
    document = serializers.IntegerField(
        required=False, min_value=1, help_text="Position of the required document it is."
    )
    digitised = serializers.BooleanField(
        required=False, default=False, help_text="Digitised at the counter from a paper original."
    )
    kind = enum_field(
        "AttachmentKindEnum",
        AttachmentKind.choices,
        required=False,
        help_text="Default: `supplement` while the dossier waits for supplements, else "
        "`submission`.",
    )


# --- output ----------------------------------------------------------------------------------------


class DossierStatusSerializer(serializers.Serializer):
    code = enum_field("DossierStateEnum", State.choices, source="state")
    name = serializers.CharField(source="get_state_display", help_text="Vietnamese label.")
    national_code = serializers.SerializerMethodField(help_text="DVCQG status code (1–10).")

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_national_code(self, dossier):
        return State(dossier.state).national_code


class DossierAgencySerializer(serializers.Serializer):
    e_id = serializers.CharField()
    name = serializers.CharField()


class DossierProcedureSerializer(serializers.Serializer):
    code = serializers.CharField(source="procedure.code")
    name = serializers.CharField(source="procedure_version.name")


class OfficerSerializer(serializers.Serializer):
    username = serializers.CharField(source="get_username")
    name = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_name(self, user):
        return full_name(user)


def _officer_view(serializer) -> bool:
    return bool(serializer.context.get("officer_view"))


def _officer(serializer, user):
    if user is None or not _officer_view(serializer):
        return None
    return OfficerSerializer(user).data


class DossierListSerializer(serializers.Serializer):
    """One row of a worklist."""

    public_id = serializers.UUIDField()
    code = serializers.CharField(allow_null=True, help_text="null for an online draft.")
    status = DossierStatusSerializer(source="*")
    channel = serializers.SerializerMethodField(help_text=CHANNEL_HELP)
    procedure = DossierProcedureSerializer(source="*")
    applicant_name = serializers.CharField()
    receiving_agency = DossierAgencySerializer(allow_null=True)
    competent_agency = DossierAgencySerializer()
    current_agency = DossierAgencySerializer(allow_null=True)
    current_officer = serializers.SerializerMethodField(
        help_text="The current step's officer (officers only; null for the applicant)."
    )
    step_index = serializers.IntegerField(help_text="0-based index of the current step.")
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField(help_text="Past the due time while it runs.")
    paused = serializers.SerializerMethodField(help_text="The clock is paused.")
    version = serializers.IntegerField(help_text="Send it back as `expected_version`/`If-Match`.")
    url = serializers.SerializerMethodField()

    def _officer_view_of(self, dossier) -> bool:
        # Lists mix the caller's own applications and their agencies' dossiers: decide per row.
        scope = self.context.get("scope")
        if scope is None:
            return _officer_view(self)
        return permissions.is_officer_view(self.context["request"].user, dossier, scope)

    @extend_schema_field(enum_field("ChannelCodeEnum", CHANNEL_CHOICES))
    def get_channel(self, dossier):
        return CHANNEL_CODES[Channel(dossier.channel)]

    @extend_schema_field(OfficerSerializer(allow_null=True))
    def get_current_officer(self, dossier):
        if dossier.current_officer is None or not self._officer_view_of(dossier):
            return None
        return OfficerSerializer(dossier.current_officer).data

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, dossier):
        if hasattr(dossier, "is_overdue"):  # annotated by selectors.with_overdue
            return bool(dossier.is_overdue)
        return is_overdue(
            dossier.due_at,
            self.context.get("now") or timezone.now(),
            dossier.state,
            payment_pauses_clock=payment_pauses_clock(),
            previous_state=dossier.previous_state,
        )

    @extend_schema_field(serializers.BooleanField())
    def get_paused(self, dossier):
        return dossier.paused_since is not None

    @extend_schema_field(serializers.URLField())
    def get_url(self, dossier):
        return dossier_url(self.context.get("request"), dossier)


class ApplicantSerializer(serializers.Serializer):
    kind = enum_field("ApplicantKindEnum", ApplicantKind.choices, source="applicant_kind")
    name = serializers.CharField(source="applicant_name")
    id_number = serializers.CharField(source="applicant_id_number")
    phone = serializers.CharField(source="applicant_phone")
    email = serializers.CharField(source="applicant_email")
    address = serializers.CharField(source="applicant_address")
    commune = serializers.CharField(source="applicant_commune.code", allow_null=True)


class RepresentativeSerializer(serializers.Serializer):
    name = serializers.CharField(source="representative_name")
    id_number = serializers.CharField(source="representative_id_number")
    phone = serializers.CharField(source="representative_phone")


class ResultSerializer(serializers.Serializer):
    kind = enum_field("ResultKindEnum", ResultKind.choices, source="result_kind")
    name = serializers.CharField(source="get_result_kind_display")
    note = serializers.CharField(source="result_note")
    decided_at = serializers.DateTimeField()


class DeliverySerializer(serializers.Serializer):
    method = enum_field("DeliveryMethodEnum", DeliveryMethod.choices, source="delivery_method")
    delivered_to = serializers.CharField()
    returned_at = serializers.DateTimeField()


class EventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = enum_field("DossierActionEnum", Action.choices)
    action_name = serializers.CharField(source="get_action_display")
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField()
    from_step = serializers.IntegerField(allow_null=True)
    to_step = serializers.IntegerField(allow_null=True)
    role = serializers.CharField(allow_blank=True, help_text="The actor's capacity.")
    agency = DossierAgencySerializer(allow_null=True, help_text="Where the actor acted from.")
    actor = serializers.SerializerMethodField(
        help_text="Who acted (officers only; the applicant sees only their own name)."
    )
    note = serializers.SerializerMethodField(
        help_text="Officers' notes are internal: the applicant sees only their own."
    )
    data = serializers.SerializerMethodField(
        help_text="The action's recorded fields (the applicant sees reasons, items, amounts and "
        "times only)."
    )

    def _own(self, event) -> bool:
        user = self.context["request"].user
        return event.actor_id is not None and event.actor_id == user.pk

    @extend_schema_field(OfficerSerializer(allow_null=True))
    def get_actor(self, event):
        if event.actor is None or not (_officer_view(self) or self._own(event)):
            return None
        return {"username": event.actor.get_username(), "name": event.actor_name}

    @extend_schema_field(serializers.CharField())
    def get_note(self, event):
        return event.note if _officer_view(self) or self._own(event) else ""

    @extend_schema_field(serializers.DictField())
    def get_data(self, event):
        if _officer_view(self):
            return event.data
        return {k: v for k, v in event.data.items() if k in APPLICANT_EVENT_DATA}


class ControlSheetLineSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField()
    agency = DossierAgencySerializer()
    officer = serializers.SerializerMethodField(help_text="Officers only.")
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    handed_to = serializers.SerializerMethodField(help_text="Officers only.")
    on_time = serializers.BooleanField(allow_null=True, help_text="null while the step is open.")
    overdue = serializers.BooleanField(help_text="Open and past the step's due time.")

    @extend_schema_field(OfficerSerializer(allow_null=True))
    def get_officer(self, line):
        return _officer(self, line.officer)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_handed_to(self, line):
        return line.handed_to if _officer_view(self) else None


class AttachmentDocumentSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    name = serializers.CharField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    sha256 = serializers.CharField()
    kind = enum_field("AttachmentKindEnum", AttachmentKind.choices)
    document = AttachmentDocumentSerializer(allow_null=True)
    digitised = serializers.BooleanField()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, attachment):
        dossier = self.context["dossier"]
        path = reverse("api:dossier-attachment", args=[permissions.ref_of(dossier), attachment.pk])
        return _absolute(self.context.get("request"), path)


class FormLinkSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="Form number in the dossier's regime, e.g. `01`.")
    kind = enum_field("FormKindEnum", FormKind.choices)
    title = serializers.CharField()
    url = serializers.URLField(help_text="The A4 PDF.")


class CurrentStepSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField()
    agency = DossierAgencySerializer()
    officer = serializers.SerializerMethodField(help_text="Officers only.")
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()

    @extend_schema_field(OfficerSerializer(allow_null=True))
    def get_officer(self, line):
        return _officer(self, line.officer)


class DossierDetailSerializer(DossierListSerializer):
    """A dossier in full, as the caller may see it."""

    tracking_secret = serializers.SerializerMethodField(
        help_text="Printed on the receipt: with the code, opens the public tracking."
    )
    applicant = ApplicantSerializer(source="*")
    representative = serializers.SerializerMethodField()
    current_step = serializers.SerializerMethodField(help_text="The open step, if any.")
    extended = serializers.BooleanField(help_text="An apology and new date were issued.")
    result = serializers.SerializerMethodField()
    delivery = serializers.SerializerMethodField()
    ended_at = serializers.DateTimeField(allow_null=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions the caller may take now (POST …/actions/{action})."
    )
    events = serializers.SerializerMethodField()
    control_sheet = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    forms = serializers.SerializerMethodField()

    def _officer_view_of(self, dossier) -> bool:
        return _officer_view(self)

    def _control_sheet(self, dossier):
        if "_sheet" not in self.context:
            self.context["_sheet"] = selectors.control_sheet(dossier, now=self.context.get("now"))
        return self.context["_sheet"]

    @extend_schema_field(serializers.CharField())
    def get_tracking_secret(self, dossier):
        return display_secret(dossier.tracking_secret)

    @extend_schema_field(RepresentativeSerializer(allow_null=True))
    def get_representative(self, dossier):
        if not dossier.representative_name:
            return None
        return RepresentativeSerializer(dossier).data

    @extend_schema_field(CurrentStepSerializer(allow_null=True))
    def get_current_step(self, dossier):
        open_lines = [line for line in self._control_sheet(dossier) if line.finished_at is None]
        if not open_lines:
            return None
        return CurrentStepSerializer(open_lines[-1], context=self.context).data

    @extend_schema_field(ResultSerializer(allow_null=True))
    def get_result(self, dossier):
        return ResultSerializer(dossier).data if dossier.result_kind else None

    @extend_schema_field(DeliverySerializer(allow_null=True))
    def get_delivery(self, dossier):
        return DeliverySerializer(dossier).data if dossier.returned_at else None

    @extend_schema_field(
        serializers.ListField(child=enum_field("DossierActionEnum", Action.choices))
    )
    def get_allowed_actions(self, dossier):
        user = self.context["request"].user
        return [str(a) for a in selectors.allowed_actions_for(dossier, user)]

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, dossier):
        return EventSerializer(selectors.events_of(dossier), many=True, context=self.context).data

    @extend_schema_field(ControlSheetLineSerializer(many=True))
    def get_control_sheet(self, dossier):
        lines = self._control_sheet(dossier)
        return ControlSheetLineSerializer(lines, many=True, context=self.context).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, dossier):
        rows = permissions.visible_attachments(dossier, _officer_view(self))
        context = {**self.context, "dossier": dossier}
        return AttachmentSerializer(rows, many=True, context=context).data

    @extend_schema_field(FormLinkSerializer(many=True))
    def get_forms(self, dossier):
        regime = dossier_regime(dossier)
        request = self.context.get("request")
        out = []
        for kind in permissions.forms_for(dossier, _officer_view(self)):
            number = form_number(kind, regime)
            out.append(
                {
                    "number": number,
                    "kind": str(kind),
                    "title": str(form_title(kind, regime)),
                    "url": form_url(request, dossier, number),
                }
            )
        return out


class DossierCreatedSerializer(serializers.Serializer):
    """The answer to a creation: enough to print the receipt or continue the draft."""

    public_id = serializers.UUIDField(help_text="Addresses the dossier while it has no code.")
    code = serializers.CharField(allow_null=True, help_text="null for an online draft.")
    tracking_secret = serializers.SerializerMethodField()
    status = DossierStatusSerializer(source="*")
    due_at = serializers.DateTimeField(allow_null=True, help_text="null until accepted.")
    receipt_url = serializers.SerializerMethodField(
        help_text="Form 01 (receipt and appointment, PDF) once accepted, else null."
    )
    version = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_tracking_secret(self, dossier):
        return display_secret(dossier.tracking_secret)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_receipt_url(self, dossier):
        if dossier.received_at is None:
            return None
        number = form_number(FormKind.RECEIPT, dossier_regime(dossier))
        return form_url(self.context.get("request"), dossier, number)

    @extend_schema_field(serializers.URLField())
    def get_url(self, dossier):
        return dossier_url(self.context.get("request"), dossier)


class ViolationSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class DossierErrorSerializer(serializers.Serializer):
    """Every error: `code` (stable) and `detail` (translated); the rest when it applies."""

    code = serializers.CharField()
    detail = serializers.CharField()
    violations = ViolationSerializer(
        many=True, required=False, help_text="Every rule broken (lifecycle and field checks)."
    )
    field = serializers.CharField(required=False, help_text="The input field at fault.")
    errors = serializers.DictField(
        required=False,
        help_text="Messages per field (shape errors, applicant data); nested for nested input.",
    )
    parameter = serializers.CharField(required=False, help_text="The query parameter at fault.")
    state = serializers.CharField(required=False, help_text="409 version_conflict: current state.")
    version = serializers.IntegerField(
        required=False, help_text="409 version_conflict: current version."
    )
