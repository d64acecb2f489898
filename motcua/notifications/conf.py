"""Settings of the notifications app: `django.conf.settings` first, then the environment.

Read at each call (not at import) so that a test or an operator's override applies at once.
Every setting is documented in docs/notifications.md.
"""

from pathlib import Path

from django.conf import settings

from motcua.common.conf import setting


def _int(name: str, default: int) -> int:
    return int(setting(name, default))


def _float(name: str, default: float) -> float:
    return float(setting(name, default))


def channels() -> set[str]:
    """Channels the applicant is notified on (those with a contact): `email,sms` by default."""
    value = setting("MOTCUA_NOTIFICATIONS_CHANNELS", "email,sms")
    if isinstance(value, str):
        value = value.split(",")
    return {item.strip() for item in value if item.strip()}


def sms_adapter() -> str:
    """`file` (JSON lines, the demo and tests), `console`, or a dotted path to an adapter class."""
    return str(setting("MOTCUA_SMS_ADAPTER", "file"))


def sms_file() -> Path:
    default = Path(getattr(settings, "VAR_DIR", Path("var"))) / "sms.jsonl"
    return Path(setting("MOTCUA_SMS_FILE", default))


def sms_delay() -> float:
    """Seconds the file adapter waits before writing: makes "mid-delivery" reproducible in the
    kill test. Always 0 in production."""
    return _float("MOTCUA_SMS_DELAY", 0.0)


def sms_delay_after() -> float:
    """Seconds the file adapter waits after writing, before returning: reproduces a worker killed
    between "the provider accepted it" and "marked sent". Always 0 in production."""
    return _float("MOTCUA_SMS_DELAY_AFTER", 0.0)


def from_email() -> str:
    return str(setting("MOTCUA_NOTIFICATIONS_FROM", settings.DEFAULT_FROM_EMAIL))


def max_attempts() -> int:
    return _int("MOTCUA_NOTIFICATIONS_MAX_ATTEMPTS", 8)


def backoff_base() -> int:
    """Seconds before the first retry; doubled at each further attempt."""
    return _int("MOTCUA_NOTIFICATIONS_BACKOFF_SECONDS", 30)


def backoff_max() -> int:
    return _int("MOTCUA_NOTIFICATIONS_BACKOFF_MAX_SECONDS", 6 * 3600)


def lease_seconds() -> int:
    """How long a claimed message may stay `sending` before the flush takes it back (a worker
    killed mid-delivery). Must exceed the slowest provider call."""
    return _int("MOTCUA_NOTIFICATIONS_LEASE_SECONDS", 300)


def flush_grace_seconds() -> int:
    """A pending message younger than this is left to the task already queued for it."""
    return _int("MOTCUA_NOTIFICATIONS_FLUSH_GRACE_SECONDS", 60)


def base_url() -> str:
    return str(getattr(settings, "MOTCUA_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
