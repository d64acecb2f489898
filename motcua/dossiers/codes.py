"""Dossier codes and tracking secrets (domain.md §6). Pure: no ORM, no I/O.

Dossier code: `<agency e-ID>-<YYMMDD>-<NNNN>` — the receiving agency's electronic identifier, the
date of receipt in Asia/Ho_Chi_Minh, and the sequence within that day, at least 4 digits and
longer when needed (`H15.50.05.13-261008-0975`, `H15-261008-12345`). Nationally centralised
services (TT 04/2025) use `<e-ID>-<YYMMDD>-<AA><NNNN>`, AA taken from the owning ministry's code.

Both are bijections: a sequence longer than 4 digits never starts with 0, so every valid code
text has exactly one (e-ID, day, sequence) and formatting gives that text back.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import date, datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .regimes import local_date

# The character set and length of QĐ 20/2020. The full structure of an e-ID (first group `MX1X2`,
# or the legacy `000.00.00.H13`) is checked where agencies are created; here it is enough that an
# e-ID contains no "-" so the code splits unambiguously.
E_ID_CHARS_RE = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)*$")
E_ID_MAX_LENGTH = 35
MIN_SEQ_DIGITS = 4
# Two-digit years: codes exist only from the 2000s on.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)

_SEQ = r"(?:[0-9]{4}|[1-9][0-9]{4,})"
CODE_RE = re.compile(rf"^(?P<e_id>[0-9A-Z.]+)-(?P<day>[0-9]{{6}})-(?P<seq>{_SEQ})$")
CENTRAL_CODE_RE = re.compile(
    rf"^(?P<e_id>[0-9A-Z.]+)-(?P<day>[0-9]{{6}})-(?P<prefix>[A-Z0-9]{{2}})(?P<seq>{_SEQ})$"
)
PREFIX_RE = re.compile(r"^[A-Z0-9]{2}$")


class DossierCode(NamedTuple):
    e_id: str
    day: date
    seq: int


class CentralCode(NamedTuple):
    e_id: str
    day: date
    prefix: str
    seq: int


def _check_e_id(e_id: str) -> None:
    if not isinstance(e_id, str) or len(e_id) > E_ID_MAX_LENGTH or not E_ID_CHARS_RE.match(e_id):
        raise ValueError(f"not an agency e-ID: {e_id!r}")


def _day_part(day: date | datetime) -> str:
    if isinstance(day, datetime) and day.tzinfo is None:
        # A naive instant could be UTC or local: the two disagree on the date for 7 hours a day.
        raise ValueError("the receipt instant must be timezone-aware (or pass a date)")
    local = local_date(day)
    if not FIRST_DAY <= local <= LAST_DAY:
        raise ValueError(f"a dossier code date must be in 2000–2099: {local}")
    return local.strftime("%y%m%d")


def _seq_part(seq: int) -> str:
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValueError(f"the sequence must be a non-negative integer: {seq!r}")
    return f"{seq:0{MIN_SEQ_DIGITS}d}"


def format_code(e_id: str, day: date | datetime, seq: int) -> str:
    """`<e-ID>-<YYMMDD>-<NNNN>`; `day` is the receipt date (an aware datetime is read in VN)."""
    _check_e_id(e_id)
    return f"{e_id}-{_day_part(day)}-{_seq_part(seq)}"


def format_central_code(e_id: str, day: date | datetime, prefix: str, seq: int) -> str:
    """The TT 04/2025 variant `<e-ID>-<YYMMDD>-<AA><NNNN>` for nationally centralised services."""
    _check_e_id(e_id)
    if not isinstance(prefix, str) or not PREFIX_RE.match(prefix):
        raise ValueError(f"the ministry prefix must be 2 characters of 0-9 A-Z: {prefix!r}")
    return f"{e_id}-{_day_part(day)}-{prefix}{_seq_part(seq)}"


def _parse_day(text: str) -> date:
    return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))


def _match(regex: re.Pattern, code: str) -> re.Match:
    match = regex.match(code) if isinstance(code, str) else None
    if match is None:
        raise ValueError(f"not a dossier code: {code!r}")
    _check_e_id(match["e_id"])
    return match


def parse_code(code: str) -> DossierCode:
    """(e_id, day, seq) of a code; ValueError if it is not a canonical dossier code."""
    match = _match(CODE_RE, code)
    return DossierCode(match["e_id"], _parse_day(match["day"]), int(match["seq"]))


def parse_central_code(code: str) -> CentralCode:
    match = _match(CENTRAL_CODE_RE, code)
    return CentralCode(match["e_id"], _parse_day(match["day"]), match["prefix"], int(match["seq"]))


def parse_any_code(code: str) -> DossierCode | CentralCode:
    """Either form; an all-digit tail is read as the plain form.

    UNSURE (TT 04/2025): if AA can be two digits, `…-102345` is both plain sequence 102345 and
    AA=10 with 2345. Callers that know the service is nationally centralised use
    parse_central_code.
    """
    try:
        return parse_code(code)
    except ValueError:
        return parse_central_code(code)


def normalize_code(value: str) -> str:
    """What people type (lower case, spaces around) to the canonical text."""
    return "".join((value or "").split()).upper()


def validate_code(value: str) -> None:
    """Django validator for a dossier code typed by a person (e.g. on the tracking page)."""
    try:
        parse_any_code(normalize_code(value))
    except ValueError:
        raise ValidationError(
            _("Mã hồ sơ không hợp lệ (ví dụ H15.50.05.13-261008-0975)."), code="invalid_code"
        ) from None


# --- tracking secrets ----------------------------------------------------------------------------

# Upper-case letters and digits minus the look-alikes 0/O, 1/I/L: 31 symbols, safe in URLs, easy
# to read off a paper slip and type on a phone. 10 symbols carry 10 × log2(31) ≈ 49.5 bits.
SECRET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SECRET_LENGTH = 10
SECRET_MIN_LENGTH = 8


def tracking_secret(length: int = SECRET_LENGTH) -> str:
    """A random secret for the receipt; with the code it opens the dossier's tracking page."""
    if length < SECRET_MIN_LENGTH:
        raise ValueError(f"a tracking secret has at least {SECRET_MIN_LENGTH} characters")
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(length))


def normalize_secret(value: str) -> str:
    """Upper case without spaces or hyphens (slips may print it as `ABCDE-FGHJK`)."""
    return "".join(ch for ch in (value or "").upper() if not ch.isspace() and ch != "-")


def display_secret(secret: str) -> str:
    """Groups of five separated by hyphens, for printing."""
    return "-".join(secret[i : i + 5] for i in range(0, len(secret), 5))


def secrets_match(expected: str, given: str) -> bool:
    """Constant-time comparison after normalising what was typed."""
    return hmac.compare_digest(
        normalize_secret(expected).encode("utf-8"), normalize_secret(given).encode("utf-8")
    )
