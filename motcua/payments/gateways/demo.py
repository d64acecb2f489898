"""The demo gateway: a pretend bank inside the app, for the demo and the tests.

It behaves like a real gateway: the redirect goes to its own page
(/thanh-toan/cong-thu-nghiem/<order>/, signed so that the amount and the return address cannot
be altered), whose buttons "Thanh toán thành công" / "Hủy" send a signed server callback to
the same service the HTTP callback endpoint uses (in-process, as if over the network), then send
the browser back to our return page with a signed result. Signatures: HMAC-SHA256 over the
sorted `key=value` lines, keyed with MOTCUA_PAYMENTS_DEMO_SECRET (default: from SECRET_KEY).

Never enable it where real money is expected: it pays any order without a bank.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import conf
from .base import CallbackRejected, CallbackResult, Gateway, constant_time_equal

SIGNATURE = "sig"


def sign(params: dict) -> str:
    text = "\n".join(f"{k}={params[k]}" for k in sorted(params) if k != SIGNATURE)
    return hmac.new(conf.demo_secret(), text.encode(), hashlib.sha256).hexdigest()


def signed(params: dict) -> dict:
    params = {k: str(v) for k, v in params.items()}
    return {**params, SIGNATURE: sign(params)}


def verify(params: dict) -> dict:
    """The parameters if their signature is good; CallbackRejected otherwise."""
    given = str(params.get(SIGNATURE, ""))
    clean = {k: str(v) for k, v in params.items() if k != SIGNATURE}
    if not given or not constant_time_equal(given, sign(clean)):
        raise CallbackRejected("bad_signature", clean.get("order", "")[:100])
    return clean


class DemoGateway(Gateway):
    name = "demo"
    label = _("Cổng thanh toán thử nghiệm (không trừ tiền thật)")

    def create_redirect(self, payment, return_url: str, *, client_ip: str = "") -> str:
        params = signed({"order": payment.order_id, "amount": payment.amount, "return": return_url})
        url = reverse("payments:demo-gateway", args=[payment.order_id])
        return f"{url}?{urlencode(params)}"

    def callback_params(self, payment, *, success: bool, now: datetime | None = None) -> dict:
        """What the pretend bank sends: order, amount, result, its transaction number, time."""
        now = now or timezone.now()
        return signed(
            {
                "order": payment.order_id,
                "amount": payment.amount,
                "status": "success" if success else "cancelled",
                "txn": f"DEMO{payment.pk:08d}" if success else "",
                "paid_at": now.isoformat() if success else "",
            }
        )

    def verify_callback(self, params: dict) -> CallbackResult:
        clean = verify(params)
        try:
            amount = int(clean["amount"])
            status = clean["status"]
            order = clean["order"]
        except (KeyError, ValueError):
            raise CallbackRejected("malformed", clean.get("order", "")[:100]) from None
        paid_at = None
        if clean.get("paid_at"):
            try:
                paid_at = datetime.fromisoformat(clean["paid_at"])
            except ValueError:
                raise CallbackRejected("malformed", order) from None
        return CallbackResult(
            order_id=order[:100],
            amount=amount,
            success=status == "success",
            response_code="00" if status == "success" else "24",
            transaction_no=clean.get("txn", "")[:100],
            bank_code="DEMO",
            paid_at=paid_at,
            raw=clean,
        )
