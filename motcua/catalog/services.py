"""Writes to the catalog: publishing versions, importing a catalog file, status changes.

Every publication and status change writes an AuditEntry in the same transaction. A published
version is never changed: new content is a new version and the procedure's current_version
moves to it (dossiers keep the version they were received under).
"""

import datetime as dt
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, prefetch_related_objects
from django.utils.translation import gettext as _

from motcua.common.models import AuditEntry, record
from motcua.common.text import fold

from .importing import (
    Issue,
    ProcedureData,
    Progress,
    read_catalog,
    validate_catalog,
    validate_object,
)
from .models import (
    Fee,
    Field,
    Procedure,
    ProcedureStatus,
    ProcedureVersion,
    RequiredDocument,
    Step,
)

AUDIT_TYPE = "catalog.procedure"
CHUNK = 500  # procedures written per round of bulk inserts

# Audit action per target status.
STATUS_ACTIONS = {
    ProcedureStatus.ACTIVE: "catalog.reactivate",
    ProcedureStatus.SUSPENDED: "catalog.suspend",
    ProcedureStatus.ABOLISHED: "catalog.abolish",
}


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a bad file, would do / did not do)."""

    source: str = ""
    format: str = ""
    dry_run: bool = False
    total: int = 0
    created: int = 0
    new_versions: int = 0
    unchanged: int = 0
    status_changed: int = 0
    fields_created: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def counts(self) -> dict[str, int]:
        return {
            "total": self.total,
            "created": self.created,
            "new_versions": self.new_versions,
            "unchanged": self.unchanged,
            "status_changed": self.status_changed,
            "fields_created": self.fields_created,
            "warnings": len(self.warnings),
            "errors": len(self.errors),
        }

    def summary(self) -> str:
        if self.errors:
            return _(
                "Tệp có %(errors)s lỗi trong %(total)s thủ tục: không ghi gì vào danh mục."
            ) % {"errors": len(self.errors), "total": self.total}
        text = _(
            "%(total)s thủ tục: %(created)s thêm mới, %(new_versions)s phiên bản mới, "
            "%(unchanged)s không đổi, %(status_changed)s đổi trạng thái; %(warnings)s cảnh báo."
        ) % {**self.counts()}
        if self.dry_run:
            text = _("Kiểm tra (chưa ghi): %(text)s") % {"text": text}
        return text


# --- Status changes -----------------------------------------------------------------------


def _set_status(procedure: Procedure, status: str, on: dt.date | None, by: str) -> dict | None:
    """Change the status fields in memory; return the audit data, or None if nothing changed."""
    on = on if status == ProcedureStatus.ABOLISHED else None
    by = by if status == ProcedureStatus.ABOLISHED else ""
    before = (procedure.status, procedure.abolished_on, procedure.abolished_by)
    if before == (status, on, by):
        return None
    procedure.status, procedure.abolished_on, procedure.abolished_by = status, on, by
    data = {"from": before[0], "to": status}
    if on:
        data.update(abolished_on=on.isoformat(), abolished_by=by)
    return data


def _status_entry(procedure: Procedure, user, data: dict, reason: str = "") -> AuditEntry:
    status = data["to"]
    summary = {
        ProcedureStatus.ACTIVE: _("Cho thực hiện lại thủ tục %(code)s"),
        ProcedureStatus.SUSPENDED: _("Tạm ngừng thủ tục %(code)s"),
        ProcedureStatus.ABOLISHED: _("Bãi bỏ thủ tục %(code)s"),
    }[status] % {"code": procedure.code}
    if reason:
        data = {**data, "reason": reason}
        summary = f"{summary}: {reason}"
    return _entry(user, STATUS_ACTIONS[status], procedure.code, summary, data)


def _entry(user, action: str, code: str, summary: str, data: dict) -> AuditEntry:
    """An unsaved AuditEntry shaped like common.models.record() makes (for bulk inserts)."""
    return AuditEntry(
        actor=user if getattr(user, "pk", None) else None,
        action=action,
        object_type=AUDIT_TYPE,
        object_id=code,
        summary=summary[:500],
        data=data,
    )


def _change_status(procedure: Procedure, user, status, check, on=None, by="", reason=""):
    """Lock the row, `check(locked row)` the transition on fresh data, change and audit."""
    with transaction.atomic():
        locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
        check(locked)
        data = _set_status(locked, status, on, by)
        locked.save(update_fields=["status", "abolished_on", "abolished_by"])
        entry = _status_entry(locked, user, data, reason)
        record(user, entry.action, AUDIT_TYPE, locked.code, entry.summary, **entry.data)
    procedure.status = locked.status
    procedure.abolished_on, procedure.abolished_by = locked.abolished_on, locked.abolished_by
    return procedure


def suspend(procedure: Procedure, user, reason: str) -> Procedure:
    """Tạm ngừng: hidden from search and closed to new dossiers until reactivated."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Cần nêu lý do tạm ngừng."))

    def check(locked):
        if locked.status != ProcedureStatus.ACTIVE:
            raise ValidationError(
                _("Chỉ tạm ngừng được thủ tục đang thực hiện (%(code)s: %(status)s).")
                % {"code": locked.code, "status": locked.get_status_display()}
            )

    return _change_status(procedure, user, ProcedureStatus.SUSPENDED, check, reason=reason)


