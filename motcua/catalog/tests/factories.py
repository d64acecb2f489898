"""Small ORM factories for catalog tests (independent of the importer)."""

import hashlib
import itertools
from decimal import Decimal

from motcua.agencies.models import Agency, AgencyKind, Role
from motcua.catalog.models import (
    Fee,
    FeeKind,
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureStatus,
    ProcedureVersion,
    RequiredDocument,
    Step,
)

_codes = itertools.count(1)


def next_code() -> str:
    return f"1.{900000 + next(_codes):06d}"


def make_field(name: str = "Hộ tịch", slug: str | None = None) -> Field:
    field = Field.objects.filter(name=name).first()
    if field is None:
        field = Field(name=name, slug=slug or "")
        field.save()
    return field


def make_agency(
    e_id: str = "H22.30", name: str = "Sở Tư pháp", kind: str = AgencyKind.DEPARTMENT, **extra
) -> Agency:
    agency, _created = Agency.objects.get_or_create(
        e_id=e_id, defaults={"name": name, "kind": kind, **extra}
    )
    return agency


def make_procedure(
    name: str,
    *,
    code: str | None = None,
    field: str | Field = "Hộ tịch",
    documents: list[str | dict] = (),
    fees: list[tuple[str, int]] = (),
    steps: list[tuple[str, str]] | None = None,
    levels: list[str] = (Level.COMMUNE,),
    online: str = OnlineLevel.NONE,
    status: str = ProcedureStatus.ACTIVE,
    time_value: Decimal | int = 7,
    time_unit: str = "working_days",
    agencies: list[Agency] = (),
    popularity: int = 0,
    **version_fields,
) -> Procedure:
    """Create a procedure with its current version, documents, fees and steps.

    `steps` are (name, role) pairs; the hours are the time limit spread evenly.
    """
    if not isinstance(field, Field):
        field = make_field(field)
    procedure = Procedure.objects.create(
        code=code or next_code(), status=status, popularity=popularity
    )
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=1,
        name=name,
        field=field,
        levels=list(levels),
        receiving_agency_kinds=[AgencyKind.SERVICE_CENTER],
        deciding_agency_kind=AgencyKind.DEPARTMENT,
        time_value=Decimal(time_value),
        time_unit=time_unit,
        online=online,
        content_hash=hashlib.sha256(name.encode()).hexdigest(),
        **version_fields,
    )
    for position, doc in enumerate(documents, start=1):
        data = {"name": doc} if isinstance(doc, str) else dict(doc)
        RequiredDocument.objects.create(version=version, position=position, **data)
    for position, (fee_name, amount) in enumerate(fees, start=1):
        Fee.objects.create(
            version=version, position=position, name=fee_name, amount=amount, kind=FeeKind.CHARGE
        )
    steps = steps if steps is not None else [("Tiếp nhận hồ sơ", Role.RECEPTIONIST)]
    if steps:
        hours = version.processing_hours / len(steps)
        for position, (step_name, role) in enumerate(steps, start=1):
            Step.objects.create(
                version=version,
                position=position,
                name=step_name,
                role=role,
                agency_kind=AgencyKind.DEPARTMENT,
                working_hours=hours,
            )
    procedure.current_version = version
    procedure.refresh_search_columns()
    procedure.save()
    if agencies:
        procedure.agencies.set(agencies)
    return procedure
