"""A per-client limit on failures (sign-in), counted in the shared cache.

The window opens at the client's first failure; once `limit` failures are counted in it, the
client waits until the window closes — even a right password is refused meanwhile, so guessing
cannot continue. The rate is read at each request (`"10/min"`, `N/s|min|hour|day`), so a settings
change or a test override applies at once. Use Redis (`REDIS_URL`) in production so that every
app server counts together.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache

from motcua.dossiers.tracking import parse_rate


class FailureLimit:
    def __init__(self, name: str, setting: str, default: str):
        self.name = name
        self.setting = setting
        self.default = default

    def rate(self) -> tuple[int, int]:
        return parse_rate(getattr(settings, self.setting, self.default))

    def _key(self, client: str) -> str:
        return f"motcua:{self.name}:{client}"

    def wait(self, client: str) -> int | None:
        """Seconds the client must wait before trying again, or None."""
        limit, period = self.rate()
        key = self._key(client)
        if (cache.get(key) or 0) < limit:
            return None
        started = cache.get(f"{key}:start") or time.time()
        return max(1, math.ceil(started + period - time.time()))

    def fail(self, client: str) -> None:
        """Count one failure (`add` then `incr`: atomic on Redis, the expiry is kept)."""
        _limit, period = self.rate()
        key = self._key(client)
        cache.add(f"{key}:start", time.time(), timeout=period)
        cache.add(key, 0, timeout=period)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=period)


login_failures = FailureLimit("login-page", "MOTCUA_LOGIN_PAGE_RATE", "10/min")
