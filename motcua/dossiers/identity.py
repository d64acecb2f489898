"""Identifiers of people and organisations (domain.md §6). Pure: no ORM, no I/O.

Validators raise Django's ValidationError with a Vietnamese message and a stable code, so they
serve model fields, forms and the API alike; parse_* return the parts.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from motcua.worktime.deadlines import VN_TZ


class Sex(TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


# --- personal ID (căn cước, 12 digits: PPP G YY RRRRRR) ------------------------------------------

PERSONAL_ID_RE = re.compile(r"^[0-9]{12}$")
LEGACY_ID_CARD_RE = re.compile(r"^[0-9]{9}$")
# Birth-registration province codes; pre-2025 codes stay valid for life, so the whole range is
# accepted rather than today's list of provinces.
PROVINCE_CODE_MIN, PROVINCE_CODE_MAX = 1, 96


class PersonalId(NamedTuple):
    number: str
    province_code: str
    sex: Sex
    century: int  # 1900, 2000, …
    birth_year: int


def _compact(value) -> str:
    # People paste IDs with spaces ("001 0 90 123456"); nothing else is tolerated.
    return "".join(str(value or "").split())


def parse_personal_id(value: str, *, today: date | None = None) -> PersonalId:
    """The parts of a 12-digit personal ID. With `today`, a birth year after it is rejected.

    The century/sex digit: 0/1 born in the 1900s (male/female), 2/3 in the 2000s, 4/5 in the
    2100s, 6/7 in the 2200s, 8/9 in the 2300s.
    """
    number = _compact(value)
    if not PERSONAL_ID_RE.match(number):
        raise ValidationError(
            _("Số định danh cá nhân phải gồm đúng 12 chữ số."), code="invalid_personal_id"
        )
    province = number[:3]
    if not PROVINCE_CODE_MIN <= int(province) <= PROVINCE_CODE_MAX:
        raise ValidationError(
            _("Mã nơi đăng ký khai sinh (3 chữ số đầu) phải từ 001 đến 096."),
            code="invalid_personal_id_province",
        )
    digit = int(number[3])
    century = 1900 + (digit // 2) * 100
    birth_year = century + int(number[4:6])
    if today is not None and birth_year > today.year:
        raise ValidationError(
            _("Năm sinh theo số định danh cá nhân (%(year)s) chưa đến."),
            code="personal_id_birth_year_in_future",
            params={"year": birth_year},
        )
    sex = Sex.MALE if digit % 2 == 0 else Sex.FEMALE
    return PersonalId(number, province, sex, century, birth_year)


def validate_personal_id(value: str) -> None:
    parse_personal_id(value, today=datetime.now(VN_TZ).date())


def validate_legacy_id_card(value: str) -> None:
    """The 9-digit identity card (chứng minh nhân dân) still found on old records."""
    if not LEGACY_ID_CARD_RE.match(_compact(value)):
        raise ValidationError(
            _("Số chứng minh nhân dân phải gồm đúng 9 chữ số."), code="invalid_id_card"
        )


# --- tax code -------------------------------------------------------------------------------------


class TaxCodeKind(TextChoices):
    ORGANISATION = "organisation", _("Doanh nghiệp, tổ chức")
    DEPENDENT_UNIT = "dependent_unit", _("Chi nhánh, đơn vị phụ thuộc")
    INDIVIDUAL = "individual", _("Cá nhân")


class TaxCode(NamedTuple):
    number: str  # canonical: 10 digits, NNNNNNNNNN-NNN, or the 12-digit personal ID
    kind: TaxCodeKind


TAX_CODE_RE = re.compile(r"^(?P<main>[0-9]{10})(?:-?(?P<unit>[0-9]{3}))?$")


def parse_tax_code(value: str) -> TaxCode:
    """A tax code: 10 digits, 13 written NNNNNNNNNN-NNN (TT 86/2024), or a personal ID.

    The check digit is not verified (its rule is UNSURE, domain.md §6); a 13-digit code typed
    without the hyphen is accepted and given its hyphen.
    """
    text = _compact(value)
    if PERSONAL_ID_RE.match(text):
        # The personal ID is the individual's tax code.
        try:
            return TaxCode(parse_personal_id(text).number, TaxCodeKind.INDIVIDUAL)
        except ValidationError:
            pass
    match = TAX_CODE_RE.match(text)
    if match is None:
        raise ValidationError(
            _("Mã số thuế phải gồm 10 chữ số, hoặc 13 chữ số dạng NNNNNNNNNN-NNN."),
            code="invalid_tax_code",
        )
    if match["unit"] is None:
        return TaxCode(match["main"], TaxCodeKind.ORGANISATION)
    return TaxCode(f"{match['main']}-{match['unit']}", TaxCodeKind.DEPENDENT_UNIT)


def validate_tax_code(value: str) -> None:
    parse_tax_code(value)


# --- phone numbers --------------------------------------------------------------------------------


class PhoneKind(TextChoices):
    MOBILE = "mobile", _("Di động")
    LANDLINE = "landline", _("Cố định")


# Since the 2018 renumbering: mobiles are 10 digits 03x/05x/07x/08x/09x; landlines are 11 digits,
# 02 + area code + subscriber number (e.g. 024 3825 xxxx, 0203 382 xxxx).
MOBILE_RE = re.compile(r"^0[35789][0-9]{8}$")
LANDLINE_RE = re.compile(r"^02[0-9]{9}$")
_SEPARATORS_RE = re.compile(r"[\s.\-()]")


def normalize_phone(value: str) -> str:
    """The national form `0…`: separators removed, +84 / 0084 / 84 replaced by 0.

    Does not validate; `parse_phone` does.
    """
    text = str(value or "").strip()
    # "+84 (0) 912…": the trunk 0 in parentheses is dropped with the country code.
    text = text.replace("(0)", "")
    text = _SEPARATORS_RE.sub("", text)
    for prefix in ("+84", "0084"):
        if text.startswith(prefix):
            return "0" + text[len(prefix) :].removeprefix("0")
    # Bare "84…" is a country code only when the rest has a national number's length.
    if text.startswith("84") and len(text) in (11, 12):
        return "0" + text[2:]
    return text


class Phone(NamedTuple):
    number: str
    kind: PhoneKind


def parse_phone(value: str) -> Phone:
    number = normalize_phone(value)
    if MOBILE_RE.match(number):
        return Phone(number, PhoneKind.MOBILE)
    if LANDLINE_RE.match(number):
        return Phone(number, PhoneKind.LANDLINE)
    raise ValidationError(
        _(
            "Số điện thoại không hợp lệ: di động 10 chữ số (03, 05, 07, 08, 09), "
            "cố định 11 chữ số (02…); có thể viết +84."
        ),
        code="invalid_phone",
    )


def validate_phone(value: str) -> None:
    parse_phone(value)
