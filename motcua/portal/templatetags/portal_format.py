from django import template

from motcua.agencies.selectors import full_name
from motcua.catalog import selectors

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """50000 → "50.000 đ"."""
    if amount in (None, ""):
        return ""
    return selectors.format_vnd(int(amount))


@register.filter
def person(user) -> str:
    """A user's name in Vietnamese order ("Hoàng Văn Nam"), else the user name."""
    return full_name(user) if user is not None else ""
