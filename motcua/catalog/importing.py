"""Reading and checking a catalog file (JSON or Excel): pure, no database access.

`read_catalog()` turns the bytes of a file into raw procedure objects with their positions;
`validate_catalog()` checks every object and gives back `ProcedureData` (the canonical content
to publish, with its hash) or the list of errors. services.import_catalog() does the writing.
The formats are described in docs/catalog.md.
"""

import datetime as dt
import functools
import hashlib
import io
import json
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from motcua.agencies.models import AgencyKind
from motcua.common.text import fold

from .models import (
    HOURS_PER_WORKING_DAY,
    STEP_ROLES,
    FeeKind,
    Level,
    OnlineLevel,
    ProcedureStatus,
    TimeUnit,
    validate_procedure_code,
)

Progress = Callable[[str, int, int], None]

# Excel layout: one sheet of procedures, three sheets of their lists keyed by code and position.
SHEET_PROCEDURES = "Thủ tục"
SHEET_DOCUMENTS = "Thành phần hồ sơ"
SHEET_FEES = "Phí, lệ phí"
SHEET_STEPS = "Các bước"

# (machine key, Vietnamese header) in sheet order; a header reads "Mã thủ tục (code)".
PROCEDURE_COLUMNS = [
    ("code", "Mã thủ tục"),
    ("name", "Tên thủ tục"),
    ("field", "Lĩnh vực"),
    ("levels", "Cấp thực hiện"),
    ("working_days", "Thời hạn giải quyết, ngày làm việc"),
    ("working_hours", "Thời hạn giải quyết, giờ làm việc"),
    ("online", "Mức độ trực tuyến"),
    ("status", "Trạng thái"),
    ("abolished_on", "Ngày bãi bỏ"),
    ("abolished_by", "Văn bản bãi bỏ"),
    ("receiving_agency_kinds", "Loại cơ quan tiếp nhận"),
    ("deciding_agency_kind", "Loại cơ quan giải quyết"),
    ("cutoff_time", "Giờ chốt nhận trong ngày"),
    ("applicants", "Đối tượng thực hiện"),
    ("conditions", "Yêu cầu, điều kiện"),
    ("result", "Kết quả thực hiện"),
    ("method", "Cách thức thực hiện"),
    ("legal_basis", "Căn cứ pháp lý"),
    ("decision_number", "Quyết định công bố"),
    ("effective_from", "Hiệu lực từ"),
]
DOCUMENT_COLUMNS = [
    ("code", "Mã thủ tục"),
    ("position", "Thứ tự"),
    ("name", "Tên giấy tờ"),
    ("copies", "Số lượng bản"),
    ("original", "Bản chính"),
    ("form", "Mẫu đơn, tờ khai"),
    ("required", "Bắt buộc"),
]
FEE_COLUMNS = [
    ("code", "Mã thủ tục"),
    ("position", "Thứ tự"),
    ("name", "Tên phí, lệ phí"),
    ("kind", "Loại"),
    ("amount", "Mức thu (đồng)"),
    ("exempt", "Đối tượng miễn, giảm"),
]
STEP_COLUMNS = [
    ("code", "Mã thủ tục"),
    ("position", "Thứ tự"),
    ("name", "Tên bước"),
    ("role", "Vai trò thực hiện"),
    ("working_hours", "Thời gian (giờ làm việc)"),
    ("agency_kind", "Loại cơ quan thực hiện"),
]
# Child sheets: (sheet, list key in the procedure object, columns).
CHILD_SHEETS = [
    (SHEET_DOCUMENTS, "documents", DOCUMENT_COLUMNS),
    (SHEET_FEES, "fees", FEE_COLUMNS),
    (SHEET_STEPS, "steps", STEP_COLUMNS),
]
# Cells holding a list: legal texts contain commas, so they go one per line.
LINE_LISTS = {"legal_basis"}
COMMA_LISTS = {"levels", "receiving_agency_kinds"}

