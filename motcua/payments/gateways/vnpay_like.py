"""An adapter shaped like the common Vietnamese card/QR gateways (VNPay's public v2.1 protocol):

- the redirect is the gateway's payment URL with `vnp_*` parameters and `vnp_SecureHash`, the
  HMAC-SHA512 (hex) of the parameters sorted by name and URL-encoded (`quote_plus`), joined
  with `&`, keyed with the merchant's hash secret;
- the amount travels ×100 (`vnp_Amount=20000000` is 200.000 đ); the order is `vnp_TxnRef`;
- the gateway calls our IPN URL (server to server, GET or POST) with the result signed the same
  way (`vnp_ResponseCode`/`vnp_TransactionStatus` "00" = paid, `vnp_TransactionNo`,
  `vnp_PayDate` yyyyMMddHHmmss in Vietnam time, `vnp_BankCode`) and expects JSON
  `{"RspCode": "00", "Message": "Confirm Success"}` (01 order not found, 02 already confirmed,
  04 invalid amount, 97 invalid signature, 99 other);
- the browser comes back to the return URL with the same signed parameters; the return page
  only shows the state our records hold (the IPN decides).

Settings: MOTCUA_VNPAY_TMN_CODE, MOTCUA_VNPAY_HASH_SECRET, MOTCUA_VNPAY_PAY_URL.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import quote_plus

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.worktime.deadlines import VN_TZ

from .. import conf
from .base import CallbackRejected, CallbackResult, Gateway, constant_time_equal

SIGNATURE_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")
TIME_FORMAT = "%Y%m%d%H%M%S"
ACKS = {
    "accepted": ("00", "Confirm Success"),
    "replay": ("02", "Order already confirmed"),
    "not_pending": ("02", "Order already confirmed"),
    "unknown_order": ("01", "Order not found"),
    "amount_mismatch": ("04", "Invalid amount"),
    "bad_signature": ("97", "Invalid signature"),
}


def canonical_query(params: dict) -> str:
    """The signed text: `vnp_*` fields except the signature, sorted by name, URL-encoded."""
    items = sorted(
        (k, str(v))
        for k, v in params.items()
        if k.startswith("vnp_") and k not in SIGNATURE_FIELDS and v not in (None, "")
    )
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in items)


def sign(params: dict, secret: str) -> str:
    return hmac.new(secret.encode(), canonical_query(params).encode(), hashlib.sha512).hexdigest()


def vn_time(value: datetime) -> str:
    return value.astimezone(VN_TZ).strftime(TIME_FORMAT)


class VnpayLikeGateway(Gateway):
    name = "vnpay"
    label = _("VNPAY (thẻ ATM, thẻ quốc tế, QR ngân hàng)")

    def __init__(self, settings: dict | None = None):
        self.settings = settings or conf.vnpay()

    @property
    def secret(self) -> str:
        secret = self.settings["hash_secret"]
        if not secret:
            raise RuntimeError("MOTCUA_VNPAY_HASH_SECRET is not set")
        return secret

    def create_redirect(self, payment, return_url: str, *, client_ip: str = "") -> str:
        created = payment.created_at or timezone.now()
        expires = payment.expires_at or created + timedelta(minutes=conf.order_ttl_minutes())
        code = payment.dossier.code or str(payment.dossier.public_id)
        params = {
            "vnp_Version": self.settings["version"],
            "vnp_Command": "pay",
            "vnp_TmnCode": self.settings["tmn_code"],
            "vnp_Amount": str(payment.amount * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": payment.order_id,
            # Gateways of this family want plain ASCII order information.
            "vnp_OrderInfo": f"Nop phi le phi ho so {code}"[:255],
            "vnp_OrderType": "other",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": vn_time(created),
            "vnp_ExpireDate": vn_time(expires),
        }
        query = canonical_query(params)
        return f"{self.settings['pay_url']}?{query}&vnp_SecureHash={sign(params, self.secret)}"

    def verify_callback(self, params: dict) -> CallbackResult:
        order_id = str(params.get("vnp_TxnRef", ""))[:100]
        given = str(params.get("vnp_SecureHash", ""))
        if not given or not constant_time_equal(given.lower(), sign(params, self.secret)):
            raise CallbackRejected("bad_signature", order_id)
        if self.settings["tmn_code"] and params.get("vnp_TmnCode") != self.settings["tmn_code"]:
            raise CallbackRejected("wrong_merchant", order_id)
        try:
            raw_amount = int(str(params["vnp_Amount"]))
            response = str(params["vnp_ResponseCode"])
        except (KeyError, ValueError):
            raise CallbackRejected("malformed", order_id) from None
        if not order_id or raw_amount < 0 or raw_amount % 100:
            raise CallbackRejected("malformed", order_id)
        paid_at = None
        if params.get("vnp_PayDate"):
            try:
                paid_at = datetime.strptime(str(params["vnp_PayDate"]), TIME_FORMAT).replace(
                    tzinfo=VN_TZ
                )
            except ValueError:
                raise CallbackRejected("malformed", order_id) from None
        status = str(params.get("vnp_TransactionStatus", response))
        return CallbackResult(
            order_id=order_id,
            amount=raw_amount // 100,
            success=response == "00" and status == "00",
            response_code=response,
            transaction_no=str(params.get("vnp_TransactionNo", ""))[:100],
            bank_code=str(params.get("vnp_BankCode", ""))[:30],
            paid_at=paid_at,
            raw=dict(params),
        )

    def ack(self, outcome: str, reason: str = "") -> dict:
        code, message = ACKS.get(reason or outcome, ACKS.get(outcome, ("99", "Unknown error")))
        if outcome == "rejected" and reason not in ACKS:
            code, message = "99", "Unknown error"
        return {"RspCode": code, "Message": message}
