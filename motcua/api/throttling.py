from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from motcua.common import ratelimit


class PublicLookupThrottle(BaseThrottle):
    """Public look-ups (catalog search, tracking) per client IP, scope `public_lookup`, counted by
    motcua.common.ratelimit. The rate is read at request time (DRF reads it once at import), so
    settings overrides apply."""

    scope = "public_lookup"

    def allow_request(self, request, view) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if rate is None:
            return True
        self._wait = ratelimit.hit(f"throttle:{self.scope}", self.get_ident(request), rate)
        return self._wait is None

    def wait(self) -> float:
        return float(self._wait or 1)
