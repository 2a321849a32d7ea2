"""A settlement line told in plain Chinese, sentence by sentence, for the doctor's portal page, the staff
admin page and the PDF statement alike (one source, so the three never disagree).

Pure: the input is the explanation the calculation stored on the line (``subsidies.calculation.compute``) and
the line's amounts, plus the assessment facts a selector read (``ScoreFacts``). Every sentence shows its
arithmetic with the figures of the line ("54 × 12.50 元 = 675.00 元"), and a zero always says why, each reason on
its own (no assessment, below the pass line, no price, no quota, a verification gap), never "A 或 B".

Runs stored before a figure was recorded (the subtotal, the bands…) are still explained, with the figures they
have: the sentence then states the result without the step it cannot show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import overload

from django.utils.translation import gettext as _

from subsidies.calculation import money, plain

FEN = Decimal("0.01")


def yuan(value) -> str:
    """An amount in 元 with two places, never "-0.00"."""
    amount = money(value)
    return str(amount.copy_abs() if amount == 0 else amount)


def number(value) -> str:
    """A figure as people write it: 120.00 → "120", 0.875 → "0.875"."""
    return plain(Decimal(str(value)))


@overload
def _decimal(value, default: Decimal) -> Decimal: ...
@overload
def _decimal(value, default: None = None) -> Decimal | None: ...
def _decimal(value, default: Decimal | None = None) -> Decimal | None:
    if value is None or value == "":
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return default


def _period(fraction: Decimal | None) -> str:
    """The period's share of the year's rates and quotas, as a factor to append ("" for a year)."""
    if fraction is None or fraction == 1:
        return ""
    if fraction == Decimal("0.25"):
        return _(" × 1/4（一个季度）")
    return " × " + number(fraction)


def _exactly(exact: Decimal, rounded: Decimal) -> str:
    """ "1861.80 元", or the exact product and its rounding when the product is finer than the fen."""
    if exact == rounded:
        return _("%(a)s 元") % {"a": yuan(rounded)}
    return _("%(exact)s 元，四舍五入到分为 %(a)s 元") % {"exact": number(exact), "a": yuan(rounded)}


@dataclass(frozen=True)
class ItemLine:
    """One service item: its name, the sentence that explains it and what it brings (元, or 工分)."""

    name: str
    sentence: str
    amount: str
    counts: bool  # False: the item brings nothing, and the sentence says why


@dataclass(frozen=True)
class EntryFacts:
    """One scored item of a submitted assessment that lost points (read by a selector)."""

    name: str
    mode: str
    max_points: Decimal
    deduction: Decimal
    score: Decimal
    reason: str = ""
    per_occurrence: Decimal = Decimal(0)
    occurrences: int = 0
    doubled_occurrences: int = 0
    achieved: Decimal | None = None
    target: Decimal = Decimal(1)
    manual_score: Decimal | None = None
    satisfaction_rate: Decimal | None = None
    county_average: Decimal | None = None
    lower_is_better: bool = False
    indicator: str = ""  # a rate's numerator: the service item code
    denominator_label: str = ""
    due: int | None = None  # a yearly minimum: how many were due by the quarter's end
    override_score: Decimal | None = None
    override_reason: str = ""


@dataclass(frozen=True)
class QuarterFacts:
    quarter: int
    total_score: Decimal
    entries: tuple[EntryFacts, ...] = ()


@dataclass(frozen=True)
class ScoreFacts:
    """The submitted assessments behind a line's score: one quarter, or the quarters a year's mean is taken of."""

    yearly: bool
    quarters: tuple[QuarterFacts, ...] = ()


@dataclass(frozen=True)
class ScoreDetail:
    """A sentence about the score, and the items that lost points under it (one per line)."""

    text: str
    items: tuple[str, ...] = ()


@dataclass
class Explanation:
    quality: list[str] = field(default_factory=list)
    score_details: list[ScoreDetail] = field(default_factory=list)
    method: str = ""
    items: list[ItemLine] = field(default_factory=list)
    subtotal: list[str] = field(default_factory=list)
    pool: list[str] = field(default_factory=list)
    budget: str = ""
    drug: list[str] = field(default_factory=list)
    deductions: list[str] = field(default_factory=list)
    result: list[str] = field(default_factory=list)
    recovery: bool = False  # the balance is negative: money to recover, shown without its sign
    balance_shown: str = "0.00"


def _band_for(score: Decimal, bands: list) -> list | None:
    """The stored band (highest minimum first, [minimum, share] or [minimum, share, grade]) a score falls in."""
    for band in bands:
        if score >= Decimal(band[0]):
            return band
    return None


@dataclass(frozen=True)
class Grade:
    """A line's grade (等级) as the run's table shows it; ``rectify``: the clinic is named for rectification
    (below the pass line or the lowest band, or in a band that pays nothing)."""

    label: str
    rectify: bool = False


def grade(x: dict) -> Grade:
    """The grade of a line from its stored explanation: the band's name when the policy names its bands."""
    if x.get("score") is None:
        return Grade(_("未考核"))
    score = _decimal(x["score"], Decimal(0))
    if score < _decimal(x.get("threshold"), Decimal(0)):
        return Grade(_("未达合格线"), rectify=True)
    bands = x.get("bands") or []
    band = _band_for(score, bands)
    if band is not None:
        return Grade(band[2] if len(band) > 2 else "", rectify=Decimal(band[1]) == 0)
    if bands:
        return Grade(_("低于最低一档"), rectify=True)
    return Grade("")


