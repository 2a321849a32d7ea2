"""The policy check (政策检查): before a run is prepared, what the policy would pay nothing for although the
period has counts — an item without a price (unit-price method) or without work points (work-point method),
and clinics with counts but no quota (the unit-price method pays min(verified, quota × cap) × price, so no
quota pays 0). Each warning says which item, how many clinics and counts, and what the county's price table
holds for it, so the county can fix the policy instead of finding a 0.00 after approval."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from programs.models import ServiceItem
from programs.selectors.reports import ItemFigures, TablePrice, county_price_table, item_figures
from subsidies.models import SubsidyPolicy
from subsidies.selectors.settlement import active_clinics, period_months

if TYPE_CHECKING:
    from clinics.models import Township

__all__ = ["PolicyWarning", "policy_warnings", "stored_warnings", "warnings_for"]


@dataclass(frozen=True)
class PolicyWarning:
    kind: str  # "no_price" | "no_points" | "no_quota"
    item_code: str
    item_name: str
    clinics: int  # clinics with counts this warning leaves unpaid
    declared: int
    table_price: TablePrice | None = None
    clinic_names: tuple[str, ...] = field(default=())

    @property
    def message(self) -> str:
        values = {"item": self.item_name, "clinics": self.clinics, "declared": self.declared}
        if self.kind == "no_price":
            text = _(
                "“%(item)s”：%(clinics)s 个卫生室申报了 %(declared)s，但本政策没有这一项的单价，这一项将按 0 元计算。"
            )
        elif self.kind == "no_points":
            text = _("“%(item)s”：%(clinics)s 个卫生室申报了 %(declared)s，但本政策这一项的工分是 0，这一项不计工分。")
        else:
            text = _(
                "“%(item)s”：%(clinics)s 个卫生室有申报数 %(declared)s 但没有年度任务数，按单价法这一项将按 0 元计算。"
            )
        text = text % values
        if self.table_price is not None and self.kind in ("no_price", "no_points"):
            text += _("县单价表中这一项是 %(price)s 元、%(points)s 工分，可以一键补入政策。") % {
                "price": self.table_price.unit_price,
                "points": self.table_price.work_points,
            }
        return text

    def as_dict(self) -> dict[str, object]:
        """How a run keeps its warnings (SettlementRun.warnings): the figures, not the sentence, so that each
        reader sees it in their own language (``from_dict(...).message``). Prices as strings (JSON)."""
        price = self.table_price
        return {
            "kind": self.kind,
            "item": self.item_code,
            "item_name": self.item_name,
            "clinics": self.clinics,
            "declared": self.declared,
            "table_price": None if price is None else [str(price.unit_price), str(price.work_points)],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolicyWarning:
        price = data.get("table_price")
        return cls(
            kind=data["kind"],
            item_code=data["item"],
            item_name=data["item_name"],
            clinics=data["clinics"],
            declared=data["declared"],
            table_price=None
            if price is None
            else TablePrice(0, data["item"], data["item_name"], Decimal(price[0]), Decimal(price[1])),
        )


def stored_warnings(run_warnings: list[dict[str, Any]]) -> list[PolicyWarning]:
    """A run's stored warnings (SettlementRun.warnings) as warnings with their sentences."""
    return [PolicyWarning.from_dict(data) for data in run_warnings]


def policy_warnings(
    *, policy: SubsidyPolicy, quarter: int | None, township: Township | None = None
) -> list[PolicyWarning]:
    """What ``policy`` would pay nothing for in the period's counts, read from the same figures a run reads
    (a few queries whatever the number of clinics)."""
    clinics = active_clinics(county_ids=[policy.county_id], township=township)
    names = dict(clinics.values_list("pk", "name"))
    figures = item_figures(clinic_ids=list(names), year=policy.year, months=period_months(quarter))
    return warnings_for(policy=policy, clinics=[(names[pk], items) for pk, items in figures.items()])


def warnings_for(
    *, policy: SubsidyPolicy, clinics: Iterable[tuple[str, Mapping[str, ItemFigures]]]
) -> list[PolicyWarning]:
    """The warnings for given figures: (clinic name, item code → figures) per clinic — a run's own inputs, so
    a simulation is checked against what it computes. Items in the order of the county's price table."""
    table = county_price_table(county_id=policy.county_id, year=policy.year)
    priced = {
        code: (price, points)
        for code, price, points in policy.items.values_list("item__code", "unit_price", "work_points")
    }
    counted: dict[str, list[tuple[str, int, int]]] = defaultdict(list)  # code → (clinic, declared, quota)
    for clinic_name, items in clinics:
        for code, item in items.items():
            if item.declared > 0:
                counted[code].append((clinic_name, item.declared, item.quota))
    if not counted:
        return []
    item_names = dict(ServiceItem.objects.filter(code__in=counted).values_list("code", "name"))
    order = {code: i for i, code in enumerate(table)}
    unit_price = policy.method == SubsidyPolicy.Method.UNIT_PRICE
    warnings: list[PolicyWarning] = []
    for code in sorted(counted, key=lambda c: (order.get(c, len(order)), c)):
        price, points = priced.get(code, (Decimal(0), Decimal(0)))
        rows = counted[code]
        if (price if unit_price else points) == 0:
            kind = "no_price" if unit_price else "no_points"
        elif unit_price and any(not quota for _c, _d, quota in rows):
            kind = "no_quota"
            rows = [row for row in rows if not row[2]]
        else:
            continue
        warnings.append(
            PolicyWarning(
                kind=kind,
                item_code=code,
                item_name=item_names.get(code, code),
                clinics=len(rows),
                declared=sum(declared for _c, declared, _q in rows),
                table_price=table.get(code),
                clinic_names=tuple(sorted(name for name, _d, _q in rows)),
            )
        )
    return warnings