def abolish(procedure: Procedure, on_date: dt.date, decision: str, user) -> Procedure:
    """Bãi bỏ: hidden from search and new dossiers; versions stay for dossiers and statistics."""
    decision = (decision or "").strip()
    if not on_date or not decision:
        raise ValidationError(_("Cần có ngày bãi bỏ và văn bản bãi bỏ."))

    def check(locked):
        if locked.status == ProcedureStatus.ABOLISHED:
            raise ValidationError(_("Thủ tục %(code)s đã bị bãi bỏ.") % {"code": locked.code})

    status = ProcedureStatus.ABOLISHED
    return _change_status(procedure, user, status, check, on_date, decision[:255])


def reactivate(procedure: Procedure, user) -> Procedure:
    """Back to active from suspended or abolished (e.g. an abolition entered by mistake)."""

    def check(locked):
        if locked.status == ProcedureStatus.ACTIVE:
            raise ValidationError(
                _("Thủ tục %(code)s đang được thực hiện.") % {"code": locked.code}
            )
        if locked.current_version_id is None:
            raise ValidationError(_("Thủ tục chưa có phiên bản nào được công bố."))

    return _change_status(procedure, user, ProcedureStatus.ACTIVE, check)


# --- Publication --------------------------------------------------------------------------


@dataclass
class _Outcome:
    created: int = 0
    new_versions: int = 0
    unchanged: int = 0
    status_changed: int = 0
    fields_created: int = 0
    versions: dict[str, ProcedureVersion] = field(default_factory=dict)


class _Fields:
    """Fields by name, created on first use (the file names them; they get a unique slug)."""

    def __init__(self):
        self.by_name = {f.name: f for f in Field.objects.all()}
        self.slugs = set(Field.objects.values_list("slug", flat=True))
        self.created = 0

    def get(self, name: str, *, dry_run: bool) -> Field | None:
        if name in self.by_name:
            return self.by_name[name]
        self.created += 1
        if dry_run:
            self.by_name[name] = None
            return None
        base = fold(name).replace(" ", "-")[:240] or "linh-vuc"
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        new = Field(name=name, slug=slug)
        new.save()
        self.slugs.add(slug)
        self.by_name[name] = new
        return new