def explain(*, x: dict, line, score_facts: ScoreFacts | None = None) -> Explanation:
    """The line ``line`` (public_health, drug_subsidy, deductions, advances, balance) with its stored
    explanation ``x``, as sentences."""
    e = Explanation()
    coefficient = _decimal(x.get("coefficient"), Decimal(0))
    equity = _decimal(x.get("equity"), Decimal(1)) if x.get("remote") else Decimal(1)
    e.quality = _quality(x, coefficient)
    if x.get("remote"):
        e.quality.append(_("本室地处偏远，另乘偏远地区系数 %(e)s。") % {"e": number(equity)})
    e.score_details = score_sentences(score_facts) if score_facts else []
    if x.get("method") == "work_points":
        e.method = _("按工分分配：本室每项核实数 × 每项工分，合计后乘以质量系数，再按工分占全县的比例分得资金池。")
        e.items = [_work_points_item(r, x) for r in x.get("items", [])]
        e.subtotal, e.pool = _work_points_share(x, coefficient, equity, line)
    else:
        e.method = _("按项目单价：每项按核实数（最多到封顶数）× 单价计算，合计后乘以质量系数。")
        e.items = [_unit_price_item(r, x) for r in x.get("items", [])]
        e.subtotal = _unit_price_subtotal(x, coefficient, equity, line)
    if not e.items:
        e.subtotal.insert(0, _("本期没有任何服务项目的申报数。"))
    budget = x.get("budget")
    if budget:
        e.budget = _(
            "全县合计超过预算上限 %(cap)s 元，所有卫生室按同一比例 %(r)s 压缩（公共卫生与基本药物补助同比例）："
            "本室 %(b)s 元 → %(a)s 元。"
        ) % {"cap": budget["cap"], "r": budget["ratio"], "b": budget["before"], "a": budget["after"]}
    e.drug = _drug(x, line)
    e.deductions = _deductions(x, line)
    e.result = _result(line)
    e.recovery = Decimal(line.balance) < 0
    e.balance_shown = yuan(abs(Decimal(line.balance)))
    return e


