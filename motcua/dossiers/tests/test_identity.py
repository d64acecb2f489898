"""Personal IDs, ID cards, tax codes and phone numbers (domain.md §6)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from motcua.dossiers.identity import (
    PersonalId,
    Phone,
    PhoneKind,
    Sex,
    TaxCode,
    TaxCodeKind,
    normalize_phone,
    parse_personal_id,
    parse_phone,
    parse_tax_code,
    validate_legacy_id_card,
    validate_personal_id,
    validate_phone,
    validate_tax_code,
)


def error_of(fn, value, **kw) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        fn(value, **kw)
    return info.value


# --- personal ID ----------------------------------------------------------------------------------


def test_personal_id_parts():
    assert parse_personal_id("001090123456") == PersonalId(
        "001090123456", "001", Sex.MALE, 1900, 1990
    )
    assert parse_personal_id("079303012345") == PersonalId(
        "079303012345", "079", Sex.FEMALE, 2000, 2003
    )
    assert parse_personal_id(" 096 2 25 000001 ").number == "096225000001"


@pytest.mark.parametrize(
    ("digit", "century", "sex"),
    [
        (0, 1900, Sex.MALE),
        (1, 1900, Sex.FEMALE),
        (2, 2000, Sex.MALE),
        (3, 2000, Sex.FEMALE),
        (4, 2100, Sex.MALE),
        (5, 2100, Sex.FEMALE),
        (6, 2200, Sex.MALE),
        (7, 2200, Sex.FEMALE),
        (8, 2300, Sex.MALE),
        (9, 2300, Sex.FEMALE),
    ],
)
def test_century_and_sex_digit(digit, century, sex):
    parsed = parse_personal_id(f"036{digit}45123456")
    assert (parsed.century, parsed.sex, parsed.birth_year) == (century, sex, century + 45)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("00109012345", "invalid_personal_id"),  # 11 digits
        ("0010901234567", "invalid_personal_id"),  # 13
        ("00109012345A", "invalid_personal_id"),
        ("001-09-0123456", "invalid_personal_id"),
        ("", "invalid_personal_id"),
        (None, "invalid_personal_id"),
        ("000090123456", "invalid_personal_id_province"),
        ("097090123456", "invalid_personal_id_province"),
        ("999090123456", "invalid_personal_id_province"),
    ],
)
def test_personal_id_rejects(value, code):
    error = error_of(parse_personal_id, value)
    assert error.code == code
    assert any(word in error.messages[0] for word in ("12 chữ số", "từ 001 đến 096"))


def test_birth_year_not_in_the_future():
    today = date(2026, 3, 1)
    assert parse_personal_id("001226123456", today=today).birth_year == 2026
    error = error_of(parse_personal_id, "001227123456", today=today)
    assert error.code == "personal_id_birth_year_in_future"
    assert error.messages == ["Năm sinh theo số định danh cá nhân (2027) chưa đến."]
    # Without a date, only the structure is checked.
    assert parse_personal_id("001427123456").birth_year == 2127


def test_validate_personal_id_uses_today():
    validate_personal_id("001090123456")
    assert error_of(validate_personal_id, "001899123456").code == (
        "personal_id_birth_year_in_future"
    )


@given(
    province=st.integers(min_value=1, max_value=96),
    digit=st.integers(min_value=0, max_value=9),
    yy=st.integers(min_value=0, max_value=99),
    rest=st.integers(min_value=0, max_value=999_999),
)
def test_personal_id_structure(province, digit, yy, rest):
    number = f"{province:03d}{digit}{yy:02d}{rest:06d}"
    parsed = parse_personal_id(number)
    assert parsed.number == number and parsed.province_code == f"{province:03d}"
    assert parsed.birth_year == 1900 + 100 * (digit // 2) + yy
    assert parsed.sex == (Sex.MALE if digit % 2 == 0 else Sex.FEMALE)


@given(st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_any_twelve_digits_parse_or_fail_only_on_the_province(number):
    try:
        parse_personal_id(number)
    except ValidationError as error:
        assert error.code == "invalid_personal_id_province"
        assert not 1 <= int(number[:3]) <= 96
    else:
        assert 1 <= int(number[:3]) <= 96


def test_legacy_id_card():
    validate_legacy_id_card("012345678")
    for value in ("01234567", "0123456789", "01234567X"):
        assert error_of(validate_legacy_id_card, value).code == "invalid_id_card"


# --- tax codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0101234567", TaxCode("0101234567", TaxCodeKind.ORGANISATION)),
        ("0101234567-001", TaxCode("0101234567-001", TaxCodeKind.DEPENDENT_UNIT)),
        ("0101234567001", TaxCode("0101234567-001", TaxCodeKind.DEPENDENT_UNIT)),
        (" 0101234567-001 ", TaxCode("0101234567-001", TaxCodeKind.DEPENDENT_UNIT)),
        ("001090123456", TaxCode("001090123456", TaxCodeKind.INDIVIDUAL)),
    ],
)
def test_tax_codes(value, expected):
    assert parse_tax_code(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "010123456",
        "01012345678",
        "0101234567-01",
        "0101234567-0011",
        "0101234567_001",
        "ABC",
        "099090123456",
    ],
)
def test_tax_code_rejects(value):
    error = error_of(validate_tax_code, value)
    assert error.code == "invalid_tax_code"
    assert "Mã số thuế" in error.messages[0]


@given(st.from_regex(r"[0-9]{10}", fullmatch=True))
def test_no_check_digit_is_enforced(number):
    assert parse_tax_code(number) == TaxCode(number, TaxCodeKind.ORGANISATION)


# --- phones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0912345678", Phone("0912345678", PhoneKind.MOBILE)),
        ("0912 345 678", Phone("0912345678", PhoneKind.MOBILE)),
        ("+84 912 345 678", Phone("0912345678", PhoneKind.MOBILE)),
        ("+84 (0) 912.345.678", Phone("0912345678", PhoneKind.MOBILE)),
        ("+840912345678", Phone("0912345678", PhoneKind.MOBILE)),
        ("0084912345678", Phone("0912345678", PhoneKind.MOBILE)),
        ("84912345678", Phone("0912345678", PhoneKind.MOBILE)),
        ("0356-789-012", Phone("0356789012", PhoneKind.MOBILE)),
        ("024 3825 1234", Phone("02438251234", PhoneKind.LANDLINE)),
        ("(0203) 382 5123", Phone("02033825123", PhoneKind.LANDLINE)),
        ("+84 24 3825 1234", Phone("02438251234", PhoneKind.LANDLINE)),
    ],
)
def test_phones(value, expected):
    assert parse_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "0412345678",
        "0112345678",
        "091234567",
        "09123456789",
        "12345",
        "",
        "+1 212 555 0100",
        "0243825123",
        "09l2345678",
    ],
)
def test_phone_rejects(value):
    error = error_of(validate_phone, value)
    assert error.code == "invalid_phone"
    assert "Số điện thoại không hợp lệ" in error.messages[0]


def test_normalize_phone_leaves_national_numbers_alone():
    assert normalize_phone("0912345678") == "0912345678"
    assert normalize_phone("8491234567") == "8491234567"  # too short to carry a country code