def _chunks(items: Sequence, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _version(procedure: Procedure, number: int, data: ProcedureData, field_: Field, user, note):
    content = data.content
    ((unit, value),) = content["processing_time"].items()
    return ProcedureVersion(
        procedure=procedure,
        number=number,
        name=content["name"],
        field=field_,
        levels=content["levels"],
        receiving_agency_kinds=content["receiving_agency_kinds"],
        deciding_agency_kind=content["deciding_agency_kind"],
        time_value=Decimal(str(value)),
        time_unit=unit,
        cutoff_time=dt.time.fromisoformat(content["cutoff_time"])
        if content["cutoff_time"]
        else None,
        online=content["online"],
        applicants=content["applicants"],
        conditions=content["conditions"],
        result=content["result"],
        method=content["method"],
        legal_basis=content["legal_basis"],
        decision_number=content["decision_number"],
        effective_from=(
            dt.date.fromisoformat(content["effective_from"]) if content["effective_from"] else None
        ),
        content_hash=data.content_hash,
        created_by=user if getattr(user, "pk", None) else None,
        change_note=note[:500],
    )


def _children(version: ProcedureVersion, content: dict):
    documents = [
        RequiredDocument(
            version=version,
            position=position,
            name=d["name"],
            copies=d["copies"],
            original=d["original"],
            form_name=d["form"],
            required=d["required"],
        )
        for position, d in enumerate(content["documents"], start=1)
    ]
    fees = [
        Fee(
            version=version,
            position=position,
            name=f["name"],
            kind=f["kind"],
            amount=f["amount"],
            exempt=f["exempt"],
        )
        for position, f in enumerate(content["fees"], start=1)
    ]
    steps = [
        Step(
            version=version,
            position=position,
            name=s["name"],
            role=s["role"],
            agency_kind=s["agency_kind"],
            working_hours=Decimal(str(s["working_hours"])),
        )
        for position, s in enumerate(content["steps"], start=1)
    ]
    return documents, fees, steps


PROCEDURE_COLUMNS = [
    "current_version",
    "name",
    "field",
    "online",
    "at_province",
    "at_commune",
    "name_folded",
    "search_folded",
    "status",
    "abolished_on",
    "abolished_by",
]


def _publish_chunk(
    items: list[ProcedureData], fields: _Fields, user, note: str, dry_run: bool, out: _Outcome
) -> None:
    """Plan and (unless dry_run) write one chunk: new procedures, new versions, status changes."""
    codes = [item.code for item in items]
    existing_qs = Procedure.objects.filter(code__in=codes).select_related("current_version")
    if not dry_run:
        existing_qs = existing_qs.select_for_update(of=("self",))
    existing = {p.code: p for p in existing_qs}

    to_create: list[ProcedureData] = []
    to_version: list[tuple[Procedure, ProcedureData]] = []
    status_entries: list[AuditEntry] = []
    touched: dict[str, Procedure] = {}
    for item in items:
        procedure = existing.get(item.code)
        if procedure is None:
            to_create.append(item)
            continue
        changed = False
        current = procedure.current_version
        if current is None or current.content_hash != item.content_hash:
            to_version.append((procedure, item))
            changed = True
        elif not dry_run:
            out.versions[item.code] = current
        status = _set_status(procedure, item.status, item.abolished_on, item.abolished_by)
        if status is not None:
            out.status_changed += 1
            status_entries.append(_status_entry(procedure, user, status))
            changed = True
        if changed:
            touched[item.code] = procedure
        else:
            out.unchanged += 1
    out.created += len(to_create)
    out.new_versions += len(to_version)
    for item in to_create + [item for _p, item in to_version]:
        fields.get(item.content["field"], dry_run=dry_run)
    if dry_run:
        return

    new_procedures = [
        Procedure(
            code=item.code,
            status=item.status,
            abolished_on=item.abolished_on if item.status == ProcedureStatus.ABOLISHED else None,
            abolished_by=item.abolished_by if item.status == ProcedureStatus.ABOLISHED else "",
        )
        for item in to_create
    ]
    Procedure.objects.bulk_create(new_procedures)
    numbers = dict(
        ProcedureVersion.objects.filter(procedure__in=[p for p, _item in to_version])
        .values_list("procedure_id")
        .annotate(last=Max("number"))
    )
    plan = [(p, item, 1) for p, item in zip(new_procedures, to_create, strict=True)]
    plan += [(p, item, numbers.get(p.pk, 0) + 1) for p, item in to_version]
    versions = [
        _version(p, number, item, fields.get(item.content["field"], dry_run=False), user, note)
        for p, item, number in plan
    ]
    ProcedureVersion.objects.bulk_create(versions)
    documents, fees, steps = [], [], []
    for version, (_p, item, _n) in zip(versions, plan, strict=True):
        d, f, s = _children(version, item.content)
        documents += d
        fees += f
        steps += s
    RequiredDocument.objects.bulk_create(documents)
    Fee.objects.bulk_create(fees)
    Step.objects.bulk_create(steps)
    prefetch_related_objects(versions, "documents")

    entries = []
    for version, (procedure, item, number) in zip(versions, plan, strict=True):
        procedure.current_version = version
        procedure.refresh_search_columns()
        touched[item.code] = procedure
        out.versions[item.code] = version
        entries.append(
            _entry(
                user,
                "catalog.publish",
                item.code,
                _("Công bố phiên bản %(number)s của thủ tục %(code)s")
                % {
                    "number": number,
                    "code": item.code,
                },
                {
                    "version": number,
                    "content_hash": item.content_hash,
                    "note": note,
                    "status": procedure.status,
                },  # fmt: skip
            )
        )
    # One UPDATE per row: bulk_update's CASE expressions cost far more to build than this.
    for procedure in touched.values():
        procedure.save(update_fields=PROCEDURE_COLUMNS)
    AuditEntry.objects.bulk_create(entries + status_entries)


def _publish(
    items: list[ProcedureData], *, user, note: str, dry_run: bool, progress: Progress | None
) -> _Outcome:
    out = _Outcome()
    fields = _Fields()
    done = 0
    for chunk in _chunks(items, CHUNK):
        _publish_chunk(chunk, fields, user, note, dry_run, out)
        done += len(chunk)
        if progress:
            progress("compare" if dry_run else "write", done, len(items))
    out.fields_created = fields.created
    return out


def publish_version(procedure_code: str, data, user, note: str = "") -> ProcedureVersion:
    """Publish `data` (a procedure object in the import format) as the procedure's content.

    Creates the procedure if it is new. Same content as the current version: nothing is
    written and the current version is returned. A `status` in `data` is applied as an import
    would; without one, an existing procedure keeps its status.
    Raises ValidationError with the Vietnamese reasons when `data` is not valid.
    """
    item = data if isinstance(data, ProcedureData) else validate_object(data, procedure_code)
    if item.code != procedure_code:
        raise ValidationError(_("Mã thủ tục trong nội dung khác mã của thủ tục."))
    if isinstance(data, dict) and "status" not in data:
        current = (
            Procedure.objects.filter(code=procedure_code)
            .values_list("status", "abolished_on", "abolished_by")
            .first()
        )
        if current:
            item.status, item.abolished_on, item.abolished_by = current
    with transaction.atomic():
        out = _publish([item], user=user, note=note, dry_run=False, progress=None)
    return out.versions[procedure_code]


# --- Import -------------------------------------------------------------------------------


def _read_source(source) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        return bytes(source), ""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return path.read_bytes(), path.name
    name = getattr(source, "name", "") or ""
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read()
    return (data.encode("utf-8") if isinstance(data, str) else data), os.path.basename(name)


def import_catalog(
    source,
    *,
    user=None,
    progress: Progress | None = None,
    dry_run: bool = False,
    note: str = "",
) -> ImportReport:
    """Import a catalog file (JSON or .xlsx): all or nothing, idempotent.

    `source` is a path, bytes or a file object. Every object is checked first; with any error
    nothing is written and the report lists them all. A procedure whose content differs from
    its current version gets a new version; one whose status differs has its status changed;
    the rest is left untouched. `progress(stage, done, total)` is called with stage "validate"
    for each object checked, then "write" (or "compare" in a dry run) after each batch.
    """
    started = time.perf_counter()
    data, name = _read_source(source)
    parsed = read_catalog(data, name)
    report = ImportReport(
        source=name, format=parsed.format, dry_run=dry_run, total=len(parsed.items)
    )
    checked = validate_catalog(parsed, progress)
    report.errors, report.warnings = checked.errors, checked.warnings
    if report.errors:
        report.seconds = time.perf_counter() - started
        return report
    note = note or _("Nhập danh mục từ tệp %(name)s") % {"name": name or parsed.format}
    if dry_run:
        out = _publish(checked.procedures, user=user, note=note, dry_run=True, progress=progress)
    else:
        with transaction.atomic():
            out = _publish(
                checked.procedures, user=user, note=note, dry_run=False, progress=progress
            )
            if out.created or out.new_versions or out.status_changed:
                # One entry for the whole file besides those of each procedure; a re-import
                # that changes nothing writes nothing at all.
                summary = _("Nhập danh mục thủ tục từ %(name)s: %(total)s thủ tục") % {
                    "name": name or parsed.format,
                    "total": report.total,
                }
                record(user, "catalog.import", "catalog.import", name or parsed.format, summary,
                       format=parsed.format, created=out.created, new_versions=out.new_versions,
                       unchanged=out.unchanged, status_changed=out.status_changed,
                       warnings=len(report.warnings))  # fmt: skip
    report.created, report.new_versions = out.created, out.new_versions
    report.unchanged, report.status_changed = out.unchanged, out.status_changed
    report.fields_created = out.fields_created
    report.seconds = time.perf_counter() - started
    return report
