"""Per-client rate limits counted in the shared cache (Redis in production, so every app server
counts together), used by the public look-ups (pages and API) and by sign-in failures.

A window opens at a client's first hit and lasts the rate's period; `add` and `incr` are atomic
on Redis and keep the expiry. Rates are strings like "60/min" (N/s|min|hour|day), read by the
callers at each request so that a settings change or a test override applies at once.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def parse_rate(rate: str) -> tuple[int, int]:
    """`"60/min"` → (60, 60): requests allowed per period of seconds."""
    count, _sep, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


def client_ip(request) -> str:
    # The same identity as DRF's throttles (REMOTE_ADDR, or X-Forwarded-For per
    # REST_FRAMEWORK NUM_PROXIES behind a proxy), so one client is one client everywhere.
    return BaseThrottle().get_ident(request)


def _key(name: str, client: str) -> str:
    return f"motcua:{name}:{client}"


def _wait(key: str, period: int) -> int:
    now = time.time()
    started = cache.get(f"{key}:start") or now
    return max(1, math.ceil(started + period - now))


def count(name: str, client: str, rate: str) -> int:
    """Count one hit of `client` under `name`; return the hits in the current window."""
    _limit, period = parse_rate(rate)
    key = _key(name, client)
    cache.add(f"{key}:start", time.time(), timeout=period)
    cache.add(key, 0, timeout=period)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)
        return 1


def hit(name: str, client: str, rate: str) -> int | None:
    """Count one hit; None if within the rate, else the seconds to wait."""
    limit, period = parse_rate(rate)
    if count(name, client, rate) > limit:
        return _wait(_key(name, client), period)
    return None


def blocked(name: str, client: str, rate: str) -> int | None:
    """Without counting: the seconds to wait if the client has used up the window, else None."""
    limit, period = parse_rate(rate)
    key = _key(name, client)
    if (cache.get(key) or 0) < limit:
        return None
    return _wait(key, period)
