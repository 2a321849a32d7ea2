"""Pure scoring arithmetic of the assessment sheet (docs/DESIGN.md §4). Decimal, 2 places, ROUND_HALF_UP.

- deduction per occurrence: deduction = min(max, per × (occurrences + 2 × unrectified findings)); founded
  complaints of the quarter deduct the same way (occurrences = their number);
- indicator, and rate (numerator ÷ denominator read from the data): score = max × min(1, achieved / target), or
  for "lower is better" max × min(1, target / achieved) (an achieved 0 scores the maximum);
- pass / fail: max or 0;  manual: a score in [0, max];
- satisfaction: deduction = min(max, per × percentage points below the county average);
- at least N a year: due by the quarter's end = ⌈N × quarter ÷ 4⌉, deduction = min(max, per × (due − done)),
  nothing when done ≥ due (扣完为止: never more than the item's maximum);
- a judgement score (override) in [0, max] replaces the formula's score;
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
    lower_is_better: bool = False
    quarter: int = 4  # the assessed quarter: a yearly minimum is due in quarters
    override: Decimal | None = None


def due_by_quarter(yearly_minimum: Decimal, quarter: int) -> int:
    """How many of a yearly minimum are due by the end of a quarter, rounded up to a whole number."""
    return int((Decimal(yearly_minimum) * quarter / 4).to_integral_value(rounding=ROUND_CEILING))


def achieved_ratio(achieved: Decimal, target: Decimal, *, lower_is_better: bool) -> Decimal:
    """The share of an item's points a value earns, between 0 and 1."""
    if lower_is_better:
        return Decimal(1) if achieved <= target else Decimal(target) / Decimal(achieved)
    return min(Decimal(1), Decimal(achieved) / Decimal(target))


def q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(TWO, rounding=ROUND_HALF_UP)


def item_deduction(item: ItemInput) -> Decimal:
    """Points lost on one item, between 0 and its maximum."""
    top = Decimal(item.max_points)
    if item.override is not None:
        if not Decimal(0) <= item.override <= top:
            raise ScoringError("a judgement score must be within [0, max]")
        return q(top - item.override)
    if item.mode in ("deduction", "complaints"):  # complaints: the founded ones of the quarter, from the register
        raw = Decimal(item.per_occurrence) * (item.occurrences + 2 * item.doubled_occurrences)
        return q(min(top, raw))
    if item.mode in ("indicator", "rate"):
        if item.achieved is None:
            raise ScoringError("indicator needs an achieved value")
        if item.achieved < 0:
            raise ScoringError("achieved value cannot be negative")
        ratio = achieved_ratio(item.achieved, item.target, lower_is_better=item.lower_is_better)
        return q(top - q(top * ratio))
    if item.mode == "minimum":
        if item.achieved is None:
            raise ScoringError("a yearly minimum needs the number done")
        if item.achieved < 0 or item.achieved != item.achieved.to_integral_value():
            raise ScoringError("the number done is a whole number")
        short = max(0, due_by_quarter(item.target, item.quarter) - int(item.achieved))
        return q(min(top, Decimal(item.per_occurrence) * short))
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
