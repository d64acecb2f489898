"""The gateway adapter interface and the registry of enabled gateways.

An adapter knows the gateway's wire format only: how to build the signed redirect for an order,
how to check and parse a callback, and what the gateway expects as the answer to its server
callback. What a callback means for a payment and a dossier (amount and order checks, replays,
the dossier's `pay` action) is decided by payments.services.handle_callback, the same for every
gateway.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from .. import conf


class CallbackRejected(Exception):
    """A callback that cannot be trusted or parsed; `reason` is a stable code for the log."""

    def __init__(self, reason: str, order_id: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.order_id = order_id


@dataclass(frozen=True)
class CallbackResult:
    """A verified callback: the signature was good. The rest is checked against our records."""

    order_id: str
    amount: int  # đồng
    success: bool
    response_code: str = ""
    transaction_no: str = ""
    bank_code: str = ""
    paid_at: datetime | None = None
    raw: dict = field(default_factory=dict)


# Reasons logged with a rejected callback (GatewayCallback.reason).
REASONS = {
    "bad_signature": _("Chữ ký không hợp lệ"),
    "malformed": _("Thiếu hoặc sai tham số"),
    "unknown_order": _("Không có giao dịch này"),
    "amount_mismatch": _("Số tiền không khớp"),
    "replay": _("Phản hồi trùng lặp cho giao dịch đã xử lý"),
    "not_pending": _("Giao dịch không còn chờ thanh toán"),
    "wrong_merchant": _("Sai mã đơn vị chấp nhận thanh toán"),
}


class Gateway:
    """Base class of the adapters (subclasses set `name` and `label`)."""

    name: str = ""
    label = ""
    # Whether the gateway calls our server-to-server endpoint (IPN) itself.
    server_callback = True

    def create_redirect(self, payment, return_url: str, *, client_ip: str = "") -> str:
        """The URL of the gateway's payment page for `payment` (signed)."""
        raise NotImplementedError

    def verify_callback(self, params: dict) -> CallbackResult:
        """Check the signature and parse; CallbackRejected if it cannot be trusted."""
        raise NotImplementedError

    def verify_return(self, params: dict) -> CallbackResult:
        """The browser's return carries the same signed fields as the callback by default."""
        return self.verify_callback(params)

    def ack(self, outcome: str, reason: str = "") -> dict:
        """The body the gateway expects in answer to its server callback."""
        return {"outcome": outcome, "reason": reason}


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _registry() -> dict[str, type[Gateway]]:
    from .demo import DemoGateway
    from .vnpay_like import VnpayLikeGateway

    return {DemoGateway.name: DemoGateway, VnpayLikeGateway.name: VnpayLikeGateway}


def available() -> list[str]:
    """Every adapter the code has (enabled or not)."""
    return list(_registry())


def enabled() -> list[Gateway]:
    """The gateways offered to applicants (MOTCUA_PAYMENTS_GATEWAYS), in that order."""
    registry = _registry()
    return [registry[name]() for name in conf.enabled_gateways() if name in registry]


def get(name: str, *, only_enabled: bool = True) -> Gateway | None:
    registry = _registry()
    if name not in registry or (only_enabled and name not in conf.enabled_gateways()):
        return None
    return registry[name]()
