"""Regimes by effective date and the forms of each (domain.md §0, §5)."""

from datetime import UTC, date, datetime

import pytest

from motcua.dossiers.regimes import (
    FormKind,
    Regime,
    form_number,
    form_title,
    has_form,
    regime_for,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2018, 7, 1), Regime.ND61_2018),
        (date(2025, 6, 30), Regime.ND61_2018),
        (date(2025, 7, 1), Regime.ND118_2025),
        (date(2026, 3, 1), Regime.ND118_2025),
        (date.min, Regime.ND61_2018),
        (date.max, Regime.ND118_2025),
    ],
)
def test_regime_for(day, expected):
    assert regime_for(day) == expected


def test_regime_for_an_instant_uses_vietnam_date():
    # 30/6 17:30 UTC is already 1/7 00:30 in Vietnam.
    assert regime_for(datetime(2025, 6, 30, 17, 30, tzinfo=UTC)) == Regime.ND118_2025
    assert regime_for(datetime(2025, 6, 30, 16, 59, tzinfo=UTC)) == Regime.ND61_2018
    assert regime_for(datetime(2025, 6, 30, 23, 59)) == Regime.ND61_2018  # naive = local


NEW = {
    FormKind.RECEIPT: "01",
    FormKind.SUPPLEMENT_REQUEST: "02",
    FormKind.REFUSAL: "03",
    FormKind.APOLOGY: "04",
    FormKind.STOP_NOTICE: "05",
    FormKind.CONTROL_SHEET: "06",
    FormKind.REGISTER: "07",
}
OLD = {
    FormKind.RECEIPT: "01",
    FormKind.SUPPLEMENT_REQUEST: "02",
    FormKind.REFUSAL: "03",
    FormKind.APOLOGY: "04",
    FormKind.STOP_NOTICE: None,
    FormKind.CONTROL_SHEET: "05",
    FormKind.REGISTER: "06",
}


@pytest.mark.parametrize(("regime", "table"), [(Regime.ND118_2025, NEW), (Regime.ND61_2018, OLD)])
def test_form_numbers(regime, table):
    assert {kind: form_number(kind, regime) for kind in FormKind} == table
    for kind, number in table.items():
        assert has_form(kind, regime) is (number is not None)
        assert (form_title(kind, regime) is None) is (number is None)


def test_form_05_means_different_forms_in_the_two_regimes():
    assert form_title(FormKind.CONTROL_SHEET, "nd61_2018") == form_title(
        FormKind.CONTROL_SHEET, "nd118_2025"
    )
    assert form_number(FormKind.STOP_NOTICE, "nd118_2025") == "05"
    assert form_number(FormKind.CONTROL_SHEET, "nd61_2018") == "05"


def test_form_titles_are_vietnamese():
    assert str(form_title("receipt", "nd118_2025")) == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    assert str(form_title("stop_notice", "nd118_2025")) == "Thông báo dừng giải quyết hồ sơ"
    assert str(form_title("apology", "nd61_2018")) == "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
    assert str(form_title("register", "nd61_2018")) == "Sổ theo dõi hồ sơ"


@pytest.mark.parametrize(("kind", "regime"), [("letter", "nd118_2025"), ("receipt", "nd43")])
def test_unknown_kind_or_regime(kind, regime):
    with pytest.raises(ValueError):
        form_number(kind, regime)
