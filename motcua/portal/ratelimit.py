"""A per-client limit on failures (sign-in), counted in the shared cache.

The window opens at the client's first failure; once `limit` failures are counted in it, the
client waits until the window closes — even a right password is refused meanwhile, so guessing
cannot continue. The rate is read at each request (`"10/min"`, `N/s|min|hour|day`), so a settings
change or a test override applies at once. Use Redis (`REDIS_URL`) in production so that every
app server counts together.
"""

from __future__ import annotations

from django.conf import settings

from motcua.common import ratelimit


class FailureLimit:
    def __init__(self, name: str, setting: str, default: str):
        self.name = name
        self.setting = setting
        self.default = default

    def rate(self) -> str:
        return getattr(settings, self.setting, self.default)

    def wait(self, client: str) -> int | None:
        """Seconds the client must wait before trying again, or None."""
        return ratelimit.blocked(self.name, client, self.rate())

    def fail(self, client: str) -> None:
        """Count one failure."""
        ratelimit.count(self.name, client, self.rate())


login_failures = FailureLimit("login-page", "MOTCUA_LOGIN_PAGE_RATE", "10/min")
