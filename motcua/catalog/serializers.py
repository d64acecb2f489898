"""JSON shapes of the public catalog API (read-only)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from motcua.agencies.models import AgencyKind, Role

from . import selectors
from .models import FeeKind, Level, OnlineLevel, ProcedureStatus, TimeUnit


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


class ProcedureFieldSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class ProcessingTimeSerializer(serializers.Serializer):
    value = serializers.FloatField(help_text="Time limit, e.g. 7 or 0.5.")
    unit = serializers.ChoiceField(choices=TimeUnit.choices)
    label = serializers.CharField(help_text='Display text, e.g. "7 ngày làm việc".')


class ProcedureListSerializer(serializers.Serializer):
    """One search result or list row."""

    code = serializers.CharField()
    name = serializers.CharField()
    field = ProcedureFieldSerializer(allow_null=True)
    levels = serializers.SerializerMethodField()
    online = serializers.ChoiceField(choices=OnlineLevel.choices)
    online_label = serializers.CharField(source="get_online_display")
    processing_time = serializers.SerializerMethodField()
    fee_total = serializers.SerializerMethodField(help_text="Sum of fees and charges, VND.")
    url = serializers.SerializerMethodField(help_text="The public page.")
    poster_url = serializers.SerializerMethodField(help_text="The printable A4 QR poster (PDF).")
    api_url = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=Level.choices))
    )
    def get_levels(self, procedure):
        return [str(level) for level in selectors.levels(procedure)]

    @extend_schema_field(ProcessingTimeSerializer(allow_null=True))
    def get_processing_time(self, procedure):
        version = procedure.current_version
        if version is None:
            return None
        return {
            "value": selectors.time_limit_value(version),
            "unit": version.time_unit,
            "label": selectors.time_limit_label(version),
        }

    @extend_schema_field(serializers.IntegerField())
    def get_fee_total(self, procedure):
        return selectors.fee_total(procedure)

    @extend_schema_field(serializers.URLField())
    def get_url(self, procedure):
        path = reverse("portal:procedure", args=[procedure.code])
        return _absolute(self.context.get("request"), path)

    @extend_schema_field(serializers.URLField())
    def get_poster_url(self, procedure):
        path = reverse("portal:procedure-poster", args=[procedure.code])
        return _absolute(self.context.get("request"), path)

    @extend_schema_field(serializers.URLField())
    def get_api_url(self, procedure):
        path = reverse("api:procedure-detail", args=[procedure.code])
        return _absolute(self.context.get("request"), path)


class ProcedureDocumentSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    name = serializers.CharField()
    copies = serializers.IntegerField()
    original = serializers.BooleanField(help_text="True: the original; false: a copy.")
    required = serializers.BooleanField()
    form_name = serializers.CharField(allow_blank=True)
    form_url = serializers.SerializerMethodField(help_text="Blank form to download, if any.")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_form_url(self, document):
        if not document.form_file:
            return None
        return _absolute(self.context.get("request"), document.form_file.url)


class ProcedureFeeSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=FeeKind.choices)
    amount = serializers.IntegerField(help_text="VND.")
    amount_label = serializers.SerializerMethodField()
    exempt = serializers.CharField(allow_blank=True)

    @extend_schema_field(serializers.CharField())
    def get_amount_label(self, fee):
        return selectors.format_vnd(fee.amount)


class ProcedureStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField(source="get_role_display")
    agency_kind = serializers.ChoiceField(choices=AgencyKind.choices)
    agency_kind_label = serializers.CharField(source="get_agency_kind_display")
    hours = serializers.FloatField(source="working_hours", help_text="Working hours.")


class ProcedureAgencySerializer(serializers.Serializer):
    e_id = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField(allow_blank=True)
    hotline = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    opening_hours = serializers.CharField(allow_blank=True)


class ProcedureVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    decision_number = serializers.CharField(allow_blank=True)
    effective_from = serializers.DateField(allow_null=True)
    applicants = serializers.CharField(allow_blank=True)
    conditions = serializers.CharField(allow_blank=True)
    result = serializers.CharField(allow_blank=True)
    method = serializers.CharField(allow_blank=True)
    legal_basis = serializers.JSONField()
    cutoff_time = serializers.TimeField(allow_null=True, format="%H:%M")
    receiving_agency_kinds = serializers.ListField(child=serializers.CharField())
    deciding_agency_kind = serializers.CharField()
    documents = ProcedureDocumentSerializer(many=True, source="documents.all")
    fees = ProcedureFeeSerializer(many=True, source="fees.all")
    steps = ProcedureStepSerializer(many=True, source="steps.all")


class ProcedureDetailSerializer(ProcedureListSerializer):
    """Everything about one procedure (the public page's content)."""

    status = serializers.ChoiceField(choices=ProcedureStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    abolished_on = serializers.DateField(allow_null=True)
    abolished_by = serializers.CharField(allow_blank=True)
    accepts_online = serializers.SerializerMethodField(
        help_text="An online dossier can be filed now (available and full/partial online)."
    )
    version = ProcedureVersionSerializer(source="current_version", allow_null=True)
    where_to_submit = serializers.SerializerMethodField()

    @extend_schema_field(serializers.BooleanField())
    def get_accepts_online(self, procedure):
        return selectors.accepts_online(procedure)

    @extend_schema_field(ProcedureAgencySerializer(many=True))
    def get_where_to_submit(self, procedure):
        return ProcedureAgencySerializer(selectors.where_to_submit(procedure), many=True).data