REQUIRED_KEYS = (
    "code",
    "name",
    "field",
    "levels",
    "processing_time",
    "online",
    "documents",
    "steps",
)
OPTIONAL_KEYS = (
    "fees",
    "legal_basis",
    "status",
    "abolished_on",
    "abolished_by",
    "receiving_agency_kinds",
    "deciding_agency_kind",
    "cutoff_time",
    "applicants",
    "conditions",
    "result",
    "method",
    "decision_number",
    "effective_from",
)
TEXT_KEYS = ("applicants", "conditions", "result", "method")
MAX_TIME_VALUE = Decimal("9999")
MAX_AMOUNT = 10**15
STEP_ROLE_VALUES = [role.value for role in STEP_ROLES]


@dataclass(frozen=True)
class Location:
    """Where an object was read: its 1-based position in the JSON list, or an Excel sheet row."""

    index: int | None = None
    sheet: str | None = None
    row: int | None = None

    def label(self) -> str:
        if self.sheet is not None and self.row is not None:
            return _("trang tính “%(sheet)s”, dòng %(row)s") % {
                "sheet": self.sheet,
                "row": self.row,
            }
        if self.sheet is not None:
            return _("trang tính “%(sheet)s”") % {"sheet": self.sheet}
        if self.index is not None:
            return _("thủ tục thứ %(index)s") % {"index": self.index}
        return _("tệp")


FILE = Location()


@dataclass(frozen=True)
class Issue:
    """One error (or warning) with its position, the procedure code and a Vietnamese reason."""

    location: Location
    code: str
    reason: str
    warning: bool = False

    @property
    def message(self) -> str:
        where = self.location.label()
        if self.code:
            text = _("%(where)s (mã %(code)s): %(reason)s") % {
                "where": where,
                "code": self.code,
                "reason": self.reason,
            }
        else:
            text = f"{where}: {self.reason}"
        return text[:1].upper() + text[1:]

    def __str__(self) -> str:
        return self.message


@dataclass
class RawProcedure:
    """One procedure object as read, with where it (and each of its list items) came from."""

    data: Any
    location: Location
    # For Excel: the rows of the documents, fees and steps, in list order.
    item_locations: dict[str, list[Location]] = field(default_factory=dict)

    @property
    def code(self) -> str:
        value = self.data.get("code") if isinstance(self.data, dict) else None
        return value.strip() if isinstance(value, str) else ""


@dataclass
class ParsedCatalog:
    format: str  # "json" or "xlsx"
    items: list[RawProcedure]
    errors: list[Issue]


@dataclass
class ProcedureData:
    """A valid procedure: the canonical content of its version plus its status."""

    code: str
    content: dict
    status: str
    abolished_on: dt.date | None
    abolished_by: str
    location: Location = FILE

    @cached_property
    def content_hash(self) -> str:
        return content_hash(self.content)

    @property
    def processing_hours(self) -> Decimal:
        ((unit, value),) = self.content["processing_time"].items()
        value = Decimal(str(value))
        return value * HOURS_PER_WORKING_DAY if unit == TimeUnit.WORKING_DAYS else value

    @property
    def steps_hours(self) -> Decimal:
        return sum((Decimal(str(s["working_hours"])) for s in self.content["steps"]), Decimal(0))


@dataclass
class ValidatedCatalog:
    procedures: list[ProcedureData]
    errors: list[Issue]
    warnings: list[Issue]


def content_hash(content: dict) -> str:
    """SHA-256 of the canonical content: same content, same hash, whatever the file format."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def number(value: Decimal) -> int | float:
    """The canonical JSON number of a duration: 15 rather than 15.0, 0.5 as 0.5."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def format_hours(value: Decimal) -> str:
    """Vietnamese decimal comma: 0,5."""
    return str(number(value)).replace(".", ",")


# --- Reading ------------------------------------------------------------------------------


def read_catalog(data: bytes, name: str = "") -> ParsedCatalog:
    """Parse a JSON or Excel file; the format comes from its content (an .xlsx is a zip)."""
    if data[:4] == b"PK\x03\x04" or name.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    return _read_json(data)