def _quality(x: dict, coefficient: Decimal) -> list[str]:
    threshold = number(x.get("threshold") or 0)
    if x.get("score") is None:
        return [_("本期没有考核结果，质量系数为 0，所以公共卫生服务补助为 0。")]
    score = _decimal(x["score"], Decimal(0))
    values = {"s": number(score), "t": threshold, "c": number(coefficient)}
    if score < Decimal(threshold):
        return [_("考核得分 %(s)s 分，低于合格线 %(t)s 分，质量系数为 0，所以公共卫生服务补助为 0。") % values]
    if "bands" not in x:  # a run stored before the bands were recorded
        return [_("考核得分 %(s)s 分，达到合格线 %(t)s 分，质量系数为 %(c)s。") % values]
    bands = x["bands"]
    if not bands:
        return [_("考核得分 %(s)s 分，达到合格线 %(t)s 分，质量系数 = %(s)s ÷ 100 = %(c)s。") % values]
    band = _band_for(score, bands)
    if band is not None:
        values["m"] = number(band[0])
        if len(band) > 2:
            return [
                _(
                    "考核得分 %(s)s 分，达到合格线 %(t)s 分；按政策分档，%(m)s 分及以上为“%(g)s”，"
                    "按 %(c)s 的比例拨付（质量系数 %(c)s）。"
                )
                % {**values, "g": band[2]}
            ]
        return [_("考核得分 %(s)s 分，达到合格线 %(t)s 分；按政策分档，%(m)s 分及以上的质量系数为 %(c)s。") % values]
    return [
        _(
            "考核得分 %(s)s 分，达到合格线 %(t)s 分，但低于政策分档的最低一档 %(m)s 分，质量系数为 0，"
            "所以公共卫生服务补助为 0。"
        )
        % {**values, "m": number(Decimal(bands[-1][0]))}
    ]


def _head(r: dict) -> str:
    return _("申报 %(d)s，核实 %(v)s") % {"d": r["declared"], "v": r["verified"]}


