"""Scoped reads of service records (服务记录), and the reads of the residents register they need (programs may
read residents' models; only residents' services write them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from clinics.selectors import get_scope, restrict
from programs.models import RecordColumnMapping, ServiceRecord
from residents.models import Resident, ResidentRegistration

if TYPE_CHECKING:
    from clinics.selectors import AnyUser

__all__ = [
    "RECORD_COLUMNS",
    "clinic_residents",
    "latest_record_month",
    "mapping_for_county",
    "record_counts",
    "records_for",
    "resident_ids_by_hash",
]

# Our column headers of the import, in the order of the file (the column mapping is keyed by them).
RECORD_COLUMNS = ("卫生室编码", "项目编码", "服务日期", "身份证号", "居民姓名", "医生姓名", "备注")


def records_for(user: AnyUser) -> QuerySet[ServiceRecord]:
    return restrict(ServiceRecord.objects.all(), user, clinic="clinic")


def latest_record_month(queryset: QuerySet[ServiceRecord]) -> tuple[int, int] | None:
    """(year, month) of the latest service date among ``queryset``'s records (the index on clinic+date serves it)."""
    latest = queryset.order_by("-service_date").values_list("service_date", flat=True).first()
    return (latest.year, latest.month) if latest else None


def month_bounds(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return start, end


def in_month(queryset: QuerySet[ServiceRecord], year: int, month: int) -> QuerySet[ServiceRecord]:
    """A range on service_date (not ``__year``/``__month``, which would not use the index)."""
    start, end = month_bounds(year, month)
    return queryset.filter(service_date__gte=start, service_date__lt=end)


def record_counts(*, clinic_ids: Iterable[int], year: int, month: int) -> dict[tuple[int, int], int]:
    """(clinic id, item id) → number of records in the month: one query for any number of clinics."""
    rows = (
        in_month(ServiceRecord.objects.filter(clinic_id__in=list(clinic_ids)), year, month)
        .values_list("clinic_id", "item_id")
        .annotate(n=Count("pk"))
    )
    return {(clinic_id, item_id): n for clinic_id, item_id, n in rows}


def resident_ids_by_hash(hashes: Iterable[str]) -> dict[str, int]:
    """ID-number hash → resident id for the hashes on the register: one query."""
    return dict(Resident.objects.filter(id_number_hash__in=list(hashes)).values_list("id_number_hash", "pk"))


def mapping_for_county(county_id: int | None) -> dict[str, str]:
    """Our header → the provincial system's header, as the county saved it ({} when it has not)."""
    if county_id is None:
        return {}
    columns = RecordColumnMapping.objects.filter(county_id=county_id).values_list("columns", flat=True).first()
    return {k: v for k, v in (columns or {}).items() if k in RECORD_COLUMNS and isinstance(v, str) and v.strip()}


def clinic_residents(*, user: AnyUser, year: int, query: str = "", limit: int = 20) -> QuerySet[Resident]:
    """Residents on the register of the doctor's own clinic for ``year``, found by name, the last 4 digits of the
    ID number or of the phone number (the masked values hold them). Nobody else's residents: a user without a
    clinic finds none."""
    scope = get_scope(user)
    if not scope.clinic_id:
        return Resident.objects.none()
    registered = ResidentRegistration.objects.filter(clinic_id=scope.clinic_id, year=year).values("resident_id")
    residents = Resident.objects.filter(pk__in=registered)
    query = query.strip()
    if query:
        condition = Q(name__icontains=query)
        if len(query) == 4 and query.isascii() and (query.isdigit() or query[:3].isdigit()):
            condition |= Q(id_number_masked__endswith=query.upper()) | Q(phone_masked__endswith=query)
        residents = residents.filter(condition)
    return residents.order_by("name", "pk")[:limit] if limit else residents.order_by("name", "pk")


def clinic_resident(*, user: AnyUser, year: int, pk: int) -> Resident | None:
    """One resident of the doctor's clinic register (None when not theirs: the view answers 404)."""
    return clinic_residents(user=user, year=year, limit=0).filter(pk=pk).first()


def clinic_month_records(*, clinic_id: int, year: int, month: int, limit: int = 100) -> list[ServiceRecord]:
    """The clinic's records of a month, latest first (masked numbers only are stored on them)."""
    rows = in_month(ServiceRecord.objects.filter(clinic_id=clinic_id), year, month)
    return list(rows.select_related("item").order_by("-service_date", "-pk")[:limit])


def item_counts(*, clinic_id: int, year: int, month: int) -> dict[int, int]:
    """Item id → the clinic's records of the month: one query."""
    return {item: n for (_clinic, item), n in record_counts(clinic_ids=[clinic_id], year=year, month=month).items()}