def _read_json(data: bytes) -> ParsedCatalog:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return ParsedCatalog("json", [], [Issue(FILE, "", _("tệp phải được mã hoá UTF-8."))])
    except json.JSONDecodeError as exc:
        reason = _("tệp JSON không hợp lệ (dòng %(line)s, cột %(col)s): %(msg)s.") % {
            "line": exc.lineno,
            "col": exc.colno,
            "msg": exc.msg,
        }
        return ParsedCatalog("json", [], [Issue(FILE, "", reason)])
    if not isinstance(document, dict) or not isinstance(document.get("procedures"), list):
        reason = _("tệp JSON phải là một đối tượng có khoá procedures là danh sách thủ tục.")
        return ParsedCatalog("json", [], [Issue(FILE, "", reason)])
    errors = [
        Issue(FILE, "", _("khoá %(key)s không được hỗ trợ.") % {"key": key})
        for key in document
        if key != "procedures" and not str(key).startswith("_")
    ]
    items = [
        RawProcedure(item, Location(index=i))
        for i, item in enumerate(document["procedures"], start=1)
    ]
    return ParsedCatalog("json", items, errors)


def header_key(header: Any) -> str | None:
    """The machine key of a header cell: the text in its last parentheses, or the cell itself."""
    if header is None:
        return None
    text = str(header).strip()
    if not text:
        return None
    if text.endswith(")") and "(" in text:
        return text[text.rindex("(") + 1 : -1].strip()
    return text


def header_text(key: str, label: str) -> str:
    return f"{label} ({key})"


def _read_xlsx(data: bytes) -> ParsedCatalog:
    import openpyxl  # imported here: JSON imports and the web process don't need it loaded
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, OSError, KeyError, ValueError) as exc:
        reason = _("không đọc được tệp Excel (.xlsx): %(error)s.") % {"error": exc}
        return ParsedCatalog("xlsx", [], [Issue(FILE, "", reason)])
    try:
        return _read_workbook(workbook)
    finally:
        workbook.close()


def _sheet_rows(workbook, sheet: str, columns, errors: list[Issue]):
    """Yield (row number, {key: value}) for the non-empty rows of a sheet."""
    if sheet not in workbook.sheetnames:
        return
    known = {key for key, _label in columns}
    rows = workbook[sheet].iter_rows(values_only=True)
    header = next(rows, None) or ()
    keys: list[str | None] = []
    for col, cell in enumerate(header, start=1):
        key = header_key(cell)
        if key is not None and key not in known and not key.startswith("_"):
            reason = _("cột %(col)s có tiêu đề “%(header)s”: khoá %(key)s không được hỗ trợ.") % {
                "col": _column_letter(col),
                "header": cell,
                "key": key,
            }
            errors.append(Issue(Location(sheet=sheet, row=1), "", reason))
            key = None
        keys.append(None if key is None or key.startswith("_") else key)
    if "code" not in keys:
        reason = _("thiếu cột Mã thủ tục (code) ở dòng tiêu đề.")
        errors.append(Issue(Location(sheet=sheet, row=1), "", reason))
        return
    for number_, values in enumerate(rows, start=2):
        record = {}
        for key, value in zip(keys, values, strict=False):
            if key is None:
                continue
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    value = None
            if value is not None:
                record[key] = value
        if record:
            yield number_, record


