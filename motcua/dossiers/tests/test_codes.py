"""Dossier codes and tracking secrets (domain.md §6)."""

import math
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.dossiers import codes
from motcua.dossiers.codes import (
    SECRET_ALPHABET,
    CentralCode,
    DossierCode,
    display_secret,
    format_central_code,
    format_code,
    normalize_secret,
    parse_any_code,
    parse_central_code,
    parse_code,
    secrets_match,
    tracking_secret,
    validate_code,
)

# --- examples ------------------------------------------------------------------------------------


def test_the_example_of_the_domain():
    code = "H15.50.05.13-261008-0975"
    assert parse_code(code) == DossierCode("H15.50.05.13", date(2026, 10, 8), 975)
    assert format_code("H15.50.05.13", date(2026, 10, 8), 975) == code


@pytest.mark.parametrize(
    ("seq", "tail"),
    [(0, "0000"), (7, "0007"), (9999, "9999"), (10000, "10000"), (1234567, "1234567")],
)
def test_the_sequence_has_at_least_four_digits_and_grows(seq, tail):
    code = format_code("H15", date(2025, 7, 1), seq)
    assert code == f"H15-250701-{tail}"
    assert parse_code(code).seq == seq


def test_legacy_e_ids_are_accepted():
    assert parse_code("000.00.00.H13-250701-0001").e_id == "000.00.00.H13"


def test_the_date_is_the_receipt_date_in_vietnam():
    # 18:00 UTC on 7/10 is 01:00 on 8/10 in Vietnam.
    assert format_code("H15", datetime(2026, 10, 7, 18, 0, tzinfo=UTC), 1) == "H15-261008-0001"
    with pytest.raises(ValueError, match="timezone"):
        format_code("H15", datetime(2026, 10, 7, 18, 0), 1)


@pytest.mark.parametrize(
    ("e_id", "day", "seq"),
    [
        ("h15", date(2025, 7, 1), 1),  # lower case
        ("H15-1", date(2025, 7, 1), 1),  # a hyphen would break the split
        ("", date(2025, 7, 1), 1),
        ("H15..50", date(2025, 7, 1), 1),
        ("H" + ".1" * 17 + "X", date(2025, 7, 1), 1),  # 36 characters
        ("H15", date(1999, 12, 31), 1),
        ("H15", date(2100, 1, 1), 1),
        ("H15", date(2025, 7, 1), -1),
        ("H15", date(2025, 7, 1), True),
        ("H15", date(2025, 7, 1), 1.0),
    ],
)
def test_format_rejects(e_id, day, seq):
    with pytest.raises(ValueError):
        format_code(e_id, day, seq)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "H15-250701",
        "H15-250701-975",  # fewer than 4 digits
        "H15-250701-00975",  # a longer sequence never starts with 0 (canonical form)
        "H15-251301-0001",  # month 13
        "H15-250230-0001",  # 30 February
        "h15-250701-0001",
        "H15-250701-0001 ",
        "H15--250701-0001",
        "-250701-0001",
        "H15-2507011-0001",
        "H15-250701-AB0001",  # the centralised form is not the plain one
    ],
)
def test_parse_rejects(code):
    with pytest.raises(ValueError):
        parse_code(code)


def test_centralised_codes():
    code = format_central_code("G06", date(2026, 2, 1), "BC", 42)
    assert code == "G06-260201-BC0042"
    assert parse_central_code(code) == CentralCode("G06", date(2026, 2, 1), "BC", 42)
    assert parse_any_code(code) == CentralCode("G06", date(2026, 2, 1), "BC", 42)
    assert parse_any_code("G06-260201-0042") == DossierCode("G06", date(2026, 2, 1), 42)
    for prefix in ("B", "bc", "B-", "BCD"):
        with pytest.raises(ValueError):
            format_central_code("G06", date(2026, 2, 1), prefix, 42)


def test_validate_code_for_what_people_type():
    validate_code(" h15.50.05.13-261008-0975 ")
    with pytest.raises(ValidationError) as info:
        validate_code("H15.50.05.13-261008")
    assert info.value.code == "invalid_code"
    assert "Mã hồ sơ không hợp lệ" in str(info.value.messages[0])


# --- properties -----------------------------------------------------------------------------------

ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
group = st.text(ID_CHARS, min_size=1, max_size=4)
e_ids = st.builds(
    lambda letter, number, rest: ".".join([f"{letter}{number:02d}", *rest]),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    st.integers(min_value=0, max_value=99),
    st.lists(group, max_size=6),
)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
seqs = st.integers(min_value=0, max_value=10**9)


@settings(max_examples=300)
@given(e_id=e_ids, day=days, seq=seqs)
def test_round_trip(e_id, day, seq):
    code = format_code(e_id, day, seq)
    assert parse_code(code) == (e_id, day, seq)
    assert format_code(*parse_code(code)) == code


@settings(max_examples=200)
@given(e_id=e_ids, day=days, prefix=st.text(ID_CHARS, min_size=2, max_size=2), seq=seqs)
def test_central_round_trip(e_id, day, prefix, seq):
    code = format_central_code(e_id, day, prefix, seq)
    assert parse_central_code(code) == (e_id, day, prefix, seq)


@settings(max_examples=300)
@given(text=st.from_regex(r"[0-9A-Z.]{1,12}-[0-9]{6}-[0-9]{4,8}", fullmatch=True))
def test_every_accepted_code_is_canonical(text):
    """Whatever parses formats back to the same text: one dossier, one code."""
    try:
        parsed = parse_code(text)
    except ValueError:
        return
    assert format_code(*parsed) == text


# --- tracking secrets -----------------------------------------------------------------------------


def test_tracking_secret_shape_and_entropy():
    secret = tracking_secret()
    assert len(secret) == 10 and set(secret) <= set(SECRET_ALPHABET)
    assert not set("0O1IL") & set(SECRET_ALPHABET)
    assert len(set(SECRET_ALPHABET)) == len(SECRET_ALPHABET) == 31
    assert 10 * math.log2(len(SECRET_ALPHABET)) > 49
    assert secret.isalnum() and secret.isascii()  # URL-safe as is


def test_tracking_secrets_are_random():
    many = {tracking_secret() for _ in range(2000)}
    assert len(many) == 2000
    assert set("".join(many)) == set(SECRET_ALPHABET)  # every symbol is used


def test_tracking_secret_minimum_length():
    assert len(tracking_secret(8)) == 8
    with pytest.raises(ValueError):
        tracking_secret(7)


def test_secrets_match_what_people_type():
    secret = "ABCDE23456"
    assert display_secret(secret) == "ABCDE-23456"
    assert normalize_secret(" abcde-23456 ") == secret
    assert secrets_match(secret, "abcde 23456")
    assert secrets_match(secret, display_secret(secret))
    assert not secrets_match(secret, "ABCDE23457")
    assert not secrets_match(secret, "ABCDE2345")
    assert not secrets_match(secret, "")


def test_secrets_are_compared_in_constant_time(monkeypatch):
    calls = []
    real = codes.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", spy)
    assert secrets_match("ABCDE23456", "abcde23456")
    assert calls == [(b"ABCDE23456", b"ABCDE23456")]
