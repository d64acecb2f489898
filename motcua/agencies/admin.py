"""Admin pages for units, agencies, counters and staff roles.

Superusers see everything. Other staff (managers and administrators, the only roles with
is_staff) see the agencies of their scope and what hangs from them; their role groups decide
whether they may only view or also change. Role groups and is_staff follow memberships
(services.sync_role_groups), so they are read-only here for non-superusers.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.common.text import fold

from . import selectors, services
from .models import (
    AdministrativeUnit,
    Agency,
    AgencyCodeHistory,
    Counter,
    Membership,
)
from .roles import ADMIN_SITE_ROLES

User = get_user_model()


def admin_scope(request) -> set[int] | None:
    """Agency ids the admin user may see; None for a superuser (no limit)."""
    if request.user.is_superuser:
        return None
    if not hasattr(request, "_agency_admin_scope"):  # once per request
        request._agency_admin_scope = selectors.agency_scope(request.user, ADMIN_SITE_ROLES)
    return request._agency_admin_scope


class FoldedSearchMixin:
    """Search with or without diacritics: the folded term against a folded column, plus a code
    prefix (`quang ninh` finds "Tỉnh Quảng Ninh", `H22.1` finds H22.13)."""

    folded_search_field = "name_folded"
    code_search_field = "code"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q(**{f"{self.code_search_field}__istartswith": term})
        if folded := fold(term):
            condition |= Q(**{f"{self.folded_search_field}__contains": folded})
        return queryset.filter(condition), False


class AgencyScopeMixin:
    """Limit rows and foreign-key choices to the user's agency scope."""

    scope_field = "agency"  # the path from the model to its agency id, without "_id"
    scoped_foreign_keys = {"agency": "id", "parent": "id", "center": "id", "counter": "center"}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = admin_scope(request)
        if scope is None:
            return queryset
        return queryset.filter(**{f"{self.scope_field}__in": scope})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = admin_scope(request)
        path = self.scoped_foreign_keys.get(db_field.name)
        if scope is not None and path:
            related = db_field.remote_field.model._default_manager
            kwargs["queryset"] = related.filter(**{f"{path}__in": scope})
        if scope is not None and db_field.name == "user":
            kwargs["queryset"] = User._default_manager.filter(is_superuser=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        scope = admin_scope(request)
        if scope is not None and db_field.name == "served_agencies":
            kwargs["queryset"] = Agency.objects.filter(id__in=scope)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(FoldedSearchMixin, admin.ModelAdmin):
    """Loaded by `motcua load-units`: only the validity dates are edited by hand."""

    list_display = ("code", "name", "division_type", "level", "province", "valid_until")
    list_filter = ("level", "division_type", ("province", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("province",)
    search_fields = ("code", "name_folded")
    search_help_text = _("Tìm theo tên (có hoặc không dấu) hoặc mã.")
    readonly_fields = ("code", "name", "division_type", "level", "province", "codename")
    fields = (*readonly_fields, "valid_from", "valid_until")
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CounterInline(AgencyScopeMixin, admin.TabularInline):
    model = Counter
    scope_field = "center"
    fk_name = "center"
    extra = 0
    fields = ("number", "name", "served_agencies", "is_active")
    autocomplete_fields = ("served_agencies",)


class AgencyCodeHistoryInline(admin.TabularInline):
    model = AgencyCodeHistory
    extra = 0
    fields = ("e_id", "valid_from", "valid_until")


@admin.register(Agency)
class AgencyAdmin(FoldedSearchMixin, AgencyScopeMixin, admin.ModelAdmin):
    scope_field = "id"
    code_search_field = "e_id"
    list_display = ("name", "kind", "parent", "e_id", "hotline", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("parent",)
    search_fields = ("e_id", "name_folded")
    search_help_text = _("Tìm theo tên (có hoặc không dấu) hoặc mã định danh.")
    autocomplete_fields = ("parent", "unit")
    fieldsets = (
        (None, {"fields": ("name", "short_name", "kind", "parent", "e_id", "unit", "is_active")}),
        (
            _("Liên hệ và giờ tiếp nhận"),
            {"fields": ("address", "hotline", "email", "opening_hours")},
        ),
    )

    def get_inlines(self, request, obj):
        # Counters belong to centers only (Counter.clean); other agencies get no counter table.
        if obj is not None and obj.is_center:
            return [CounterInline, AgencyCodeHistoryInline]
        return [AgencyCodeHistoryInline]

    def save_model(self, request, obj, form, change):
        if change and "e_id" in form.changed_data:
            # Keep the old identifier in the code history (dossier codes carry it).
            new_e_id, obj.e_id = obj.e_id, form.initial["e_id"]
            super().save_model(request, obj, form, change)
            services.change_e_id(obj, new_e_id)
        else:
            super().save_model(request, obj, form, change)


@admin.register(Counter)
class CounterAdmin(AgencyScopeMixin, admin.ModelAdmin):
    scope_field = "center"
    list_display = ("number", "name", "center", "is_active")
    list_filter = ("is_active", ("center", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("center",)
    search_fields = ("name", "center__name", "center__e_id")
    autocomplete_fields = ("center", "served_agencies")


@admin.register(Membership)
class MembershipAdmin(AgencyScopeMixin, admin.ModelAdmin):
    list_display = ("user", "full_name", "role", "agency", "counter", "is_active")
    list_filter = ("role", "is_active", "agency__kind")
    list_select_related = ("user", "agency", "counter")
    search_fields = ("user__username", "user__first_name", "user__last_name", "agency__name")
    autocomplete_fields = ("user", "agency", "counter")
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description=_("họ và tên"), ordering="user__last_name")
    def full_name(self, obj):
        return selectors.full_name(obj.user)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.sync_role_groups(obj.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.sync_role_groups(obj.user)

    def delete_queryset(self, request, queryset):
        users = list(User._default_manager.filter(memberships__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for user in users:
            services.sync_role_groups(user)


class MembershipInline(AgencyScopeMixin, admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("agency", "role", "counter", "is_active")
    autocomplete_fields = ("agency", "counter")
    verbose_name_plural = _("vai trò tại các cơ quan")


# Django's User admin, with the user's roles inline and guarded for non-superusers.
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "display_name", "email", "is_staff", "is_active")

    @admin.display(description=_("họ và tên"), ordering="last_name")
    def display_name(self, obj):
        return selectors.full_name(obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(is_superuser=False)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # No way to raise one's own (or anyone's) privileges from here.
            readonly += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return readonly

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None:
            return selectors.can_administer_user(request.user, obj)
        return allowed

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if allowed and obj is not None:
            return selectors.can_administer_user(request.user, obj)
        return allowed

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.sync_role_groups(form.instance)