def _column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _read_workbook(workbook) -> ParsedCatalog:
    errors: list[Issue] = []
    if SHEET_PROCEDURES not in workbook.sheetnames:
        reason = _("không có trang tính “%(sheet)s”.") % {"sheet": SHEET_PROCEDURES}
        return ParsedCatalog("xlsx", [], [Issue(FILE, "", reason)])
    if SHEET_STEPS not in workbook.sheetnames:  # every procedure needs steps
        errors.append(
            Issue(FILE, "", _("không có trang tính “%(sheet)s”.") % {"sheet": SHEET_STEPS})
        )
    items: list[RawProcedure] = []
    by_code: dict[str, RawProcedure] = {}
    for row, record in _sheet_rows(workbook, SHEET_PROCEDURES, PROCEDURE_COLUMNS, errors):
        data = _procedure_from_cells(record)
        item = RawProcedure(data, Location(sheet=SHEET_PROCEDURES, row=row))
        items.append(item)
        if item.code:
            by_code.setdefault(item.code, item)
    for item in items:
        for _sheet, key, _columns in CHILD_SHEETS:
            item.data[key] = []
            item.item_locations[key] = []
    for sheet, key, columns in CHILD_SHEETS:
        collected: dict[str, list[tuple[Any, int, dict]]] = {}
        for row, record in _sheet_rows(workbook, sheet, columns, errors):
            where = Location(sheet=sheet, row=row)
            code = _code_from_cell(record.pop("code", None))
            if not code:
                errors.append(Issue(where, "", _("thiếu mã thủ tục.")))
                continue
            if code not in by_code:
                reason = _("không có thủ tục mã này trong trang tính “%(sheet)s”.") % {
                    "sheet": SHEET_PROCEDURES
                }
                errors.append(Issue(where, code, reason))
                continue
            position = record.pop("position", None)
            if position is not None and not _is_int(position):
                reason = _("thứ tự (position) phải là số nguyên.")
                errors.append(Issue(where, code, reason))
                continue
            collected.setdefault(code, []).append((position, row, _child_from_cells(key, record)))
        for code, rows in collected.items():
            # Sorted by the position column where given, else in sheet order.
            rows.sort(key=lambda r: (r[0] is None, int(r[0]) if r[0] is not None else 0, r[1]))
            seen: dict[int, int] = {}
            for position, row, child in rows:
                if position is not None and int(position) in seen:
                    reason = _("thứ tự %(position)s bị trùng với dòng %(row)s.") % {
                        "position": int(position),
                        "row": seen[int(position)],
                    }
                    errors.append(Issue(Location(sheet=sheet, row=row), code, reason))
                    continue
                if position is not None:
                    seen[int(position)] = row
                by_code[code].data[key].append(child)
                by_code[code].item_locations[key].append(Location(sheet=sheet, row=row))
    return ParsedCatalog("xlsx", items, errors)


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and value.isdigit()


def _code_from_cell(value: Any) -> str:
    # A code typed into a number cell: 1.00012 was "1.000120".
    if isinstance(value, float):
        return f"{value:.6f}"
    return "" if value is None else str(value).strip()


@functools.cache
def _enum_labels(choices) -> dict[str, str]:
    """Folded Vietnamese label → value (whatever language is active)."""
    with translation.override("vi"):
        return {fold(str(label)): value for value, label in choices.choices}


def _from_label(value: Any, labels: dict[str, str]) -> Any:
    """In Excel a choice may be written as its Vietnamese label ("Cấp tỉnh" for province)."""
    if isinstance(value, str):
        return labels.get(fold(value), value)
    return value


def _split(value: Any, separators: str) -> Any:
    if not isinstance(value, str):
        return [value]
    for separator in separators[1:]:
        value = value.replace(separator, separators[0])
    return [part.strip() for part in value.split(separators[0]) if part.strip()]


def _procedure_from_cells(record: dict) -> dict:
    data: dict[str, Any] = {}
    days = record.pop("working_days", None)
    hours = record.pop("working_hours", None)
    if days is not None or hours is not None:
        data["processing_time"] = {}
        if days is not None:
            data["processing_time"]["working_days"] = _cell_number(days)
        if hours is not None:
            data["processing_time"]["working_hours"] = _cell_number(hours)
    for key, value in record.items():
        if key == "code":
            value = _code_from_cell(value)
        elif key in LINE_LISTS:
            value = _split(value, "\n")
        elif key == "levels":
            value = [_from_label(v, _enum_labels(Level)) for v in _split(value, ",;\n")]
        elif key in COMMA_LISTS:
            value = _split(value, ",;\n")
        elif key in ("online", "status", "deciding_agency_kind"):
            choices = {
                "online": OnlineLevel,
                "status": ProcedureStatus,
                "deciding_agency_kind": AgencyKind,
            }
            value = _from_label(value, _enum_labels(choices[key]))
        elif key in ("abolished_on", "effective_from"):
            value = _cell_date(value)
        elif key == "cutoff_time":
            value = _cell_time(value)
        elif not isinstance(value, str):
            value = _cell_text(value)
        data[key] = value
    return data


