"""Scoped reads of settlement runs and lines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet, Sum

from clinics.selectors import get_scope, restrict, townships_for
from subsidies.models import AdvanceBatch, SettlementLine, SettlementRun, StatementBatch

if TYPE_CHECKING:
    from clinics.models import Township
    from clinics.selectors import AnyUser


def runs_for(user: AnyUser) -> QuerySet[SettlementRun]:
    """County admins see their county's runs; township staff see their township's runs."""
    qs = SettlementRun.objects.select_related("county", "township", "policy", "prepared_by", "approved_by")
    scope = get_scope(user)
    if scope.level == "township":
        return qs.filter(township_id=scope.township_id)  # type: ignore[misc]  # a township scope has a township
    return restrict(qs, user, county="county")


def lines_for(user: AnyUser) -> QuerySet[SettlementLine]:
    return restrict(
        SettlementLine.objects.select_related("run__county", "run__township", "clinic__township"), user, clinic="clinic"
    )


def statement_batches_for(user: AnyUser) -> QuerySet[StatementBatch]:
    """Statement ZIPs follow their run (``runs_for``); a batch of one township also needs that township
    in the user's scope."""

    batches = StatementBatch.objects.filter(run__in=runs_for(user)).select_related("run")
    return batches.filter(Q(township__isnull=True) | Q(township__in=townships_for(user)))


@dataclass(frozen=True)
class TownshipEstimate:
    run: SettlementRun
    balance: Decimal  # Σ balances of the township's clinics in that run
    clinics: int


def latest_estimates_by_township(*, user: AnyUser, townships: Iterable[Township]) -> dict[int, TownshipEstimate]:
    """Township id → the latest settlement run covering it (its own run or a county-wide one; not an
    adjustment run), whatever its status — a draft is an estimate — with the township's total balance
    in that run. Two queries whatever the number of townships and clinics."""
    townships = list(townships)
    county_ids = {t.county_id for t in townships}
    ids = [t.pk for t in townships]
    runs = list(runs_for(user).filter(county_id__in=county_ids, adjusts__isnull=True).order_by("-year", "-pk"))
    chosen: dict[int, SettlementRun] = {}
    for township in townships:
        chosen_run = next(
            (r for r in runs if r.county_id == township.county_id and r.township_id in (None, township.pk)), None
        )
        if chosen_run is not None:
            chosen[township.pk] = chosen_run
    if not chosen:
        return {}
    sums = {
        (run_id, tid): (total, n)
        for run_id, tid, total, n in SettlementLine.objects.filter(
            run_id__in={r.pk for r in chosen.values()}, clinic__township_id__in=ids
        )
        .values("run_id", "clinic__township_id")
        .annotate(total=Sum("balance"), n=Count("id"))
        .values_list("run_id", "clinic__township_id", "total", "n")
    }
    result = {}
    for tid, run in chosen.items():
        total, n = sums.get((run.pk, tid), (Decimal("0.00"), 0))
        balance = Decimal(total or 0).quantize(Decimal("0.01"))  # SQLite sums decimals with stray places
        result[tid] = TownshipEstimate(run=run, balance=balance, clinics=n or 0)
    return result


def advance_batches_for(user: AnyUser) -> QuerySet[AdvanceBatch]:
    """Scheduled-advance batches of the user's county (superusers: all)."""
    return restrict(AdvanceBatch.objects.select_related("county", "policy", "created_by"), user, county="county")
