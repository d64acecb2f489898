"""The indicators (domain.md §7), each defined once: code, Vietnamese name, unit, formula, legal
source, and a pure function from counters to a value.

Pure: no ORM. Counters are plain integer sums (of DailyRollup rows, or of the snapshot of open
dossiers); a rate keeps its numerator and denominator, so that groups combine by adding counters
and never by averaging rates. The QĐ 766 index (INDEX) scores rates against thresholds.

Stable API for the dashboards and exports:
- COUNTERS: the counter names (= the DailyRollup integer columns), SNAPSHOT_COUNTERS;
- INDICATORS: code → Indicator; `evaluate(counters)` → {code: Value};
- INDEX, INDEX_GROUPS and `score_index(rates)` for QĐ 766.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

# --- counters -------------------------------------------------------------------------------------

# Flow counters, kept per day × competent agency × receiving agency × procedure × channel in
# DailyRollup, each incremented by one event (see rollups.counters_for_event).
COUNTERS: dict[str, str] = {
    "submitted": "submit events (online dossiers sent by the applicant)",
    "received": "accept events (dossiers received: the clock starts)",
    "received_online_full": "accepted online dossiers of a fully online procedure version",
    "received_online_partial": "accepted online dossiers of a partly online procedure version",
    "reception_supplement_requested": "request_supplement events at reception",
    "supplement_requested": "request_supplement events during processing (clock paused)",
    "refused": "refuse events (not received)",
    "withdrawn": "withdraw events",
    "stopped": "stop events",
    "decided": "approve or deny events (dossiers resolved)",
    "approved": "approve events",
    "denied": "deny events",
    "resolved_early": "decided, local date of decision before the due date",
    "resolved_on_time": "decided on the due date, not after the due time",
    "resolved_late": "decided after the due time, or more than one supplement request",
    "processing_seconds": "sum over decided dossiers of the working time from clock start to "
    "decision, pauses excluded (seconds)",
    "closed_in_time": "received dossiers stopped or withdrawn no later than their due time",
    "closed_late": "received dossiers stopped or withdrawn after their due time (or >1 request)",
    "returned": "deliver events (result returned)",
    "finished": "received dossiers reaching a final state (returned, stopped, withdrawn)",
    "digitised": "finished dossiers whose submitted components are all electronic",
    "reused": "finished dossiers re-using at least one earlier digitised document",
    "result_electronic": "returned dossiers with an electronic result file",
    "extended": "extend events (apology and new date, form 04)",
    "payment_requested": "request_payment events (fee-bearing dossiers)",
    "paid": "pay events",
    "paid_online": "pay events by the applicant (paid online, not at the cashier)",
    "paid_amount": "sum of the amounts paid (đồng)",
    "paid_online_amount": "sum of the amounts paid online (đồng)",
}

# Snapshot counters: open dossiers at a reference instant, read from the dossiers table
# (selectors.open_snapshot), not kept in the roll-ups.
SNAPSHOT_COUNTERS: dict[str, str] = {
    "open": "received dossiers not yet decided nor ended (processing, supplementing, payment)",
    "open_not_yet_due": "open dossiers not overdue (lifecycle.open_status)",
    "open_overdue": "open dossiers past their due time while the clock runs",
    "open_in_time_for_index": "open dossiers in time by the QĐ 766 rule 2.1 (a dossier waiting "
    "for supplements ends at its request time)",
}

# --- values ---------------------------------------------------------------------------------------

HUNDRED = Decimal(100)
PLACES = Decimal("0.01")


def _round(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Value:
    """An indicator's value: `value` is None when there is no data (or a zero denominator);
    rates carry their numerator and denominator; `flag` says why a value is missing."""

    value: Decimal | int | None
    numerator: int | None = None
    denominator: int | None = None
    flag: str | None = None

    def as_dict(self) -> dict:
        out: dict = {"value": None if self.value is None else float(self.value)}
        if isinstance(self.value, int):
            out["value"] = self.value
        if self.denominator is not None:
            out["numerator"] = self.numerator
            out["denominator"] = self.denominator
        if self.flag:
            out["flag"] = self.flag
        return out


def count(name: str) -> Callable[[Mapping[str, int]], Value]:
    def compute(c: Mapping[str, int]) -> Value:
        return Value(int(c.get(name) or 0))

    return compute


def rate(numerator: Callable[[Mapping], int], denominator: Callable[[Mapping], int]):
    """A percentage with two decimals; None when the denominator is zero."""

    def compute(c: Mapping[str, int]) -> Value:
        num, den = int(numerator(c)), int(denominator(c))
        if den <= 0:
            return Value(None, num, den, "no_denominator")
        return Value(_round(Decimal(num) * HUNDRED / Decimal(den)), num, den)

    return compute


def _sum(*names: str) -> Callable[[Mapping], int]:
    return lambda c: sum(int(c.get(n) or 0) for n in names)


def no_data(reason: str) -> Callable[[Mapping], Value]:
    return lambda c: Value(None, flag=reason)


SECONDS_PER_WORKING_DAY = 8 * 3600  # lifecycle.WORKING_DAY (calendars may differ: documented)


def _average_days(c: Mapping[str, int]) -> Value:
    decided = int(c.get("decided") or 0)
    if decided <= 0:
        return Value(None, int(c.get("processing_seconds") or 0), 0, "no_denominator")
    seconds = int(c.get("processing_seconds") or 0)
    days = Decimal(seconds) / Decimal(SECONDS_PER_WORKING_DAY) / Decimal(decided)
    return Value(_round(days), seconds, decided)


# --- definitions ----------------------------------------------------------------------------------

ND61 = "NĐ 61/2018/NĐ-CP (sửa đổi bởi NĐ 107/2021/NĐ-CP, NĐ 118/2025/NĐ-CP)"
TT01 = "TT 01/2018/TT-VPCP; TT 03/2025/TT-VPCP (báo cáo tình hình giải quyết TTHC)"
QD766 = "QĐ 766/QĐ-TTg ngày 23/6/2022 (Bộ chỉ số phục vụ người dân, doanh nghiệp)"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: object  # lazy Vietnamese text
    unit: str  # "count", "percent", "working_days", "dong"
    formula: str
    source: str
    compute: Callable[[Mapping[str, int]], Value]
    snapshot: bool = False  # needs SNAPSHOT_COUNTERS (open dossiers at a reference instant)
    counters: tuple[str, ...] = field(default=())

    def definition(self) -> dict:
        return {
            "code": self.code,
            "name": str(self.name),
            "unit": self.unit,
            "formula": self.formula,
            "source": self.source,
            "snapshot": self.snapshot,
        }


def _ind(code, name, unit, formula, source, compute, *, snapshot=False, counters=()):
    return Indicator(code, name, unit, formula, source, compute, snapshot, tuple(counters))


_LIST = [
    _ind("received", _("Hồ sơ tiếp nhận"), "count", "received", TT01, count("received")),
    _ind(
        "submitted_online",
        _("Hồ sơ nộp trực tuyến (đã gửi)"),
        "count",
        "submitted",
        TT01,
        count("submitted"),
    ),
    _ind(
        "resolved",
        _("Hồ sơ đã giải quyết"),
        "count",
        "decided = resolved_early + resolved_on_time + resolved_late",
        TT01,
        count("decided"),
    ),
    _ind(
        "resolved_early",
        _("Giải quyết trước hạn"),
        "count",
        "resolved_early",
        f"{ND61}, Điều 12 (lifecycle.outcome); {TT01}",
        count("resolved_early"),
    ),
    _ind(
        "resolved_on_time",
        _("Giải quyết đúng hạn"),
        "count",
        "resolved_on_time",
        f"{ND61}; {TT01}",
        count("resolved_on_time"),
    ),
    _ind(
        "resolved_late",
        _("Giải quyết quá hạn"),
        "count",
        "resolved_late (after the due time, or more than one supplement request)",
        f"{ND61}; {TT01}",
        count("resolved_late"),
    ),
    _ind(
        "open_not_yet_due",
        _("Đang giải quyết, chưa đến hạn"),
        "count",
        "open dossiers with lifecycle.open_status = not_yet_due, at the reference instant",
        TT01,
        count("open_not_yet_due"),
        snapshot=True,
    ),
    _ind(
        "open_overdue",
        _("Đang giải quyết, quá hạn"),
        "count",
        "open dossiers with lifecycle.open_status = overdue, at the reference instant",
        TT01,
        count("open_overdue"),
        snapshot=True,
    ),
    _ind(
        "refused", _("Từ chối tiếp nhận"), "count", "refused", f"{ND61}, Điều 15", count("refused")
    ),
    _ind("withdrawn", _("Rút hồ sơ"), "count", "withdrawn", ND61, count("withdrawn")),
    _ind("stopped", _("Dừng giải quyết"), "count", "stopped", ND61, count("stopped")),
    _ind("returned", _("Đã trả kết quả"), "count", "returned", ND61, count("returned")),
    _ind(
        "extended",
        _("Xin lỗi, hẹn lại"),
        "count",
        "extended",
        f"{ND61}, Điều 12",
        count("extended"),
    ),
    _ind(
        "online_share",
        _("Tỷ lệ hồ sơ trực tuyến"),
        "percent",
        "(received_online_full + received_online_partial) ÷ received × 100",
        f"{QD766}, chỉ số 3.3; NĐ 42/2022/NĐ-CP",
        rate(_sum("received_online_full", "received_online_partial"), _sum("received")),
    ),
    _ind(
        "online_full_share",
        _("Tỷ lệ hồ sơ trực tuyến toàn trình"),
        "percent",
        "received_online_full ÷ received × 100",
        "NĐ 42/2022/NĐ-CP, Điều 11",
        rate(_sum("received_online_full"), _sum("received")),
    ),
    _ind(
        "online_partial_share",
        _("Tỷ lệ hồ sơ trực tuyến một phần"),
        "percent",
        "received_online_partial ÷ received × 100",
        "NĐ 42/2022/NĐ-CP, Điều 11",
        rate(_sum("received_online_partial"), _sum("received")),
    ),
    _ind(
        "on_time_rate",
        _("Tỷ lệ giải quyết đúng hạn"),
        "percent",
        "(resolved_early + resolved_on_time) ÷ decided × 100",
        f"domain.md §7; {TT01}",
        rate(_sum("resolved_early", "resolved_on_time"), _sum("decided")),
    ),
    _ind(
        "average_processing_days",
        _("Thời gian giải quyết trung bình (ngày làm việc)"),
        "working_days",
        "processing_seconds ÷ 28 800 ÷ decided (working time from clock start to decision, "
        "pauses excluded; 8 h a working day)",
        f"{QD766}, chỉ số 2.2",
        _average_days,
    ),
    _ind(
        "supplement_rate",
        _("Tỷ lệ hồ sơ phải bổ sung"),
        "percent",
        "supplement_requested ÷ received × 100 (requests during processing)",
        f"{ND61}, Điều 15; domain.md §7",
        rate(_sum("supplement_requested"), _sum("received")),
    ),
    _ind(
        "reception_supplement_rate",
        _("Tỷ lệ hồ sơ yêu cầu bổ sung khi tiếp nhận"),
        "percent",
        "reception_supplement_requested ÷ (received + refused) × 100",
        f"{ND61}, Điều 15",
        rate(_sum("reception_supplement_requested"), _sum("received", "refused")),
    ),
    _ind(
        "digitisation_rate",
        _("Tỷ lệ số hóa hồ sơ"),
        "percent",
        "digitised ÷ finished × 100",
        f"{QD766}, chỉ số 4.2; NĐ 45/2020/NĐ-CP; TT 01/2023/TT-VPCP",
        rate(_sum("digitised"), _sum("finished")),
    ),
    _ind(
        "result_digitisation_rate",
        _("Tỷ lệ số hóa kết quả giải quyết"),
        "percent",
        "result_electronic ÷ returned × 100",
        f"{QD766}, chỉ số 4.1",
        rate(_sum("result_electronic"), _sum("returned")),
    ),
    _ind(
        "reuse_rate",
        _("Tỷ lệ hồ sơ tái sử dụng dữ liệu số hóa"),
        "percent",
        "reused ÷ finished × 100",
        f"{QD766}, chỉ số 4.3",
        rate(_sum("reused"), _sum("finished")),
    ),
    _ind(
        "online_payment_share",
        _("Tỷ lệ thanh toán trực tuyến"),
        "percent",
        "paid_online ÷ paid × 100 (a payment by the applicant's account is online)",
        f"{QD766}, chỉ số 3.6",
        rate(_sum("paid_online"), _sum("paid")),
    ),
    _ind(
        "satisfaction_rate",
        _("Tỷ lệ hài lòng"),
        "percent",
        "satisfied ratings ÷ ratings × 100 (no rating data in the system yet)",
        f"{QD766}, nhóm 5; NĐ 61/2018, Điều 31",
        no_data("no_feedback_data"),
    ),
]

INDICATORS: dict[str, Indicator] = {i.code: i for i in _LIST}
del _LIST


def evaluate(counters: Mapping[str, int], *, snapshot: bool = True) -> dict[str, Value]:
    """Every indicator from summed counters; snapshot indicators only when `snapshot`."""
    out = {}
    for code, indicator in INDICATORS.items():
        if indicator.snapshot and not snapshot:
            out[code] = Value(None, flag="snapshot_not_applicable")
        else:
            out[code] = indicator.compute(counters)
    return out


def definitions() -> list[dict]:
    return [i.definition() for i in INDICATORS.values()]


# --- QĐ 766 index ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexGroup:
    code: str
    name: object
    max_points: int


@dataclass(frozen=True)
class IndexIndicator:
    code: str  # "2.1"
    group: str  # "2"
    name: object
    points: Decimal  # Pmax
    threshold: Decimal | None  # T in %, or None (R × Pmax ÷ 100)
    formula: str
    unsure: bool = False  # points or threshold UNSURE in law: configuration


INDEX_GROUPS: dict[str, IndexGroup] = {
    g.code: g
    for g in (
        IndexGroup("1", _("Công khai, minh bạch"), 18),
        IndexGroup("2", _("Tiến độ giải quyết"), 20),
        IndexGroup("3", _("Dịch vụ công trực tuyến"), 12),
        IndexGroup("3b", _("Thanh toán trực tuyến"), 10),
        IndexGroup("4", _("Số hóa hồ sơ"), 22),
        IndexGroup("5", _("Mức độ hài lòng"), 18),
    )
}


def _ix(code, group, name, points, threshold, formula, unsure=False):
    return IndexIndicator(
        code,
        group,
        name,
        Decimal(points),
        None if threshold is None else Decimal(threshold),
        formula,
        unsure,
    )


_DEFAULT_INDEX = [
    _ix(
        "1.1",
        "1",
        _("TTHC công bố đúng hạn"),
        6,
        None,
        "catalog: versions published (created_at) no later than their effective date ÷ versions "
        "with an effective date",
    ),
    _ix(
        "1.2",
        "1",
        _("Công khai TTHC trên CSDL quốc gia đúng hạn"),
        4,
        None,
        "national database data (not in the system)",
    ),
    _ix(
        "1.3",
        "1",
        _("TTHC công khai đầy đủ 7 bộ phận"),
        2,
        None,
        "catalog: current versions with all 7 parts filled ÷ procedures",
    ),
    _ix(
        "1.4",
        "1",
        _("Hồ sơ đồng bộ lên Cổng DVCQG"),
        6,
        None,
        "dossiers synchronised to DVCQG ÷ received (no synchronisation data yet)",
    ),
    _ix(
        "2.1",
        "2",
        _("Hồ sơ giải quyết trước hạn, đúng hạn"),
        20,
        None,
        "(resolved early/on time + closed in time + open in time) ÷ (decided + closed + open)",
    ),
    _ix(
        "2.2",
        "2",
        _("Thời gian giải quyết trung bình"),
        0,
        None,
        "information only: average_processing_days",
    ),
    _ix(
        "3.1",
        "3",
        _("TTHC cung cấp trực tuyến"),
        2,
        80,
        "procedures offered online (full or partial) ÷ procedures",
        True,
    ),
    _ix(
        "3.2",
        "3",
        _("Dịch vụ trực tuyến phát sinh hồ sơ"),
        4,
        None,
        "online procedures with at least one online dossier received ÷ online procedures",
        True,
    ),
    _ix(
        "3.3",
        "3",
        _("Hồ sơ nộp trực tuyến"),
        6,
        50,
        "online dossiers received ÷ dossiers received",
        True,
    ),
    _ix(
        "3.5a",
        "3b",
        _("TTHC có phí tích hợp thanh toán trực tuyến"),
        2,
        80,
        "fee-bearing procedures integrated with the payment platform (no data yet)",
    ),
    _ix(
        "3.5b",
        "3b",
        _("TTHC có phí phát sinh thanh toán trực tuyến"),
        2,
        80,
        "fee-bearing procedures with at least one online payment ÷ fee-bearing procedures",
    ),
    _ix(
        "3.6",
        "3b",
        _("Hồ sơ thanh toán trực tuyến"),
        6,
        None,
        "paid_online ÷ paid (threshold UNSURE: none by default)",
        True,
    ),
    _ix("4.1", "4", _("Hồ sơ cấp kết quả điện tử"), 6, None, "result_electronic ÷ returned"),
    _ix("4.2", "4", _("Hồ sơ được số hóa"), 4, 80, "digitised ÷ finished"),
    _ix(
        "4.2b",
        "4",
        _("Chứng thực bản sao điện tử"),
        2,
        None,
        "electronic certified copies (no data yet)",
    ),
    _ix("4.3", "4", _("Hồ sơ tái sử dụng dữ liệu số hóa"), 2, 80, "reused ÷ finished"),
    _ix(
        "4.4",
        "4",
        _("Hồ sơ kết nối kho dữ liệu công dân"),
        4,
        None,
        "dossiers linked with the citizen's data warehouse (no data yet)",
    ),
    _ix(
        "4.5a",
        "4",
        _("Khai thác dữ liệu dân cư (a)"),
        2,
        None,
        "use of the population database (no data yet)",
    ),
    _ix(
        "4.5b",
        "4",
        _("Khai thác dữ liệu dân cư (b)"),
        2,
        None,
        "use of the population database (no data yet)",
    ),
    _ix(
        "5.2",
        "5",
        _("Phản ánh, kiến nghị xử lý đúng hạn"),
        6,
        None,
        "petitions handled on time (no petition data yet)",
        True,
    ),
    _ix(
        "5.3",
        "5",
        _("Hài lòng về xử lý phản ánh, kiến nghị"),
        6,
        None,
        "satisfaction with petition handling (no data yet)",
        True,
    ),
    _ix(
        "5.4",
        "5",
        _("Hài lòng về giải quyết TTHC"),
        6,
        90,
        "100 − (overdue rate + complaint/dislike rate) (no rating data yet)",
        True,
    ),
]


def index_definitions(overrides: Mapping[str, Mapping] | None = None) -> dict[str, IndexIndicator]:
    """The QĐ 766 indicators with points and thresholds, `overrides` (conf) applied."""
    out = {}
    for ix in _DEFAULT_INDEX:
        over = (overrides or {}).get(ix.code) or {}
        points = Decimal(str(over["points"])) if "points" in over else ix.points
        threshold = ix.threshold
        if "threshold" in over:
            threshold = None if over["threshold"] is None else Decimal(str(over["threshold"]))
        out[ix.code] = IndexIndicator(
            ix.code, ix.group, ix.name, points, threshold, ix.formula, ix.unsure
        )
    return out


def score(ratio: Decimal | None, points: Decimal, threshold: Decimal | None) -> Decimal | None:
    """QĐ 766: Pmax if R ≥ T else R ÷ T × Pmax; without threshold R × Pmax ÷ 100."""
    if ratio is None:
        return None
    ratio = min(max(Decimal(ratio), Decimal(0)), HUNDRED)
    if threshold is not None and threshold > 0:
        return _round(points if ratio >= threshold else ratio / threshold * points)
    return _round(ratio * points / HUNDRED)


def score_index(
    ratios: Mapping[str, Value], overrides: Mapping[str, Mapping] | None = None
) -> dict:
    """Scores of the index from each indicator's ratio (Value in %): per indicator, per group
    and the total out of 100. An indicator without data scores nothing and is flagged; `total`
    counts it as 0, `available_points` is the maximum of the indicators that have data."""
    defs = index_definitions(overrides)
    groups: dict[str, dict] = {
        g.code: {
            "code": g.code,
            "name": str(g.name),
            "max_points": g.max_points,
            "score": Decimal(0),
            "indicators": [],
        }
        for g in INDEX_GROUPS.values()
    }
    total, available = Decimal(0), Decimal(0)
    for code, ix in defs.items():
        value = ratios.get(code) or Value(None, flag="no_data")
        points = score(value.value, ix.points, ix.threshold)
        entry = {
            "code": code,
            "name": str(ix.name),
            "points": float(ix.points),
            "threshold": None if ix.threshold is None else float(ix.threshold),
            "formula": ix.formula,
            "unsure": ix.unsure,
            **value.as_dict(),
            "score": None if points is None else float(points),
        }
        groups[ix.group]["indicators"].append(entry)
        if points is not None:
            groups[ix.group]["score"] += points
            total += points
            available += ix.points
    for g in groups.values():
        g["score"] = float(_round(g["score"]))
    return {
        "groups": list(groups.values()),
        "total": float(_round(total)),
        "max_total": 100,
        "available_points": float(available),
    }
