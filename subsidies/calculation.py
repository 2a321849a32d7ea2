"""The settlement arithmetic, pure and deterministic (docs/DESIGN.md §4). No database access here.

Money is Decimal in 元, rounded ROUND_HALF_UP to the fen once per line; a pool (work points, budget cap)
is split so that the parts add up to the pool exactly (largest remainder on fen). Every line carries
the steps that produced it, in Chinese, for the "why is my payout this amount?" page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

# (declared, verified, quota) per item: the programs contract's tuple, which the settlement reads as it comes
from programs.selectors.reports import ItemFigures

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def split_exactly(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` (to the fen) in proportion to ``weights``; the parts add up to ``total`` exactly.
    Largest remainder: everyone gets the rounded-down share, leftover fen go to the largest remainders
    (ties to the earlier position, so the split is deterministic)."""
    total = money(total)
    weight_sum = sum(weights, Decimal(0))
    if not weights:
        return []
    if weight_sum <= 0:
        return [ZERO for _w in weights]
    total_fen = int(total / FEN)
    exact = [Decimal(total_fen) * w / weight_sum for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    leftover = total_fen - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [Decimal(f) * FEN for f in floors]


@dataclass(frozen=True)
class DrugFigures:
    purchase_value: Decimal = ZERO
    sales_value: Decimal = ZERO
    overcharge_total: Decimal = ZERO
    violation_count: int = 0


@dataclass(frozen=True)
class ClinicInputs:
    clinic_id: int
    name: str
    population: int
    remote: bool = False
    doctors: int = 0
    score: Decimal | None = None
    items: dict[str, ItemFigures] = field(default_factory=dict)
    drug: DrugFigures = DrugFigures()
    advances: Decimal = ZERO
    # The advances behind ``advances``: (paid_on ISO date, amount, reference, generated from the schedule?)
    advance_rows: tuple = ()


@dataclass(frozen=True)
class PolicyInputs:
    method: str  # unit_price | work_points
    per_capita_rate: Decimal
    village_share: Decimal
    quota_cap: Decimal
    quality_threshold: Decimal
    prices: dict[str, tuple[Decimal, Decimal]]  # item code → (unit price, work points)
    item_names: dict[str, str] = field(default_factory=dict)
    quality_bands: tuple = ()
    drug_method: str = "per_resident"
    drug_amount: Decimal = ZERO
    violation_deduction: Decimal = ZERO
    gap_tolerance: Decimal | None = None
    remote_coefficient: Decimal = Decimal(1)
    budget_cap: Decimal | None = None
    period_fraction: Decimal = Decimal(1)  # a quarter is 1/4 of the yearly rates and quotas
    advance_schedule: dict | None = None  # the policy's advance schedule, shown next to the advances


@dataclass
class LineResult:
    clinic_id: int
    public_health: Decimal
    drug_subsidy: Decimal
    deductions: Decimal
    advances: Decimal
    balance: Decimal
    explanation: dict


def _bands(policy: PolicyInputs) -> list:
    """The quality bands, highest minimum first."""
    return sorted(policy.quality_bands, key=lambda band: -Decimal(str(band[0])))


def quality_coefficient(score: Decimal | None, policy: PolicyInputs) -> Decimal:
    """0 below the threshold (or without an assessment); the band's coefficient, or score ÷ 100."""
    if score is None or score < policy.quality_threshold:
        return Decimal(0)
    for band in _bands(policy):  # [minimum, coefficient] or [minimum, coefficient, grade name]
        if score >= Decimal(str(band[0])):
            return Decimal(str(band[1]))
    if policy.quality_bands:
        return Decimal(0)
    return Decimal(score) / Decimal(100)


def plain(value: Decimal) -> str:
    """A Decimal as people write it: 120.0 → "120", 86.40 → "86.4" (``str(normalize())`` would say "1.2E+2")."""
    return format(value.normalize(), "f")


def _gap_excluded(figures: ItemFigures, policy: PolicyInputs) -> bool:
    if policy.gap_tolerance is None or figures.declared == 0:
        return False
    return Decimal(figures.declared - figures.verified) / Decimal(figures.declared) > policy.gap_tolerance


def _equity(clinic: ClinicInputs, policy: PolicyInputs) -> Decimal:
    return policy.remote_coefficient if clinic.remote else Decimal(1)


class _Prepared:
    """What every line of a run shares, worked out once per run: each item's price, points and name with
    their strings, and each quota's cap (a province run has ~400,000 item rows but a few hundred quotas)."""

    __slots__ = ("cap_factor", "capped", "caps", "items", "policy")

    def __init__(self, policy: PolicyInputs):
        self.policy = policy
        self.items: dict[str, tuple] = {}
        self.cap_factor = policy.quota_cap * policy.period_fraction
        self.caps: dict[int, tuple[Decimal, str]] = {}
        self.capped: dict[tuple[int, str], tuple[Decimal, str]] = {}

    def item(self, code: str) -> tuple:
        found = self.items.get(code)
        if found is None:
            price, points = self.policy.prices.get(code, (Decimal(0), Decimal(0)))
            found = self.items[code] = (
                price,
                points,
                str(price),
                str(points),
                self.policy.item_names.get(code, code),
                price.as_tuple().exponent == -2,
            )
        return found

    def capped_amount(self, quota: int, code: str, cap: Decimal, price: Decimal) -> tuple[Decimal, str]:
        """cap × price and its string (many clinics share a quota, so many items share this amount). A cap with a
        fraction can give an amount finer than the fen: it is shown exactly, so the items add up to the subtotal
        the coefficient multiplies, and the line is rounded once."""
        found = self.capped.get((quota, code))
        if found is None:
            amount = cap * price
            in_fen = money(amount)
            found = self.capped[(quota, code)] = (amount, str(in_fen) if amount == in_fen else plain(amount))
        return found

    def cap(self, quota: int) -> tuple[Decimal, str]:
        found = self.caps.get(quota)
        if found is None:
            cap = Decimal(quota) * self.cap_factor
            found = self.caps[quota] = (cap, plain(cap))
        return found


def _unit_price_amount(
    clinic: ClinicInputs, policy: PolicyInputs, coefficient: Decimal, prepared: _Prepared | None = None
) -> tuple[Decimal, list, Decimal]:
    """(the public-health amount in fen, the item rows, the exact sum of the items before the coefficients)."""
    prepared = prepared or _Prepared(policy)
    rows, raw = [], Decimal(0)
    check_gap = policy.gap_tolerance is not None
    items = clinic.items
    for code in sorted(items):
        figures = items[code]
        declared, verified, quota = figures
        price, _points, price_s, _points_s, name, in_fen = prepared.item(code)
        cap, cap_s = prepared.cap(quota)
        capped = False
        counted: int | Decimal
        if not quota:
            counted, counted_s = 0, "0"
        elif verified <= cap:
            counted, counted_s = verified, str(verified)
        else:
            counted, counted_s, capped = cap, cap_s, True
        excluded = check_gap and _gap_excluded(figures, policy)
        if excluded:
            amount, amount_s = ZERO, "0.00"
        elif capped:
            amount, amount_s = prepared.capped_amount(quota, code, cap, price)
        else:
            amount = counted * price  # a whole count times a price in fen is already in fen: nothing to round
            amount_s = str(amount) if in_fen else str(money(amount))
        raw += amount
        rows.append(
            {
                "item": code,
                "name": name,
                "declared": declared,
                "verified": verified,
                "quota": quota,
                "cap": cap_s,
                "counted": counted_s,
                "price": price_s,
                "amount": amount_s,
                "excluded": excluded,
            }
        )
    equity = _equity(clinic, policy)
    return money(raw * coefficient * equity), rows, raw


def _work_points(
    clinic: ClinicInputs, policy: PolicyInputs, coefficient: Decimal, prepared: _Prepared | None = None
) -> tuple[Decimal, list, Decimal]:
    """(the corrected points, the item rows, the points before the coefficients)."""
    prepared = prepared or _Prepared(policy)
    rows, raw = [], Decimal(0)
    check_gap = policy.gap_tolerance is not None
    for code in sorted(clinic.items):
        figures = clinic.items[code]
        _price, points, _price_s, points_s, name, _in_fen = prepared.item(code)
        excluded = check_gap and _gap_excluded(figures, policy)
        item_points = Decimal(0) if excluded else figures.verified * points
        raw += item_points
        rows.append(
            {
                "item": code,
                "name": name,
                "declared": figures.declared,
                "verified": figures.verified,
                "quota": figures.quota,
                "points_each": points_s,
                "points": plain(item_points),
                "excluded": excluded,
            }
        )
    return raw * coefficient * _equity(clinic, policy), rows, raw


def _drug_subsidy(clinic: ClinicInputs, policy: PolicyInputs) -> tuple[Decimal, str]:
    f = policy.period_fraction
    if policy.drug_method == "per_resident":
        return money(
            policy.drug_amount * clinic.population * f
        ), f"{policy.drug_amount} 元/人 × {clinic.population} 人 × {f.normalize()}"
    if policy.drug_method == "per_clinic":
        return money(policy.drug_amount * f), f"{policy.drug_amount} 元/室 × {f.normalize()}"
    if policy.drug_method == "per_doctor":
        return money(
            policy.drug_amount * clinic.doctors * f
        ), f"{policy.drug_amount} 元/人 × {clinic.doctors} 名医生 × {f.normalize()}"
    if policy.drug_method == "markup_rate":
        return money(
            clinic.drug.purchase_value * policy.drug_amount
        ), f"采购额 {clinic.drug.purchase_value} 元 × 原加成率 {policy.drug_amount}"
    raise ValueError(policy.drug_method)


def compute(policy: PolicyInputs, clinics: list[ClinicInputs]) -> tuple[list[LineResult], dict]:
    """All lines of a run, and the run's totals. Clinics are processed in the given order."""
    coefficients = {c.clinic_id: quality_coefficient(c.score, policy) for c in clinics}
    prepared = _Prepared(policy)
    public_health: dict[int, Decimal] = {}
    item_rows: dict[int, list] = {}
    raw: dict[int, Decimal] = {}  # per clinic: the items' exact sum (unit price) or points (work points)
    pool_info = {}
    if policy.method == "work_points":
        population = sum(c.population for c in clinics)
        pool = money(policy.per_capita_rate * policy.village_share * population * policy.period_fraction)
        points = {}
        for clinic in clinics:
            points[clinic.clinic_id], item_rows[clinic.clinic_id], raw[clinic.clinic_id] = _work_points(
                clinic, policy, coefficients[clinic.clinic_id], prepared
            )
        parts = split_exactly(pool, [points[c.clinic_id] for c in clinics])
        total_points = sum(points.values(), Decimal(0))
        for clinic, part in zip(clinics, parts, strict=True):
            public_health[clinic.clinic_id] = part
        pool_info = {
            "pool": str(pool),
            "population": population,
            "total_points": plain(total_points),
            "formula": f"{policy.per_capita_rate} 元/人 × 村级比例 {policy.village_share} × {population} 人 × {policy.period_fraction.normalize()}",
            "per_capita_rate": str(policy.per_capita_rate),
            "village_share": str(policy.village_share),
        }
    else:
        for clinic in clinics:
            public_health[clinic.clinic_id], item_rows[clinic.clinic_id], raw[clinic.clinic_id] = _unit_price_amount(
                clinic, policy, coefficients[clinic.clinic_id], prepared
            )
        points = {}

    # The policy's figures every line's explanation repeats, written once per run (a province run has tens of thousands of lines).
    policy_facts = {
        "method": policy.method,
        "threshold": str(policy.quality_threshold),
        "pool": pool_info or None,
        "drug_method": policy.drug_method,
        "violation_deduction": str(policy.violation_deduction),
        "advance_schedule": policy.advance_schedule,
        "bands": [[plain(Decimal(str(band[0]))), plain(Decimal(str(band[1]))), *band[2:3]] for band in _bands(policy)],
        "gap_tolerance": None if policy.gap_tolerance is None else plain(policy.gap_tolerance),
        "quota_cap": plain(policy.quota_cap),
        "period_fraction": plain(policy.period_fraction),
        "drug_amount": str(policy.drug_amount),
    }
    lines = []
    for clinic in clinics:
        drug, drug_formula = _drug_subsidy(clinic, policy)
        deductions = money(policy.violation_deduction * clinic.drug.violation_count)
        lines.append(
            LineResult(
                clinic_id=clinic.clinic_id,
                public_health=public_health[clinic.clinic_id],
                drug_subsidy=drug,
                deductions=deductions,
                advances=money(clinic.advances),
                balance=ZERO,
                explanation={
                    **policy_facts,
                    "clinic": clinic.name,
                    "score": None if clinic.score is None else str(clinic.score),
                    "coefficient": str(coefficients[clinic.clinic_id]),
                    "remote": clinic.remote,
                    "equity": str(_equity(clinic, policy)),
                    "items": item_rows[clinic.clinic_id],
                    "points": plain(points.get(clinic.clinic_id, Decimal(0))) if points else None,
                    "population": clinic.population,
                    "doctors": clinic.doctors,
                    "drug_formula": drug_formula,
                    "drug_basis": {
                        "purchase_value": str(clinic.drug.purchase_value),
                        "sales_value": str(clinic.drug.sales_value),
                        "overcharge_total": str(clinic.drug.overcharge_total),
                        "violation_count": clinic.drug.violation_count,
                    },
                    "advance_rows": [
                        {"paid_on": paid_on, "amount": str(amount), "reference": reference, "scheduled": scheduled}
                        for paid_on, amount, reference, scheduled in clinic.advance_rows
                    ],
                    # What the plain-language explanation (subsidies.explaining) needs beyond the figures above.
                    "subtotal": plain(raw[clinic.clinic_id]) if policy.method != "work_points" else None,
                    "raw_points": plain(raw[clinic.clinic_id]) if policy.method == "work_points" else None,
                    "pool_part": str(public_health[clinic.clinic_id]) if pool_info else None,
                },
            )
        )

    scale = None
    gross = [line.public_health + line.drug_subsidy for line in lines]
    if policy.budget_cap is not None and sum(gross, Decimal(0)) > policy.budget_cap:
        scale = policy.budget_cap / sum(gross, Decimal(0))
        scaled = split_exactly(policy.budget_cap, gross)
        for line, before, after in zip(lines, gross, scaled, strict=True):
            # Both parts shrink by the same ratio; the public-health part absorbs the fen so the line adds up.
            drug_scaled = min(after, money(line.drug_subsidy * scale))
            line.explanation["budget"] = {
                "cap": str(policy.budget_cap),
                "before": str(before),
                "after": str(after),
                "ratio": str(scale.quantize(Decimal("0.000001"))),
            }
            line.public_health, line.drug_subsidy = after - drug_scaled, drug_scaled
    for line in lines:
        line.balance = line.public_health + line.drug_subsidy - line.deductions - line.advances
        line.explanation["balance"] = str(line.balance)

    totals = {
        "public_health": sum((x.public_health for x in lines), ZERO),
        "drug": sum((x.drug_subsidy for x in lines), ZERO),
        "deductions": sum((x.deductions for x in lines), ZERO),
        "advances": sum((x.advances for x in lines), ZERO),
        "balance": sum((x.balance for x in lines), ZERO),
        "scale": scale,
        "pool": pool_info or None,
    }
    return lines, totals


# --------------------------------------------------------------------------- advance schedule (预拨)


@dataclass(frozen=True)
class AdvanceSchedule:
    """A policy's advance schedule. ``quarterly_share``: each quarter, a share of the advance basis
    人均补助标准 × 村级任务比例 × 服务人口; ``monthly_fixed``: a fixed amount per clinic each month."""

    method: str  # none | quarterly_share | monthly_fixed
    per_capita_rate: Decimal = ZERO
    village_share: Decimal = ZERO
    quarter_shares: tuple = (ZERO, ZERO, ZERO, ZERO)
    monthly_amount: Decimal = ZERO

    def as_dict(self) -> dict | None:
        """What a settlement line's explanation shows about the schedule (None: no schedule)."""
        if self.method == "none":
            return None
        return {
            "method": self.method,
            "per_capita_rate": str(self.per_capita_rate),
            "village_share": str(self.village_share),
            "quarter_shares": [str(s) for s in self.quarter_shares],
            "quarter_percents": [format((Decimal(s) * 100).normalize(), "f") for s in self.quarter_shares],
            "monthly_amount": str(money(self.monthly_amount)),
        }


def scheduled_advances(
    schedule: AdvanceSchedule, *, populations: list[int], quarter: int | None = None, month: int | None = None
) -> tuple[Decimal, list[Decimal], str]:
    """The schedule amount of one period for a county, and each clinic's part (in the given order).

    Quarterly share: the county's amount is 人均补助标准 × 村级任务比例 × Σ 服务人口 × the quarter's share,
    rounded ROUND_HALF_UP to the fen once, then split by population with the largest remainder, so the parts
    add up to it exactly. Monthly fixed: every clinic gets the monthly amount; the total is their sum."""
    if schedule.method == "quarterly_share":
        if quarter is None or not 1 <= quarter <= 4:
            raise ValueError("quarterly_share needs a quarter 1-4")
        share = Decimal(schedule.quarter_shares[quarter - 1])
        population = sum(populations)
        pool = money(schedule.per_capita_rate * schedule.village_share * population * share)
        formula = (
            f"{schedule.per_capita_rate} 元/人 × 村级比例 {schedule.village_share} × {population} 人 × "
            f"第{quarter}季度比例 {share.normalize()} = {pool} 元，按服务人口分配"
        )
        return pool, split_exactly(pool, [Decimal(p) for p in populations]), formula
    if schedule.method == "monthly_fixed":
        if month is None or not 1 <= month <= 12:
            raise ValueError("monthly_fixed needs a month 1-12")
        each = money(schedule.monthly_amount)
        parts = [each for _p in populations]
        total = sum(parts, ZERO)
        return total, parts, f"{each} 元/室 × {len(parts)} 个村卫生室 = {total} 元"
    raise ValueError(schedule.method)
