"""Reads of the catalog: listings, the procedure page, fields, and the display of time and money.

Search itself lives in search.py; the API, the portal pages and the poster all read through here.
"""

from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency

from .models import Fee, Field, Level, Procedure, ProcedureStatus, ProcedureVersion, TimeUnit

MAX_FALLBACK_CENTERS = 10


def available() -> QuerySet:
    """Procedures open to new dossiers (shown in search and listings)."""
    return Procedure.objects.filter(status=ProcedureStatus.ACTIVE)


def with_listing_data(queryset: QuerySet) -> QuerySet:
    """What a result row shows: field, time limit (current version) and fee total, in one query."""
    fees = (
        Fee.objects.filter(version=OuterRef("current_version"))
        .order_by()  # Meta.ordering would split the sum by position
        .values("version")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return queryset.select_related("field", "current_version").annotate(
        fee_sum=Coalesce(Subquery(fees), 0)
    )


def procedure_detail(code: str) -> Procedure | None:
    """A procedure with everything its page shows, whatever its status (abolished ones too:
    existing dossiers link to them)."""
    versions = ProcedureVersion.objects.prefetch_related("documents", "fees", "steps")
    return (
        Procedure.objects.select_related("field")
        .prefetch_related(
            Prefetch("current_version", queryset=versions),
            Prefetch("agencies", queryset=Agency.objects.filter(is_active=True).order_by("e_id")),
        )
        .filter(code=code)
        .first()
    )


def fields_with_counts() -> list[Field]:
    """Fields that have available procedures, each with `procedure_count`."""
    return list(
        Field.objects.annotate(
            procedure_count=Count("procedures", filter=Q(procedures__status=ProcedureStatus.ACTIVE))
        )
        .filter(procedure_count__gt=0)
        .order_by("name")
    )


def field_by_ref(ref: str) -> Field | None:
    """A field by slug, or by id when `ref` is all digits."""
    if ref.isdigit():
        return Field.objects.filter(pk=int(ref)).first() if len(ref) <= 18 else None
    return Field.objects.filter(slug=ref).first()


def agency_by_e_id(e_id: str) -> Agency | None:
    return Agency.objects.filter(e_id=e_id).first()


def popular(limit: int = 6) -> list[Procedure]:
    return list(with_listing_data(available().order_by("-popularity", "code"))[:limit])


# --- Display helpers (one place for the API, the pages and the poster) ---------------------


def format_number(value: Decimal | int) -> str:
    """7.00 → "7", 0.50 → "0,5" (Vietnamese decimal comma, no trailing zeros)."""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


def format_vnd(amount: int) -> str:
    """50000 → "50.000 đ"."""
    return f"{amount:,} đ".replace(",", ".")


def time_limit_label(version: ProcedureVersion) -> str:
    """ "7 ngày làm việc", "4 giờ làm việc"."""
    return f"{format_number(version.time_value)} {TimeUnit(version.time_unit).label}"


def time_limit_value(version: ProcedureVersion) -> int | float:
    value = Decimal(version.time_value)
    return int(value) if value == value.to_integral_value() else float(value)


def fee_total(procedure: Procedure) -> int:
    """Fees and charges of the current version, VND (annotated by with_listing_data)."""
    if hasattr(procedure, "fee_sum"):
        return procedure.fee_sum
    if procedure.current_version is None:
        return 0
    return sum(fee.amount for fee in procedure.current_version.fees.all())


def fee_total_label(procedure: Procedure) -> str:
    total = fee_total(procedure)
    return format_vnd(total) if total else _("Không thu phí")


def levels(procedure: Procedure) -> list[str]:
    return [
        level
        for level, flag in (
            (Level.PROVINCE, procedure.at_province),
            (Level.COMMUNE, procedure.at_commune),
        )
        if flag
    ]


def level_labels(procedure: Procedure) -> list[str]:
    return [str(Level(level).label) for level in levels(procedure)]


def where_to_submit(procedure: Procedure) -> list[Agency]:
    """The procedure's implementing agencies; when none are recorded, the active centers of the
    kinds that receive it (any center of the province receives any procedure)."""
    agencies = list(procedure.agencies.all())
    if agencies or procedure.current_version is None:
        return agencies
    kinds = procedure.current_version.receiving_agency_kinds or []
    return list(
        Agency.objects.filter(kind__in=kinds, is_active=True).order_by("e_id")[
            :MAX_FALLBACK_CENTERS
        ]
    )


def accepts_online(procedure: Procedure) -> bool:
    """An online dossier can be filed (full or partial online) for an available procedure."""
    return procedure.is_available and procedure.online in ("full", "partial")