def _child_from_cells(list_key: str, record: dict) -> dict:
    child: dict[str, Any] = {}
    for key, value in record.items():
        if key in ("copies", "amount", "working_hours"):
            value = _cell_number(value)
        elif key in ("original", "required"):
            value = _cell_bool(value)
        elif key == "kind":
            value = _from_label(value, _enum_labels(FeeKind))
        elif key == "role":
            value = _from_label(value, _enum_labels(_RoleChoices))
        elif key == "agency_kind":
            value = _from_label(value, _enum_labels(AgencyKind))
        elif not isinstance(value, str):
            value = _cell_text(value)
        child[key] = value
    return child


class _RoleChoices:
    choices = [(role.value, role.label) for role in STEP_ROLES]


def _cell_number(value: Any) -> Any:
    if isinstance(value, str):
        text = value.replace(" ", "").replace(",", ".")
        try:
            parsed = Decimal(text)
        except InvalidOperation:
            return value
        return int(parsed) if parsed == parsed.to_integral_value() else float(parsed)
    return value


_TRUE = {"true", "x", "co", "1", "yes", "dung"}
_FALSE = {"false", "khong", "0", "no", "sai", ""}


def _cell_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else value
    if isinstance(value, str):
        folded = fold(value)
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
    return value


def _cell_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.count("/") == 2:
        # Vietnamese habit: dd/mm/yyyy.
        try:
            return dt.datetime.strptime(value, "%d/%m/%Y").date().isoformat()
        except ValueError:
            return value
    return value


