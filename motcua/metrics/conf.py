"""Configuration of the metrics app, read from django.conf.settings then the environment.

MOTCUA_METRICS_INDEX (setting: a dict; environment: JSON) overrides the points and thresholds of
the QĐ 766 index indicators, by indicator code: {"3.1": {"points": 4, "threshold": 80}, ...}.
The law leaves some of them UNSURE (domain.md §7: the split of group 3, the threshold of 3.6,
the weights of group 5): the defaults in indicators.INDEX are the older practice, marked there.
"""

from __future__ import annotations

import json
import os

from django.conf import settings


def index_overrides() -> dict[str, dict]:
    value = getattr(settings, "MOTCUA_METRICS_INDEX", None)
    if value is None:
        raw = os.environ.get("MOTCUA_METRICS_INDEX", "").strip()
        value = json.loads(raw) if raw else {}
    if not isinstance(value, dict):
        raise ValueError("MOTCUA_METRICS_INDEX must be a mapping of indicator code to settings")
    return value
