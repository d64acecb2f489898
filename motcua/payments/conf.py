"""Settings of the payments app: `django.conf.settings` first, then the environment, then a
default. Secrets (gateway keys) come only from settings or the environment, never from code."""

from __future__ import annotations

import hashlib

from django.conf import settings

from motcua.common.conf import setting


def enabled_gateways() -> list[str]:
    """MOTCUA_PAYMENTS_GATEWAYS: the online gateways offered, in order (comma-separated).

    Default: the demo gateway with DEBUG (the demo) or in tests, none otherwise, so that a
    production server never offers the pretend bank unless told to."""
    fallback = "demo" if settings.DEBUG or getattr(settings, "TESTING", False) else ""
    value = setting("MOTCUA_PAYMENTS_GATEWAYS", fallback)
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    return [v for v in value if v]


def order_ttl_minutes() -> int:
    """MOTCUA_PAYMENTS_ORDER_TTL_MINUTES: how long an online order may be paid (default 15)."""
    return int(setting("MOTCUA_PAYMENTS_ORDER_TTL_MINUTES", 15))


def default_timing() -> str:
    """MOTCUA_PAYMENTS_DEFAULT_TIMING: when a fee without its own rule is due."""
    return str(setting("MOTCUA_PAYMENTS_DEFAULT_TIMING", "before_processing"))


def demo_secret() -> bytes:
    """MOTCUA_PAYMENTS_DEMO_SECRET; by default derived from SECRET_KEY (the demo gateway lives
    inside the app, so its key never leaves the server anyway)."""
    value = setting("MOTCUA_PAYMENTS_DEMO_SECRET")
    if value:
        return str(value).encode()
    return hashlib.sha256(b"motcua-demo-gateway:" + settings.SECRET_KEY.encode()).digest()


def vnpay() -> dict:
    """The VNPay-shaped gateway's merchant settings."""
    return {
        "tmn_code": str(setting("MOTCUA_VNPAY_TMN_CODE", "")),
        "hash_secret": str(setting("MOTCUA_VNPAY_HASH_SECRET", "")),
        "pay_url": str(
            setting("MOTCUA_VNPAY_PAY_URL", "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html")
        ),
        "version": str(setting("MOTCUA_VNPAY_VERSION", "2.1.0")),
    }
