"""Scoped reads of the essential-drug records, and the subsidy basis the settlement uses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clinics.selectors import id_filter, restrict
from programs.models import Drug, DrugPurchase, DrugSale, DrugStock, DrugViolation, ExpiringBatch

if TYPE_CHECKING:
    from clinics.selectors import AnyUser, ClinicIds

ZERO = Decimal("0.00")
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
EXPIRY_WARNING_DAYS = 90


def search_drugs(q: str, *, limit: int = 20) -> QuerySet[Drug]:
    """Active drugs whose name contains ``q`` or whose pinyin initials start with it (amxl → 阿莫西林)."""
    q = (q or "").strip()
    qs = Drug.objects.filter(active=True)
    if not q:
        return qs.none()
    return qs.filter(Q(generic_name__icontains=q) | Q(pinyin_initials__startswith=q.lower()) | Q(code__iexact=q))[
        :limit
    ]


def stock_for(user: AnyUser) -> QuerySet[DrugStock]:
    return restrict(DrugStock.objects.select_related("clinic__township", "drug"), user, clinic="clinic")


def sales_for(user: AnyUser) -> QuerySet[DrugSale]:
    return restrict(DrugSale.objects.select_related("clinic__township", "drug"), user, clinic="clinic")


def purchases_for(user: AnyUser) -> QuerySet[DrugPurchase]:
    return restrict(DrugPurchase.objects.select_related("clinic__township", "drug"), user, clinic="clinic")


def violations_for(user: AnyUser) -> QuerySet[DrugViolation]:
    return restrict(DrugViolation.objects.select_related("clinic__township", "drug"), user, clinic="clinic")


def expiring_batches_for(
    user: AnyUser, *, today: date | None = None, days: int = EXPIRY_WARNING_DAYS
) -> QuerySet[ExpiringBatch]:
    """Batches expiring within ``days`` (or already expired) at clinics that still hold that drug."""
    today = today or timezone.localdate()
    qs = ExpiringBatch.objects.select_related("clinic__township", "drug").filter(
        expiry__lte=today + timedelta(days=days), drug__stocks__clinic=F("clinic"), drug__stocks__quantity__gt=0
    )
    return restrict(qs, user, clinic="clinic")


def clinic_stock(clinic_id: int) -> QuerySet[DrugStock]:
    """The portal's own-clinic stock (the caller is the doctor of that clinic)."""
    return DrugStock.objects.filter(clinic_id=clinic_id).select_related("drug").order_by("drug__pinyin_initials")


@dataclass(frozen=True)
class ViolationTotal:
    clinic_id: int
    clinic_name: str
    township_name: str
    violation_count: int
    overcharge_total: Decimal


def violation_totals(user: AnyUser, *, start: date, end: date) -> list[ViolationTotal]:
    """Per clinic in the user's scope: number of overpriced sales and the overcharge in the period."""
    rows = (
        violations_for(user)
        .filter(date__gte=start, date__lte=end)
        .values("clinic_id", "clinic__name", "clinic__township__name")
        .annotate(n=Count("id"), total=Sum("overcharge"))
        .order_by("clinic__township__name", "clinic__name")
    )
    return [
        ViolationTotal(r["clinic_id"], r["clinic__name"], r["clinic__township__name"], r["n"], r["total"]) for r in rows
    ]


@dataclass(frozen=True)
class DrugBasis:
    purchase_value: Decimal
    sales_value: Decimal
    overcharge_total: Decimal
    violation_count: int
    drug_count: int


def drug_subsidy_basis(*, clinic_ids: ClinicIds, start: date, end: date) -> dict[int, DrugBasis]:
    """Per clinic, for purchases and sales dated start..end inclusive: purchase value, sales value,
    overcharge total, number of overpriced sales and number of distinct drugs sold. Every clinic
    asked for is in the result (zeros when it had no activity). Three queries whatever the count."""
    ids = list(clinic_ids)
    result = {cid: DrugBasis(ZERO, ZERO, ZERO, 0, 0) for cid in ids}
    if not ids:
        return result
    in_ids = id_filter(clinic_ids)  # a queryset of ids stays a subquery: far faster than 30,000 literals
    line_value = ExpressionWrapper(F("quantity") * F("unit_price"), output_field=MONEY)
    purchases = dict(
        DrugPurchase.objects.filter(clinic_id__in=in_ids, date__gte=start, date__lte=end)
        .values("clinic_id")
        .annotate(v=Sum(line_value))
        .values_list("clinic_id", "v")
    )
    sales = (
        DrugSale.objects.filter(clinic_id__in=in_ids, date__gte=start, date__lte=end)
        .values("clinic_id")
        .annotate(
            v=Coalesce(Sum(line_value), Value(ZERO), output_field=MONEY),
            over=Coalesce(Sum("overcharge"), Value(ZERO), output_field=MONEY),
            n=Count("id", filter=Q(overcharge__gt=0)),
            drugs=Count("drug_id", distinct=True),
        )
    )
    for row in sales:
        result[row["clinic_id"]] = DrugBasis(ZERO, _q(row["v"]), _q(row["over"]), row["n"], row["drugs"])
    for cid, value in purchases.items():
        b = result[cid]
        result[cid] = DrugBasis(_q(value), b.sales_value, b.overcharge_total, b.violation_count, b.drug_count)
    return result


def _q(value: Decimal | int | None) -> Decimal:
    return (Decimal(value or 0)).quantize(Decimal("0.01"))


def violation_counts_by_township(
    user: AnyUser, *, township_ids: Iterable[int], start: date, end: date
) -> dict[int, tuple[int, Decimal]]:
    """Township id → (number of overpriced sales, overcharge total) dated start..end, in the user's
    scope. One query whatever the number of townships."""
    rows = (
        violations_for(user)
        .filter(clinic__township_id__in=list(township_ids), date__gte=start, date__lte=end)
        .values("clinic__township_id")
        .annotate(n=Count("id"), total=Sum("overcharge"))
        .values_list("clinic__township_id", "n", "total")
    )
    return {tid: (n, _q(total)) for tid, n, total in rows}
