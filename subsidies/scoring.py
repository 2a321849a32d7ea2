"""Pure scoring arithmetic of the assessment sheet (docs/DESIGN.md §4). Decimal, 2 places, ROUND_HALF_UP.

- deduction per occurrence: deduction = min(max, per × (occurrences + 2 × unrectified findings));
- indicator: score = max × min(1, achieved / target);
- pass / fail: max or 0;  manual: a score in [0, max];
- satisfaction: deduction = min(max, per × percentage points below the county average);
- total = 100 − Σ deductions, never below 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")
HUNDRED = Decimal(100)


class ScoringError(ValueError):
    pass


@dataclass(frozen=True)
class ItemInput:
    mode: str
    max_points: Decimal
    per_occurrence: Decimal = Decimal(0)
    target: Decimal = Decimal(1)
    occurrences: int = 0
    doubled_occurrences: int = 0
    achieved: Decimal | None = None
    passed: bool | None = None
    manual_score: Decimal | None = None
    satisfaction_rate: Decimal | None = None
    county_average: Decimal | None = None


def q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(TWO, rounding=ROUND_HALF_UP)


def item_deduction(item: ItemInput) -> Decimal:
    """Points lost on one item, between 0 and its maximum."""
    top = Decimal(item.max_points)
    if item.mode == "deduction":
        raw = Decimal(item.per_occurrence) * (item.occurrences + 2 * item.doubled_occurrences)
        return q(min(top, raw))
    if item.mode == "indicator":
        if item.achieved is None:
            raise ScoringError("indicator needs an achieved value")
        if item.achieved < 0:
            raise ScoringError("achieved value cannot be negative")
        ratio = min(Decimal(1), Decimal(item.achieved) / Decimal(item.target))
        return q(top - q(top * ratio))
    if item.mode == "pass_fail":
        if item.passed is None:
            raise ScoringError("pass / fail needs a decision")
        return Decimal("0.00") if item.passed else q(top)
    if item.mode == "manual":
        if item.manual_score is None or not Decimal(0) <= item.manual_score <= top:
            raise ScoringError("manual score must be within [0, max]")
        return q(top - item.manual_score)
    if item.mode == "satisfaction":
        if item.satisfaction_rate is None or item.county_average is None:
            return Decimal("0.00")  # no survey: nothing to compare, nothing deducted
        gap_points = ((item.county_average - item.satisfaction_rate) * HUNDRED).quantize(
            Decimal(1), rounding=ROUND_CEILING
        )
        if gap_points <= 0:
            return Decimal("0.00")
        return q(min(top, Decimal(item.per_occurrence) * gap_points))
    raise ScoringError(f"unknown mode {item.mode}")


def total_score(deductions) -> Decimal:
    return q(max(Decimal(0), HUNDRED - sum((Decimal(d) for d in deductions), Decimal(0))))
