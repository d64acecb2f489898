"""Export the catalog (current versions) as JSON or Excel, in the format the importer reads.

Importing an export changes nothing: the exported content is the canonical content whose hash
each version stores. See docs/catalog.md for the layout.
"""

import datetime as dt
import io
import json
from collections.abc import Iterable

from .importing import (
    CHILD_SHEETS,
    COMMA_LISTS,
    LINE_LISTS,
    PROCEDURE_COLUMNS,
    SHEET_PROCEDURES,
    header_text,
    number,
)
from .models import Procedure, ProcedureStatus, ProcedureVersion

FORMATS = ("json", "xlsx")
CONTENT_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_BATCH = 500


def version_content(version: ProcedureVersion) -> dict:
    """The canonical content of a version (what importing.clean_procedure() produces)."""
    return {
        "name": version.name,
        "field": version.field.name,
        "levels": list(version.levels),
        "processing_time": {version.time_unit: number(version.time_value)},
        "online": version.online,
        "documents": [
            {
                "name": d.name,
                "copies": d.copies,
                "original": d.original,
                "form": d.form_name,
                "required": d.required,
            }
            for d in version.documents.all()
        ],
        "fees": [
            {"name": f.name, "kind": f.kind, "amount": f.amount, "exempt": f.exempt}
            for f in version.fees.all()
        ],
        "steps": [
            {
                "name": s.name,
                "role": s.role,
                "working_hours": number(s.working_hours),
                "agency_kind": s.agency_kind,
            }
            for s in version.steps.all()
        ],
        "legal_basis": list(version.legal_basis),
        "receiving_agency_kinds": list(version.receiving_agency_kinds),
        "deciding_agency_kind": version.deciding_agency_kind,
        "cutoff_time": version.cutoff_time.strftime("%H:%M") if version.cutoff_time else None,
        "applicants": version.applicants,
        "conditions": version.conditions,
        "result": version.result,
        "method": version.method,
        "decision_number": version.decision_number,
        "effective_from": version.effective_from.isoformat() if version.effective_from else None,
    }


def procedure_item(procedure: Procedure, version: ProcedureVersion) -> dict:
    """One procedure object of the import format; empty optional values are left out."""
    content = version_content(version)
    item = {"code": procedure.code, "status": procedure.status}
    if procedure.status == ProcedureStatus.ABOLISHED:
        item["abolished_on"] = (
            procedure.abolished_on.isoformat() if procedure.abolished_on else None
        )
        item["abolished_by"] = procedure.abolished_by
    for document in content["documents"]:
        if not document["form"]:
            del document["form"]
        if document["required"]:
            del document["required"]
    for fee in content["fees"]:
        if not fee["exempt"]:
            del fee["exempt"]
    item.update({key: value for key, value in content.items() if value not in (None, "")})
    item["_version"] = version.number  # informative; keys starting with "_" are not imported
    return item


def procedure_items(procedures: Iterable[Procedure] | None = None) -> list[dict]:
    """Import-format objects of the current versions, ordered by code."""
    if procedures is None:
        procedures = Procedure.objects.all()
    version_ids = sorted(
        (p.code, p.current_version_id) for p in procedures if p.current_version_id is not None
    )
    items = []
    for start in range(0, len(version_ids), _BATCH):
        batch = [pk for _code, pk in version_ids[start : start + _BATCH]]
        versions = (
            ProcedureVersion.objects.filter(pk__in=batch)
            .select_related("procedure", "field")
            .prefetch_related("documents", "fees", "steps")
        )
        by_pk = {v.pk: v for v in versions}
        items += [procedure_item(by_pk[pk].procedure, by_pk[pk]) for pk in batch]
    return items


def export_catalog(fmt: str, procedures: Iterable[Procedure] | None = None) -> bytes:
    """The catalog (or the given procedures) as a JSON or Excel file."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {FORMATS}")
    items = procedure_items(procedures)
    return write_json(items) if fmt == "json" else write_xlsx(items)


def write_json(items: list[dict]) -> bytes:
    document = {
        "_exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "procedures": items,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _cells(item: dict, columns, *, procedure: bool = False) -> list:
    row = []
    for key, _label in columns:
        if procedure and key in ("working_days", "working_hours"):
            value = (item.get("processing_time") or {}).get(key)
        else:
            value = item.get(key)
        if isinstance(value, list):
            value = ("\n" if key in LINE_LISTS else ", ").join(map(str, value))
            if key in COMMA_LISTS | LINE_LISTS and not value:
                value = None
        row.append(value)
    return row


def write_xlsx(items: list[dict]) -> bytes:
    """An Excel workbook in the importer's layout (codes of choices, not labels)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def cell(sheet, value):
        """Plain values as they are; text that looks like a formula stays text."""
        if not isinstance(value, str):
            return value
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not value.startswith("="):
            return value
        c = WriteOnlyCell(sheet, value=value)
        c.data_type = "s"
        return c

    def header(sheet, text):
        c = WriteOnlyCell(sheet, value=text)
        c.font = bold
        return c

    def sheet(title, columns, rows, widths):
        ws = workbook.create_sheet(title)
        ws.freeze_panes = "A2"
        for index, width in enumerate(widths):
            ws.column_dimensions[chr(65 + index)].width = width
        ws.append([header(ws, header_text(key, label)) for key, label in columns])
        for row in rows:
            ws.append([cell(ws, value) for value in row])

    # Headers are Vietnamese whatever the active language: the file is for the province.
    sheet(
        SHEET_PROCEDURES,
        PROCEDURE_COLUMNS,
        (_cells(item, PROCEDURE_COLUMNS, procedure=True) for item in items),
        [14, 60, 24, 14, 14, 14, 12, 12, 12, 20, 24, 20, 10, 30, 30, 30, 30, 40, 26, 12],
    )
    for title, list_key, columns in CHILD_SHEETS:
        rows = (
            [item["code"], position, *_cells(child, columns[2:])]
            for item in items
            for position, child in enumerate(item.get(list_key) or [], start=1)
        )
        sheet(title, columns, rows, [14, 8, 60, 16, 14, 30, 10])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_filename(fmt: str) -> str:
    return f"danh-muc-thu-tuc-{dt.date.today():%Y%m%d}.{fmt}"