def _cell_time(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        value = value.time()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


# --- Validation ---------------------------------------------------------------------------


class _Bad(Exception):
    """A value failed its check; the reason is already recorded."""


def _item_name(key: str) -> str:
    return {
        "documents": _("thành phần hồ sơ"),
        "fees": _("phí, lệ phí"),
        "steps": _("bước"),
    }[key]


class _Checker:
    """Checks one procedure object and collects every reason (not just the first).

    While a list item is checked, `item` holds (list key, position, its Excel row or None), and
    failures are reported as "bước thứ 2: …" at the item's own row.
    """

    def __init__(self, raw: RawProcedure):
        self.raw = raw
        self.code = raw.code
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.item: tuple[str, int, Location | None] | None = None

    def fail(self, reason: str) -> None:
        where = self.raw.location
        if self.item is not None:
            key, position, item_where = self.item
            reason = _("%(what)s thứ %(n)s: ") % {"what": _item_name(key), "n": position} + reason
            where = item_where or where
        self.errors.append(Issue(where, self.code, reason))

    def attempt(self, check, *args):
        """Run a check; None if it failed (its reason is recorded)."""
        try:
            return check(*args)
        except _Bad:
            return None

    def missing(self, key: str):
        self.fail(_("thiếu trường bắt buộc %(key)s.") % {"key": key})
        raise _Bad

    # Each check returns the cleaned value or records why and raises _Bad.
    def text(self, obj: dict, key: str, max_length: int, required: bool = False) -> str:
        value = obj.get(key)
        if value is None:
            if required:
                self.missing(key)
            return ""
        if not isinstance(value, str):
            self.fail(_("trường %(key)s phải là chuỗi ký tự.") % {"key": key})
            raise _Bad
        value = unicodedata.normalize("NFC", value).strip()
        if required and not value:
            self.fail(_("trường %(key)s không được để trống.") % {"key": key})
            raise _Bad
        if len(value) > max_length:
            self.fail(_("trường %(key)s dài quá %(max)s ký tự.") % {"key": key, "max": max_length})
            raise _Bad
        return value

    def choice(self, value, key: str, allowed: list[str]) -> str:
        if value not in allowed:
            reason = _(
                "trường %(key)s có giá trị “%(value)s” không hợp lệ; dùng một trong: %(allowed)s."
            )
            self.fail(reason % {"key": key, "value": value, "allowed": ", ".join(allowed)})
            raise _Bad
        return value

    def choice_list(self, value, key: str, allowed: list[str]) -> list[str]:
        if not isinstance(value, list):
            self.fail(_("trường %(key)s phải là một danh sách.") % {"key": key})
            raise _Bad
        if not value:
            self.fail(_("trường %(key)s không được để trống.") % {"key": key})
            raise _Bad
        for item in value:
            self.choice(item, key, allowed)
        if len(set(value)) != len(value):
            self.fail(_("trường %(key)s có giá trị lặp lại.") % {"key": key})
            raise _Bad
        return [choice for choice in allowed if choice in value]  # canonical order

    def decimal(self, value, key: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(_("trường %(key)s phải là một số.") % {"key": key})
            raise _Bad
        return Decimal(str(value))

    def integer(self, value, key: str, low: int, high: int, reason: str) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(reason)
            raise _Bad
        return value

    def boolean(self, obj: dict, key: str, default: bool | None = None) -> bool:
        value = obj.get(key, default)
        if value is None:
            self.missing(key)
        if not isinstance(value, bool):
            self.fail(_("trường %(key)s phải là true hoặc false.") % {"key": key})
            raise _Bad
        return value

    def date(self, obj: dict, key: str) -> dt.date | None:
        value = obj.get(key)
        if value is None:
            return None
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(_("trường %(key)s phải là ngày theo dạng YYYY-MM-DD.") % {"key": key})
            raise _Bad from None

    def strings(self, obj: dict, key: str) -> list[str]:
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(_("trường %(key)s phải là một danh sách chuỗi ký tự.") % {"key": key})
            raise _Bad
        cleaned = [unicodedata.normalize("NFC", v).strip() for v in value]
        if not all(cleaned):
            self.fail(_("trường %(key)s có mục để trống.") % {"key": key})
            raise _Bad
        return cleaned

    def unknown_keys(self, obj: dict, allowed) -> None:
        for key in obj:
            if key not in allowed and not str(key).startswith("_"):
                self.fail(_("trường %(key)s không được hỗ trợ.") % {"key": key})

    def items(self, obj: dict, key: str, clean_item) -> list | None:
        """Check a list of objects item by item; None (after recording why) if any is bad."""
        value = obj.get(key, [])
        if not isinstance(value, list):
            self.fail(_("trường %(key)s phải là một danh sách.") % {"key": key})
            return None
        locations = self.raw.item_locations.get(key) or []
        cleaned, bad = [], False
        for position, item in enumerate(value, start=1):
            where = locations[position - 1] if position <= len(locations) else None
            self.item = (key, position, where)
            try:
                if not isinstance(item, dict):
                    self.fail(_("phải là một đối tượng."))
                    raise _Bad
                self.unknown_keys(item, clean_item.keys)
                cleaned.append(clean_item(self, item))
            except _Bad:
                bad = True
            finally:
                self.item = None
        return None if bad else cleaned


def _all(*values) -> bool:
    """True when no check failed (failed checks give None)."""
    return all(v is not None for v in values)


def _clean_document(c: _Checker, item: dict) -> dict:
    name = c.attempt(c.text, item, "name", 500, True)
    form = c.attempt(c.text, item, "form", 255)
    copies = item.get("copies")
    if copies is None:
        c.attempt(c.missing, "copies")
    else:
        reason = _("trường copies phải là số nguyên từ 1 trở lên.")
        copies = c.attempt(c.integer, copies, "copies", 1, 32767, reason)
    original = c.attempt(c.boolean, item, "original")
    required = c.attempt(c.boolean, item, "required", True)
    if not _all(name, form, copies, original, required):
        raise _Bad
    return {"name": name, "copies": copies, "original": original, "form": form,
            "required": required}  # fmt: skip


_clean_document.keys = ("name", "copies", "original", "form", "required")


def _clean_fee(c: _Checker, item: dict) -> dict:
    name = c.attempt(c.text, item, "name", 500, True)
    exempt = c.attempt(c.text, item, "exempt", 5000)
    kind = c.attempt(c.choice, item.get("kind", FeeKind.CHARGE.value), "kind", FeeKind.values)
    amount = item.get("amount")
    if amount is None:
        c.attempt(c.missing, "amount")
    else:
        reason = _("trường amount phải là số tiền nguyên dương (đồng).")
        amount = c.attempt(c.integer, amount, "amount", 1, MAX_AMOUNT, reason)
    if not _all(name, exempt, kind, amount):
        raise _Bad
    return {"name": name, "kind": kind, "amount": amount, "exempt": exempt}


_clean_fee.keys = ("name", "amount", "kind", "exempt")


def _step_cleaner(default_receiver: str, default_decider: str):
    def clean(c: _Checker, item: dict) -> dict:
        name = c.attempt(c.text, item, "name", 255, True)
        role = item.get("role")
        if role is None:
            c.attempt(c.missing, "role")
        else:
            role = c.attempt(c.choice, role, "role", STEP_ROLE_VALUES)
        agency_kind = item.get("agency_kind")
        if agency_kind is None:
            # Reception and return happen at the center; the other steps at the deciding agency.
            agency_kind = default_receiver if role == "receptionist" else default_decider
        else:
            agency_kind = c.attempt(c.choice, agency_kind, "agency_kind", AgencyKind.values)
        hours = item.get("working_hours")
        if hours is None:
            c.attempt(c.missing, "working_hours")
        else:
            hours = c.attempt(c.decimal, hours, "working_hours")
            if hours is not None and not (
                0 <= hours <= MAX_TIME_VALUE and hours == hours.quantize(Decimal("0.01"))
            ):
                c.fail(
                    _(
                        "trường working_hours phải là số giờ từ 0 trở lên, tối đa 2 chữ số thập phân."
                    )
                )
                hours = None
        if not _all(name, role, hours, agency_kind):
            raise _Bad
        return {"name": name, "role": role, "working_hours": number(hours),
                "agency_kind": agency_kind}  # fmt: skip

    clean.keys = ("name", "role", "working_hours", "agency_kind")
    return clean


def _clean_processing_time(c: _Checker, value) -> dict:
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in TimeUnit.values:
        c.fail(_("trường processing_time phải có đúng một khoá working_days hoặc working_hours."))
        raise _Bad
    ((unit, amount),) = value.items()
    amount = c.decimal(amount, f"processing_time.{unit}")
    if not (0 < amount <= MAX_TIME_VALUE and (amount * 2) == (amount * 2).to_integral_value()):
        reason = _(
            "thời hạn giải quyết (%(unit)s) phải là số dương, tính theo nửa đơn vị "
            "(ví dụ 15 hoặc 0,5)."
        )
        c.fail(reason % {"unit": unit})
        raise _Bad
    return {unit: number(amount)}


def _clean_cutoff(c: _Checker, value) -> str | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
            raise ValueError
        return dt.time.fromisoformat(value).strftime("%H:%M")
    except ValueError:
        c.fail(_("trường cutoff_time phải là giờ theo dạng HH:MM (ví dụ 15:00)."))
        raise _Bad from None


def clean_procedure(raw: RawProcedure) -> tuple[ProcedureData | None, list[Issue], list[Issue]]:
    """Check one procedure object: (its data, or None when it has errors; errors; warnings)."""
    c = _Checker(raw)
    obj = raw.data
    if not isinstance(obj, dict):
        c.fail(_("phải là một đối tượng JSON."))
        return None, c.errors, c.warnings
    c.unknown_keys(obj, REQUIRED_KEYS + OPTIONAL_KEYS)
    for key in REQUIRED_KEYS:
        if key not in obj:
            c.attempt(c.missing, key)
    code = c.attempt(c.text, obj, "code", 40, True) if "code" in obj else None
    if code:
        try:
            validate_procedure_code(code)
        except ValidationError as exc:
            c.fail(exc.messages[0])
    content: dict[str, Any] = {
        "name": c.attempt(c.text, obj, "name", 500, "name" in obj),
        "field": c.attempt(c.text, obj, "field", 255, "field" in obj),
        "levels": c.attempt(c.choice_list, obj.get("levels"), "levels", Level.values)
        if "levels" in obj
        else None,
        "processing_time": c.attempt(_clean_processing_time, c, obj.get("processing_time"))
        if "processing_time" in obj
        else None,
        "online": c.attempt(c.choice, obj.get("online"), "online", OnlineLevel.values)
        if "online" in obj
        else None,
    }
    # Defaults: the level's center receives; a department (province) or the commune committee
    # decides.
    levels = content["levels"] or []
    receivers = [
        AgencyKind.SERVICE_CENTER if level == Level.PROVINCE else AgencyKind.COMMUNE_CENTER
        for level in levels
    ]
    if "receiving_agency_kinds" in obj:
        key = "receiving_agency_kinds"
        receivers = c.attempt(c.choice_list, obj[key], key, AgencyKind.values) or []
    decider = AgencyKind.DEPARTMENT if Level.PROVINCE in levels else AgencyKind.COMMUNE_COMMITTEE
    if "deciding_agency_kind" in obj:
        key = "deciding_agency_kind"
        decider = c.attempt(c.choice, obj[key], key, AgencyKind.values) or ""
    content["receiving_agency_kinds"] = [str(kind) for kind in receivers]
    content["deciding_agency_kind"] = str(decider)
    content["documents"] = c.items(obj, "documents", _clean_document)
    content["fees"] = c.items(obj, "fees", _clean_fee)
    steps = _step_cleaner(receivers[0] if receivers else "", str(decider))
    content["steps"] = c.items(obj, "steps", steps)
    if content["steps"] == [] and "steps" in obj:
        c.fail(_("trường steps phải có ít nhất một bước."))
    content["legal_basis"] = c.attempt(c.strings, obj, "legal_basis")
    content["cutoff_time"] = c.attempt(_clean_cutoff, c, obj.get("cutoff_time"))
    for key in TEXT_KEYS:
        content[key] = c.attempt(c.text, obj, key, 20000)
    content["decision_number"] = c.attempt(c.text, obj, "decision_number", 255)
    effective = c.attempt(c.date, obj, "effective_from")
    content["effective_from"] = effective.isoformat() if effective else None

    status = c.attempt(c.choice, obj.get("status", "active"), "status", ProcedureStatus.values)
    abolished_on = c.attempt(c.date, obj, "abolished_on")
    abolished_by = c.attempt(c.text, obj, "abolished_by", 255)
    given = [key for key in ("abolished_on", "abolished_by") if obj.get(key) not in (None, "")]
    if status == ProcedureStatus.ABOLISHED and len(given) < 2:
        c.fail(_("thủ tục đã bãi bỏ (status abolished) phải có abolished_on và abolished_by."))
    elif (
        status
        and status != ProcedureStatus.ABOLISHED
        and ("abolished_on" in obj or "abolished_by" in obj)
    ):
        c.fail(_("abolished_on và abolished_by chỉ dùng khi status là abolished."))

    if c.errors:
        return None, c.errors, c.warnings
    data = ProcedureData(code, content, status, abolished_on, abolished_by, raw.location)
    if data.steps_hours != data.processing_hours:
        reason = _(
            "tổng thời gian các bước (%(steps)s giờ làm việc) khác thời hạn giải quyết "
            "(%(limit)s giờ làm việc)."
        ) % {"steps": format_hours(data.steps_hours), "limit": format_hours(data.processing_hours)}
        c.warnings.append(Issue(raw.location, code, reason, warning=True))
    return data, c.errors, c.warnings


def validate_catalog(parsed: ParsedCatalog, progress: Progress | None = None) -> ValidatedCatalog:
    """Check every object (all errors, not just the first) and duplicate codes."""
    result = ValidatedCatalog([], list(parsed.errors), [])
    first_seen: dict[str, Location] = {}
    total = len(parsed.items)
    for done, raw in enumerate(parsed.items, start=1):
        data, errors, warnings = clean_procedure(raw)
        result.errors += errors
        result.warnings += warnings
        code = raw.code
        if code:
            if code in first_seen:
                reason = _("mã thủ tục bị trùng với %(other)s.") % {
                    "other": first_seen[code].label()
                }
                result.errors.append(Issue(raw.location, code, reason))
                data = None
            else:
                first_seen[code] = raw.location
        if data is not None:
            result.procedures.append(data)
        if progress:
            progress("validate", done, total)
    return result


def validate_object(obj: dict, code: str | None = None) -> ProcedureData:
    """Check one procedure object (the admin's editor, publish_version); raise ValidationError."""
    obj = dict(obj)
    if code is not None:
        if obj.setdefault("code", code) != code:
            raise ValidationError(_("Mã thủ tục trong nội dung khác mã của thủ tục."))
    data, errors, _warnings = clean_procedure(RawProcedure(obj, Location(index=1)))
    if errors:
        raise ValidationError([issue.reason for issue in errors])
    return data
