"""Formatting for the staff's pages: Vietnamese dates (dd/mm/yyyy, 24-hour, Asia/Ho_Chi_Minh)
and names in Vietnamese order, whatever the browser's language."""

from django import template
from django.utils import timezone

from motcua.agencies.selectors import full_name
from motcua.worktime.deadlines import VN_TZ

register = template.Library()


@register.filter
def vn_datetime(value) -> str:
    """`08/10/2025 14:30`; empty for None."""
    if not value:
        return ""
    return timezone.localtime(value, VN_TZ).strftime("%d/%m/%Y %H:%M")


@register.filter
def vn_date(value) -> str:
    if not value:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value, VN_TZ)
    return value.strftime("%d/%m/%Y")


@register.filter
def person(user) -> str:
    return full_name(user) if user is not None else ""


@register.filter
def field_named(form, name):
    """`form|field_named:"file_3"`: a bound field by a computed name (None if absent)."""
    try:
        return form[name]
    except KeyError:
        return None


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
