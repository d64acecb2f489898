from django import template

from motcua.catalog import selectors

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """50000 → "50.000 đ"."""
    if amount in (None, ""):
        return ""
    return selectors.format_vnd(int(amount))
