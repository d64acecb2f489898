"""Admin pages for the catalog (Vietnamese UI).

Published versions are read-only: content changes only through services.publish_version()
(the import page or the "edit and publish" page), status changes only through the services
behind the list actions. Rights: viewing needs the view permissions; importing and publishing
need catalog.add_procedureversion; suspending, abolishing and reactivating need
catalog.change_procedure.
"""

import json
import re
import uuid
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.common.models import AuditEntry
from motcua.common.text import fold

from . import services
from .exporting import CONTENT_TYPES, export_catalog, export_filename, procedure_item
from .importing import format_hours
from .models import (
    HOURS_PER_WORKING_DAY,
    Fee,
    Field,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    Step,
    TimeUnit,
)

PUBLISH_PERMISSION = "catalog.add_procedureversion"
UPLOAD_DIR = "catalog/imports"
UPLOAD_TOKEN = re.compile(r"^[0-9a-f]{32}\.(json|xlsx)$")
AUDIT_ROWS = 50

AUDIT_ACTIONS = {
    "catalog.publish": gettext_lazy("Công bố phiên bản"),
    "catalog.suspend": gettext_lazy("Tạm ngừng"),
    "catalog.abolish": gettext_lazy("Bãi bỏ"),
    "catalog.reactivate": gettext_lazy("Cho thực hiện lại"),
}


