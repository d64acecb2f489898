"""Configuration of the metrics app, read from django.conf.settings then the environment.

MOTCUA_METRICS_INDEX (setting: a dict; environment: JSON) overrides the points and thresholds of
the QĐ 766 index indicators, by indicator code: {"3.1": {"points": 4, "threshold": 80}, ...}.
The law leaves some of them UNSURE (domain.md §7: the split of group 3, the threshold of 3.6,
the weights of group 5): the defaults in indicators.INDEX are the older practice, marked there.
"""

from __future__ import annotations

import json

from motcua.common.conf import setting


def index_overrides() -> dict[str, dict]:
    value = setting("MOTCUA_METRICS_INDEX", {})
    if isinstance(value, str):  # from the environment: JSON
        value = json.loads(value) if value.strip() else {}
    if not isinstance(value, dict):
        raise ValueError("MOTCUA_METRICS_INDEX must be a mapping of indicator code to settings")
    return value


def dashboard_cache_seconds() -> int:
    """MOTCUA_METRICS_DASHBOARD_CACHE_SECONDS (default 0 = off): how long the dashboard's numbers
    may be reused for the same scope, filters and language."""
    return max(0, int(setting("MOTCUA_METRICS_DASHBOARD_CACHE_SECONDS", 0)))