def _gap_reason(r: dict, x: dict) -> str:
    declared, verified = Decimal(r["declared"]), Decimal(r["verified"])
    gap = ((declared - verified) / declared * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    tolerance = _decimal(x.get("gap_tolerance"))
    if tolerance is None:
        return _("核实差异 %(g)s%%，超过政策允许的差异") % {"g": number(gap)}
    return _("核实差异 %(g)s%%，超过允许的 %(t)s%%") % {"g": number(gap), "t": number(tolerance * 100)}


def _nothing(r: dict, reasons: list[str], *, points: bool) -> ItemLine | None:
    """The item when it brings nothing, with why (its reasons, nothing declared, nothing verified); None when it
    counts. ``points``: a work-points item (工分), else a unit-price item (元)."""
    zero = "0" if points else "0.00"
    if reasons:
        tail = _("，本项不计工分。") if points else _("，本项不计补助。")
        return ItemLine(r["name"], _head(r) + _("；") + _("；").join(reasons) + tail, zero, False)
    if not r["declared"]:
        return ItemLine(
            r["name"], _("本期没有申报，本项为 0 工分。") if points else _("本期没有申报，本项为 0。"), zero, False
        )
    if not r["verified"]:
        tail = _("，没有核实数，本项为 0 工分。") if points else _("，没有核实数，本项为 0。")
        return ItemLine(r["name"], _head(r) + tail, zero, False)
    return None


def _unit_price_item(r: dict, x: dict) -> ItemLine:
    reasons = [_gap_reason(r, x)] if r.get("excluded") else []
    if _decimal(r.get("price"), Decimal(0)) == 0:
        reasons.append(_("政策没有为本项定单价"))
    if not r.get("quota"):
        reasons.append(_("本年度没有给本室下达本项任务数"))
    nothing = _nothing(r, reasons, points=False)
    if nothing is not None:
        return nothing
    amount = r.get("amount") or "0.00"
    values = {"v": r["verified"], "p": r["price"], "a": amount, "cap": r["cap"], "q": r["quota"]}
    if str(r["counted"]) != str(r["verified"]):
        if x.get("quota_cap") is None:
            capped = _("，超过封顶数 %(cap)s（年度任务数 × 封顶倍数），按 %(cap)s 计：") % values
        else:
            capped = _("，超过封顶数：年度任务 %(q)s × 封顶倍数 %(k)s%(period)s = %(cap)s，按 %(cap)s 计：") % {
                **values,
                "k": x["quota_cap"],
                "period": _period(_decimal(x.get("period_fraction"))),
            }
        sentence = _head(r) + capped + _("%(cap)s × %(p)s 元 = %(a)s 元。") % values
    else:
        sentence = _head(r) + _("，按核实数计：%(v)s × %(p)s 元 = %(a)s 元。") % values
    return ItemLine(r["name"], sentence, amount, True)


def _work_points_item(r: dict, x: dict) -> ItemLine:
    reasons = [_gap_reason(r, x)] if r.get("excluded") else []
    if _decimal(r.get("points_each"), Decimal(0)) == 0:
        reasons.append(_("政策没有为本项定工分"))
    nothing = _nothing(r, reasons, points=True)
    if nothing is not None:
        return nothing
    sentence = _head(r) + _("，%(v)s × 每项 %(e)s 工分 = %(p)s 工分。") % {
        "v": r["verified"],
        "e": r["points_each"],
        "p": r["points"],
    }
    return ItemLine(r["name"], sentence, r["points"], True)


def _remote_factor(x: dict, equity: Decimal) -> str:
    """ " × 偏远地区系数 1.1" for a remote clinic, else nothing: the factor the subtotals multiply by."""
    return _(" × 偏远地区系数 %(e)s") % {"e": number(equity)} if x.get("remote") else ""


def _unit_price_subtotal(x: dict, coefficient: Decimal, equity: Decimal, line) -> list[str]:
    subtotal = _decimal(x.get("subtotal"))
    if subtotal is None:
        return [_("各项合计后乘以质量系数，公共卫生服务补助为 %(r)s 元。") % {"r": yuan(line.public_health)}]
    exact = subtotal * coefficient * equity
    return [
        _("各项合计 %(sub)s 元 × 质量系数 %(c)s%(remote)s = %(r)s。")
        % {
            "sub": number(subtotal),
            "c": number(coefficient),
            "remote": _remote_factor(x, equity),
            "r": _exactly(exact, money(exact)),
        }
    ]


def _work_points_share(x: dict, coefficient: Decimal, equity: Decimal, line) -> tuple[list[str], list[str]]:
    pool = x.get("pool") or {}
    points = _decimal(x.get("points"), Decimal(0))
    raw = _decimal(x.get("raw_points"))
    subtotal = []
    if raw is not None:
        subtotal.append(
            _("本室工分合计 %(raw)s × 质量系数 %(c)s%(remote)s = 修正后工分 %(p)s。")
            % {"raw": number(raw), "c": number(coefficient), "remote": _remote_factor(x, equity), "p": number(points)}
        )
    else:
        subtotal.append(_("本室修正后工分 %(p)s（核实数 × 每项工分 × 质量系数）。") % {"p": number(points)})
    pool_amount = _decimal(pool.get("pool"), Decimal(0))
    total = _decimal(pool.get("total_points"), Decimal(0))
    sentences = []
    if pool.get("per_capita_rate") is not None:
        sentences.append(
            _(
                "全县资金池 = 人均补助标准 %(rate)s 元 × 村级任务比例 %(share)s × 全县服务人口 %(n)s 人%(period)s"
                " = %(pool)s 元。"
            )
            % {
                "rate": pool["per_capita_rate"],
                "share": pool["village_share"],
                "n": pool.get("population", 0),
                "period": _period(_decimal(x.get("period_fraction"))),
                "pool": yuan(pool_amount),
            }
        )
    else:
        sentences.append(
            _("全县资金池 = %(f)s = %(pool)s 元。") % {"f": pool.get("formula", ""), "pool": yuan(pool_amount)}
        )
    sentences.append(_("全县各村卫生室修正后工分合计 %(t)s。") % {"t": number(total)})
    if total == 0 or points == 0:
        if total == 0:
            sentences.append(_("全县修正后工分合计为 0，资金池没有可以分配的工分，本项为 0。"))
        else:
            sentences.append(_("本室修正后工分为 0，分不到资金池的钱。"))
        return subtotal, sentences
    exact = pool_amount * points / total
    floor = exact.quantize(FEN, rounding=ROUND_DOWN)
    part = _decimal(x.get("pool_part"))
    if part is None and not x.get("budget"):
        part = Decimal(line.public_health)
    values = {"pool": yuan(pool_amount), "p": number(points), "t": number(total), "f": yuan(floor)}
    if exact == floor:
        sentences.append(_("本室分得：%(pool)s 元 × %(p)s ÷ %(t)s = %(f)s 元。") % values)
    else:
        values["x"] = number(exact.quantize(Decimal("0.0001"), rounding=ROUND_DOWN))
        sentences.append(_("本室分得：%(pool)s 元 × %(p)s ÷ %(t)s ≈ %(x)s 元，先按分舍去零头，得 %(f)s 元。") % values)
        if part is not None and part > floor:
            sentences.append(
                _(
                    "各室舍去的零头合起来还剩几分钱，按“最大余数法”每次 0.01 元分给零头最大的卫生室，"
                    "本室多得 %(extra)s 元，合计 %(part)s 元。"
                )
                % {"extra": yuan(part - floor), "part": yuan(part)}
            )
    return subtotal, sentences


def _drug(x: dict, line) -> list[str]:
    method = x.get("drug_method")
    amount = _decimal(x.get("drug_amount"))
    basis = x.get("drug_basis") or {}
    purchases = _decimal(basis.get("purchase_value"), Decimal(0))
    fraction = _decimal(x.get("period_fraction"), Decimal(1))
    sentences = []
    if amount is None:  # a run stored before the standard was recorded on its own
        sentences.append(
            _("基本药物补助：%(f)s = %(r)s 元。") % {"f": x.get("drug_formula", ""), "r": yuan(line.drug_subsidy)}
        )
    elif method in ("per_resident", "per_doctor"):
        # so much per served resident, or per village doctor at work
        per_resident = method == "per_resident"
        count = int(x.get("population" if per_resident else "doctors") or 0)
        template = (
            _("基本药物补助：%(a)s 元/人·年 × 服务人口 %(n)s 人%(period)s = %(r)s 元。")
            if per_resident
            else _("基本药物补助：%(a)s 元/人·年 × 在岗乡村医生 %(n)s 名%(period)s = %(r)s 元。")
        )
        sentences.append(
            template % {"a": amount, "n": count, "period": _period(fraction), "r": yuan(amount * count * fraction)}
        )
        if not count:
            sentences.append(
                _("本年度没有登记本室的服务人口，所以本项为 0。")
                if per_resident
                else _("本室没有登记在岗的乡村医生，所以本项为 0。")
            )
    elif method == "per_clinic":
        sentences.append(
            _("基本药物补助：%(a)s 元/室·年%(period)s = %(r)s 元。")
            % {"a": amount, "period": _period(fraction), "r": yuan(amount * fraction)}
        )
    else:
        sentences.append(
            _("基本药物补助：本期药品采购额 %(p)s 元 × 原加成率 %(a)s = %(r)s 元。")
            % {"p": yuan(purchases), "a": number(amount), "r": yuan(purchases * amount)}
        )
        if not purchases:
            sentences.append(_("本期没有药品采购记录，所以本项为 0。"))
    sentences.append(
        _("本期药品采购额 %(p)s 元，销售额 %(s)s 元。")
        % {"p": yuan(purchases), "s": yuan(_decimal(basis.get("sales_value"), Decimal(0)))}
    )
    return sentences


def _deductions(x: dict, line) -> list[str]:
    basis = x.get("drug_basis") or {}
    count = int(basis.get("violation_count") or 0)
    each = _decimal(x.get("violation_deduction"), Decimal(0))
    values = {"n": count, "o": yuan(_decimal(basis.get("overcharge_total"), Decimal(0))), "d": yuan(each)}
    if not count:
        return [_("本期没有发现加价销售药品，不扣款。")]
    if not each:
        return [_("本期加价销售药品 %(n)s 次（多收 %(o)s 元），政策没有规定扣款，不扣款。") % values]
    return [
        _("本期加价销售药品 %(n)s 次（多收 %(o)s 元），每次扣 %(d)s 元：%(n)s × %(d)s 元 = %(t)s 元。")
        % {**values, "t": yuan(line.deductions)}
    ]


def _result(line) -> list[str]:
    sentences = [
        _("公共卫生服务补助 %(ph)s 元 + 基本药物补助 %(dr)s 元 − 扣款 %(de)s 元 − 已预拨 %(ad)s 元 = %(b)s 元。")
        % {
            "ph": yuan(line.public_health),
            "dr": yuan(line.drug_subsidy),
            "de": yuan(line.deductions),
            "ad": yuan(line.advances),
            "b": yuan(line.balance),
        }
    ]
    if line.balance < 0:
        sentences.append(
            _("结果是负数：本期应追回 %(b)s 元，将在下期结算中扣回。") % {"b": yuan(-Decimal(line.balance))}
        )
    return sentences


# --------------------------------------------------------------------------- the assessment behind the score


def score_sentences(facts: ScoreFacts) -> list[ScoreDetail]:
    """How the score came about: each quarter's score and every item that lost points, with its reason."""
    details = []
    if facts.yearly and facts.quarters:
        scores = [q.total_score for q in facts.quarters]
        mean = (sum(scores, Decimal(0)) / len(scores)).quantize(FEN, rounding=ROUND_HALF_UP)
        details.append(
            ScoreDetail(
                _("全年考核得分是各季度得分的平均：(%(parts)s) ÷ %(n)s = %(s)s 分。")
                % {"parts": " + ".join(number(s) for s in scores), "n": len(scores), "s": number(mean)}
            )
        )
    for quarter in facts.quarters:
        lost = tuple(entry_sentence(entry) for entry in quarter.entries)
        values = {"q": quarter.quarter, "s": number(quarter.total_score)}
        if lost:
            details.append(ScoreDetail(_("第%(q)s季度考核 %(s)s 分，扣分的项目：") % values, lost))
        else:
            details.append(ScoreDetail(_("第%(q)s季度考核 %(s)s 分，没有扣分的项目。") % values))
    return details


def entry_sentence(entry: EntryFacts) -> str:
    """One item that lost points: how many, how the points were worked out, and the assessor's reason."""
    values = {
        "item": entry.name,
        "d": number(entry.deduction),
        "max": number(entry.max_points),
        "per": number(entry.per_occurrence),
        "n": entry.occurrences,
        "dn": entry.doubled_occurrences,
    }
    if entry.mode == "deduction":
        text = _("%(item)s：发现问题 %(n)s 次，每次扣 %(per)s 分") % values
        if entry.doubled_occurrences:
            text += _("，另有 %(dn)s 项复查仍未整改，加倍扣分") % values
        text += _("，扣 %(d)s 分（本项最多扣 %(max)s 分）") % values
    elif entry.override_score is not None:
        text = _("%(item)s：考核人评定本项得 %(s)s 分（满分 %(max)s 分），扣 %(d)s 分") % {
            **values,
            "s": number(entry.override_score),
        }
        if entry.override_reason:
            text += _("，评定理由：%(r)s") % {"r": entry.override_reason}
    elif entry.mode in ("indicator", "rate") and entry.achieved is not None:
        percents = {
            **values,
            "a": number((entry.achieved * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
            "t": number(entry.target * 100),
            "s": number(entry.score),
        }
        if entry.mode == "rate":
            text = _("%(item)s：%(code)s 核实数 ÷ %(den)s = %(a)s%%") % {
                **percents,
                "code": entry.indicator,
                "den": entry.denominator_label,
            }
        else:
            text = _("%(item)s：完成 %(a)s%%") % percents
        if entry.lower_is_better:
            text += _("，越低越好，目标不超过 %(t)s%%，得 %(max)s × 目标 ÷ 实际 = %(s)s 分，扣 %(d)s 分") % percents
        else:
            text += _("，目标 %(t)s%%，得 %(max)s × 完成 ÷ 目标 = %(s)s 分，扣 %(d)s 分") % percents
    elif entry.mode == "minimum" and entry.achieved is not None and entry.due is not None:
        text = _(
            "%(item)s：全年至少 %(n)s 次，到本季度末应完成 %(due)s 次，实际完成 %(done)s 次，少 %(short)s 次，"
            "每少一次扣 %(per)s 分，扣 %(d)s 分（本项最多扣 %(max)s 分）"
        ) % {
            **values,
            "n": number(entry.target),
            "due": entry.due,
            "done": number(entry.achieved),
            "short": max(0, entry.due - int(entry.achieved)),
        }
    elif entry.mode == "complaints":
        text = _("%(item)s：本季度属实投诉 %(n)s 件，每件扣 %(per)s 分，扣 %(d)s 分（本项最多扣 %(max)s 分）") % values
    elif entry.mode == "pass_fail":
        text = _("%(item)s：未达标，扣 %(d)s 分") % values
    elif entry.mode == "manual" and entry.manual_score is not None:
        text = _("%(item)s：人工评分 %(s)s 分（满分 %(max)s 分），扣 %(d)s 分") % {
            **values,
            "s": number(entry.manual_score),
        }
    elif entry.mode == "satisfaction" and entry.satisfaction_rate is not None and entry.county_average is not None:
        text = _(
            "%(item)s：本室满意度 %(r)s%%，全县平均 %(a)s%%，每低 1 个百分点扣 %(per)s 分，扣 %(d)s 分（本项最多扣 %(max)s 分）"
        ) % {
            **values,
            "r": number((entry.satisfaction_rate * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
            "a": number((entry.county_average * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
        }
    else:
        text = _("%(item)s：扣 %(d)s 分") % values
    if entry.reason:
        text += _("，理由：%(r)s") % {"r": entry.reason}
    return text


def item_rule(item) -> str:
    """How a score-sheet item is scored, in one sentence with its parameters: written beside the item on the
    sheet list, the score page and the sheet's export. ``item``: a ScoreItem (its fields only are read)."""
    values = {
        "max": number(item.max_points),
        "per": number(item.points_per_occurrence),
        "t": number(item.target * 100),
        "n": number(item.target),
    }
    mode = item.mode
    if mode == "deduction":
        return _("每发现一次扣 %(per)s 分，扣完 %(max)s 分为止") % values
    if mode in ("indicator", "rate"):
        if mode == "rate":
            values["part"] = _("比率 = %(code)s 本年累计核实数 ÷ %(den)s") % {
                "code": item.indicator,
                "den": item.get_denominator_display(),
            }
        elif item.indicator in ("", "all"):
            values["part"] = _("完成率 = 全部服务项目核实数 ÷ 到期任务数")
        else:
            values["part"] = _("完成率 = %(code)s 核实数 ÷ 到期任务数") % {"code": item.indicator}
        if item.lower_is_better:
            return _("%(part)s；越低越好：不超过 %(t)s%% 得满分 %(max)s 分，超过时得 %(max)s × 目标 ÷ 实际") % values
        return _("%(part)s；达到 %(t)s%% 得满分 %(max)s 分，不足时得 %(max)s × 实际 ÷ 目标") % values
    if mode == "complaints":
        values["kinds"] = item.get_complaint_kind_display() if item.indicator else _("各类")
        return _("%(kinds)s投诉经核实属实的，每件扣 %(per)s 分，扣完 %(max)s 分为止（按投诉登记自动计算）") % values
    if mode == "pass_fail":
        return _("达标得 %(max)s 分，不达标得 0 分") % values
    if mode == "manual":
        return _("考核人评分，0 到 %(max)s 分") % values
    if mode == "satisfaction":
        return _("群众满意度低于全县平均，每低 1 个百分点扣 %(per)s 分，扣完 %(max)s 分为止") % values
    if mode == "minimum":
        return (
            _(
                "全年至少 %(n)s 次（每季度末按 次数 × 季度 ÷ 4 向上取整计应完成数），每少一次扣 %(per)s 分，扣完 %(max)s 分为止"
            )
            % values
        )
    return ""