def _steps_warning(version: ProcedureVersion | None, steps_hours=None) -> str:
    """The warning text when the steps don't add up to the time limit, else ""."""
    if version is None:
        return ""
    steps_hours = version.steps_hours if steps_hours is None else steps_hours
    if steps_hours == version.processing_hours:
        return ""
    return _("Tổng thời gian các bước %(steps)s giờ, thời hạn %(limit)s giờ làm việc.") % {
        "steps": format_hours(steps_hours),
        "limit": format_hours(version.processing_hours),
    }


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "procedure_count"]
    search_fields = ["name", "name_folded"]
    fields = ["name", "slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_procedures=Count("procedures"))

    @admin.display(description=gettext_lazy("Số thủ tục"), ordering="_procedures")
    def procedure_count(self, obj):
        return obj._procedures


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    fk_name = "procedure"
    verbose_name_plural = gettext_lazy("Các phiên bản đã công bố")
    fields = ["version_link", "created_at", "created_by", "change_note", "decision_number"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("Phiên bản"))
    def version_link(self, obj):
        url = reverse("admin:catalog_procedureversion_change", args=[obj.pk])
        return format_html('<a href="{}">v{}</a>', url, obj.number)


class SuspendForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Lý do tạm ngừng"), max_length=400)


class AbolishForm(forms.Form):
    on_date = forms.DateField(
        label=gettext_lazy("Ngày bãi bỏ"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    decision = forms.CharField(
        label=gettext_lazy("Văn bản bãi bỏ"),
        max_length=255,
        help_text=gettext_lazy("Ví dụ: Quyết định số 123/QĐ-UBND ngày 01/07/2026"),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp danh mục (.json hoặc .xlsx)"),
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Nội dung thay đổi"), max_length=400, required=False)


class PublishForm(forms.Form):
    content = forms.CharField(
        label=gettext_lazy("Nội dung thủ tục (JSON, định dạng nhập danh mục)"),
        widget=forms.Textarea(attrs={"rows": 30, "cols": 120, "spellcheck": "false"}),
    )
    note = forms.CharField(label=gettext_lazy("Nội dung thay đổi"), max_length=400)


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "field",
        "status",
        "online",
        "version_number",
        "steps_ok",
    ]
    list_display_links = ["code", "name"]
    list_filter = ["status", "field", "online"]
    search_fields = ["code", "name"]
    list_select_related = ["field", "current_version"]
    list_per_page = 50
    fields = [
        "code",
        "name",
        "field",
        "status",
        "abolished_on",
        "abolished_by",
        "online",
        "at_province",
        "at_commune",
        "current_version_link",
        "steps_warning",
        "popularity",
        "audit_trail",
    ]
    readonly_fields = fields
    inlines = [VersionInline]
    actions = ["suspend_selected", "reactivate_selected", "abolish_selected", "export_json",
               "export_xlsx"]  # fmt: skip
    change_list_template = "admin/catalog/procedure/change_list.html"
    change_form_template = "admin/catalog/procedure/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("field", "current_version")
            .annotate(_steps_hours=Sum("current_version__steps__working_hours"))
        )

    def get_search_results(self, request, queryset, search_term):
        # Diacritics optional: "dang ky khai sinh" finds "Đăng ký khai sinh".
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q(code__istartswith=term)
        if folded := fold(term):
            condition |= Q(name_folded__contains=folded)
        return queryset.filter(condition), False

    def has_add_permission(self, request):
        return False  # new procedures come from an import or the publish page

    def has_delete_permission(self, request, obj=None):
        return False  # abolish instead: versions stay for dossiers and statistics

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="catalog_procedure_import"),
            path("publish/", view(self.publish_view), name="catalog_procedure_publish_new"),
            path(
                "<path:object_id>/publish/",
                view(self.publish_view),
                name="catalog_procedure_publish",
            ),  # fmt: skip
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_publish": self._can_publish(request)}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Everything is read-only here: no save or delete buttons.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
            "can_publish": self._can_publish(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- Columns and read-only fields -----------------------------------------------------

    @admin.display(description=gettext_lazy("Phiên bản"), ordering="current_version__number")
    def version_number(self, obj):
        return obj.current_version.number if obj.current_version else "—"

    @admin.display(description=gettext_lazy("Các bước khớp thời hạn"), boolean=True)
    def steps_ok(self, obj):
        if obj.current_version is None:
            return None
        hours = getattr(obj, "_steps_hours", None)
        return not _steps_warning(obj.current_version, hours if hours is not None else 0)

    @admin.display(description=gettext_lazy("Phiên bản đang áp dụng"))
    def current_version_link(self, obj):
        version = obj.current_version
        if version is None:
            return "—"
        url = reverse("admin:catalog_procedureversion_change", args=[version.pk])
        return format_html('<a href="{}">v{}</a> — {}', url, version.number, _time_limit(version))

    @admin.display(description=gettext_lazy("Cảnh báo quy trình"))
    def steps_warning(self, obj):
        return _steps_warning(obj.current_version) or "—"

    @admin.display(description=gettext_lazy("Nhật ký thay đổi"))
    def audit_trail(self, obj):
        entries = AuditEntry.objects.filter(
            object_type=services.AUDIT_TYPE, object_id=obj.code
        ).select_related("actor")[:AUDIT_ROWS]
        if not entries:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    timezone.localtime(e.at).strftime("%d/%m/%Y %H:%M"),
                    e.actor or _("hệ thống"),
                    AUDIT_ACTIONS.get(e.action, e.action),
                    e.summary,
                )
                for e in entries
            ),
        )
        head = format_html(
            "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>",
            _("Thời điểm"),
            _("Người thực hiện"),
            _("Thao tác"),
            _("Tóm tắt"),
        )
        return format_html("<table>{}<tbody>{}</tbody></table>", head, rows)

    # --- Actions --------------------------------------------------------------------------

    def _intermediate(self, request, queryset, form, title, action):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": action,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/catalog/procedure/action_form.html", context)

    def _apply(self, request, queryset, change, done_message):
        done, failed = 0, []
        for procedure in queryset:
            try:
                change(procedure)
                done += 1
            except ValidationError as exc:
                failed.append(f"{procedure.code}: {' '.join(exc.messages)}")
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        for text in failed:
            self.message_user(request, text, messages.WARNING)

    @admin.action(description=gettext_lazy("Tạm ngừng thủ tục đã chọn"), permissions=["change"])
    def suspend_selected(self, request, queryset):
        form = SuspendForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._intermediate(
                request, queryset, form, _("Tạm ngừng thủ tục"), "suspend_selected"
            )
        reason = form.cleaned_data["reason"]
        self._apply(
            request,
            queryset,
            lambda p: services.suspend(p, request.user, reason),
            _("Đã tạm ngừng %(count)s thủ tục."),
        )
        return None

    @admin.action(description=gettext_lazy("Bãi bỏ thủ tục đã chọn"), permissions=["change"])
    def abolish_selected(self, request, queryset):
        form = AbolishForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._intermediate(
                request, queryset, form, _("Bãi bỏ thủ tục"), "abolish_selected"
            )
        on_date, decision = form.cleaned_data["on_date"], form.cleaned_data["decision"]
        self._apply(
            request,
            queryset,
            lambda p: services.abolish(p, on_date, decision, request.user),
            _("Đã bãi bỏ %(count)s thủ tục."),
        )
        return None

    @admin.action(description=gettext_lazy("Cho thực hiện lại thủ tục đã chọn"),
                  permissions=["change"])  # fmt: skip
    def reactivate_selected(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda p: services.reactivate(p, request.user),
            _("Đã cho thực hiện lại %(count)s thủ tục."),
        )

    def _export(self, queryset, fmt):
        response = HttpResponse(export_catalog(fmt, queryset), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{export_filename(fmt)}"'
        return response

    @admin.action(description=gettext_lazy("Xuất thủ tục đã chọn (JSON)"), permissions=["view"])
    def export_json(self, request, queryset):
        return self._export(queryset, "json")

    @admin.action(description=gettext_lazy("Xuất thủ tục đã chọn (Excel)"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return self._export(queryset, "xlsx")

    # --- Import and publish pages ---------------------------------------------------------

    def _can_publish(self, request) -> bool:
        return request.user.has_perm(PUBLISH_PERMISSION)

    def _page(self, request, template, title, **context):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            **context,
        }
        return TemplateResponse(request, f"admin/catalog/procedure/{template}", context)

    def import_view(self, request):
        """Upload → dry-run preview (the file is kept under a random name) → confirm."""
        if not self._can_publish(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        report, token, filename = None, "", ""
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            token = request.POST.get("token", "")
            filename = request.POST.get("filename", "")[:200]
            if "confirm" in request.POST and UPLOAD_TOKEN.match(token):
                stored = f"{UPLOAD_DIR}/{token}"
                if not default_storage.exists(stored):
                    messages.error(request, _("Tệp tải lên đã hết hạn, hãy tải lại."))
                    return HttpResponseRedirect(request.path)
                with default_storage.open(stored, "rb") as handle:
                    source = ContentFile(handle.read(), name=filename or token)
                note = form.cleaned_data["note"] or _("Nhập danh mục từ trang quản trị")
                report = services.import_catalog(source, user=request.user, note=note)
                if report.written:
                    default_storage.delete(stored)
                    token = ""
                    messages.success(request, report.summary())
            elif upload is not None:
                data, filename = upload.read(), upload.name
                report = services.import_catalog(
                    ContentFile(data, name=filename), user=request.user, dry_run=True
                )
                if report.ok:
                    _prune_uploads()
                    token = f"{uuid.uuid4().hex}.{report.format}"
                    default_storage.save(f"{UPLOAD_DIR}/{token}", ContentFile(data))
            else:
                form.add_error("file", _("Hãy chọn một tệp."))
        return self._page(
            request,
            "import.html",
            _("Nhập danh mục thủ tục"),
            form=form,
            report=report,
            token=token,
            filename=filename,
        )

    def publish_view(self, request, object_id=None):
        """Edit a procedure's content as JSON and publish it as a new version."""
        if not self._can_publish(request):
            raise PermissionDenied
        procedure = None
        if object_id is not None:
            procedure = self.get_object(request, object_id)
            if procedure is None:
                raise Http404
        if request.method == "POST":
            form = PublishForm(request.POST)
        else:
            form = PublishForm(initial={"content": _initial_content(procedure)})
        if request.method == "POST" and form.is_valid():
            try:
                data = json.loads(form.cleaned_data["content"])
                if not isinstance(data, dict):
                    raise ValueError
            except ValueError:
                form.add_error("content", _("Nội dung không phải một đối tượng JSON hợp lệ."))
            else:
                code = procedure.code if procedure else str(data.get("code", ""))
                before = procedure.current_version_id if procedure else None
                try:
                    version = services.publish_version(
                        code, data, request.user, form.cleaned_data["note"]
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        form.add_error("content", message)
                else:
                    if version.pk == before:
                        messages.info(
                            request, _("Nội dung không thay đổi: không tạo phiên bản mới.")
                        )
                    else:
                        messages.success(
                            request,
                            _("Đã công bố phiên bản %(number)s của thủ tục %(code)s.")
                            % {"number": version.number, "code": code},
                        )
                    url = reverse("admin:catalog_procedure_change", args=[version.procedure_id])
                    return HttpResponseRedirect(url)
        title = (
            _("Sửa và công bố phiên bản mới: %(code)s") % {"code": procedure.code}
            if procedure
            else _("Thêm thủ tục")
        )
        return self._page(request, "publish.html", title, form=form, original=procedure)


def _time_limit(version: ProcedureVersion) -> str:
    unit = TimeUnit(version.time_unit).label
    return f"{format_hours(version.time_value)} {unit}"


def _initial_content(procedure: Procedure | None) -> str:
    if procedure is None or procedure.current_version is None:
        skeleton = {
            "code": "",
            "name": "",
            "field": "",
            "levels": ["province"],
            "processing_time": {"working_days": 10},
            "online": "partial",
            "documents": [{"name": "", "copies": 1, "original": True}],
            "fees": [],
            "steps": [{"name": "Tiếp nhận hồ sơ", "role": "receptionist", "working_hours": 80}],
            "legal_basis": [],
        }
        return json.dumps(skeleton, ensure_ascii=False, indent=2)
    item = procedure_item(procedure, procedure.current_version)
    item.pop("_version", None)
    return json.dumps(item, ensure_ascii=False, indent=2)


def _prune_uploads() -> None:
    """Previews never confirmed leave their file behind: drop those older than a day."""
    try:
        _dirs, files = default_storage.listdir(UPLOAD_DIR)
    except (FileNotFoundError, NotImplementedError):
        return
    limit = timezone.now() - timedelta(days=1)
    for name in files:
        stored = f"{UPLOAD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(stored) < limit:
                default_storage.delete(stored)
        except (OSError, NotImplementedError):
            continue


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DocumentInline(_ReadOnlyInline):
    model = RequiredDocument
    fields = ["position", "name", "copies", "original", "form_name", "form_file", "required"]


class FeeInline(_ReadOnlyInline):
    model = Fee
    fields = ["position", "name", "kind", "amount", "exempt"]


class StepInline(_ReadOnlyInline):
    model = Step
    fields = ["position", "name", "role", "agency_kind", "working_hours"]


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    """Read-only: a published version never changes (dossiers refer to it)."""

    list_display = ["procedure_code", "number", "name", "field", "created_at", "created_by"]
    list_select_related = ["procedure", "field", "created_by"]
    list_filter = ["field", "online"]
    search_fields = ["procedure__code", "name"]
    date_hierarchy = "created_at"
    inlines = [DocumentInline, FeeInline, StepInline]
    fields = [
        "procedure",
        "number",
        "is_current",
        "name",
        "field",
        "levels",
        "time_limit",
        "steps_warning",
        "cutoff_time",
        "online",
        "receiving_agency_kinds",
        "deciding_agency_kind",
        "applicants",
        "conditions",
        "result",
        "method",
        "legal_basis_list",
        "decision_number",
        "effective_from",
        "created_at",
        "created_by",
        "change_note",
        "content_hash",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("Mã thủ tục"), ordering="procedure__code")
    def procedure_code(self, obj):
        return obj.procedure.code

    @admin.display(description=gettext_lazy("Đang áp dụng"), boolean=True)
    def is_current(self, obj):
        return obj.procedure.current_version_id == obj.pk

    @admin.display(description=gettext_lazy("Thời hạn giải quyết"))
    def time_limit(self, obj):
        hours = ""
        if obj.time_unit == TimeUnit.WORKING_DAYS:
            hours = _(" (%(hours)s giờ làm việc)") % {
                "hours": format_hours(obj.time_value * HOURS_PER_WORKING_DAY)
            }
        return _time_limit(obj) + hours

    @admin.display(description=gettext_lazy("Cảnh báo quy trình"))
    def steps_warning(self, obj):
        return _steps_warning(obj) or "—"

    @admin.display(description=gettext_lazy("Căn cứ pháp lý"))
    def legal_basis_list(self, obj):
        if not obj.legal_basis:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((t,) for t in obj.legal_basis))
        )
