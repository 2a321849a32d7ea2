"""A settlement line told in plain Chinese (subsidies.explaining): hand-computed sentences for each case, every
zero with its own reason, and invariants (hypothesis): the item amounts add up to the subtotal the coefficient
multiplies, and no sentence ever shows "-0.00" or "或"."""

from decimal import Decimal as D

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from subsidies.calculation import ClinicInputs, DrugFigures, ItemFigures, compute
from subsidies.explaining import (
    EntryFacts,
    Grade,
    QuarterFacts,
    ScoreDetail,
    ScoreFacts,
    entry_sentence,
    explain,
    grade,
    score_sentences,
    yuan,
)
from tests.subsidies.test_settlement_calculation import policy as calculation_policy

NAMES = {"PH01": "居民健康档案", "PH09": "高血压患者健康管理", "PH10": "糖尿病患者健康管理"}


def policy(**kw):
    """The calculation tests' policy, with item names and prices that give readable sentences."""
    return calculation_policy(
        **{"prices": {"PH09": (D("12.50"), D("2")), "PH10": (D("10.00"), D("4"))}, "item_names": NAMES, **kw}
    )


def clinic(cid=1, score=D("87"), items=None, **kw):
    items = items or {"PH09": ItemFigures(declared=60, verified=54, quota=100)}
    return ClinicInputs(clinic_id=cid, name=f"卫生室{cid}", population=1000, score=score, items=items, **kw)


def explained(p, clinics, index=0, facts=None):
    lines, _totals = compute(p, clinics)
    line = lines[index]
    with translation.override("zh-hans"):
        return explain(x=line.explanation, line=line, score_facts=facts), line


def everything(e):
    return [
        *e.quality,
        *(d.text for d in e.score_details),
        *(s for d in e.score_details for s in d.items),
        e.method,
        *(i.sentence for i in e.items),
        *e.subtotal,
        *e.pool,
        e.budget,
        *e.drug,
        *e.deductions,
        *e.result,
    ]


def test_an_item_counted_in_full_shows_its_multiplication_and_the_coefficient():
    e, line = explained(policy(), [clinic()])
    assert e.items[0].sentence == "申报 60，核实 54，按核实数计：54 × 12.50 元 = 675.00 元。"
    assert e.items[0].amount == "675.00" and e.items[0].counts
    # 675.00 × 0.87 = 587.25 exactly
    assert e.subtotal == ["各项合计 675 元 × 质量系数 0.87 = 587.25 元。"]
    assert e.quality == ["考核得分 87 分，达到合格线 60 分，质量系数 = 87 ÷ 100 = 0.87。"]
    assert line.public_health == D("587.25")


def test_a_product_finer_than_the_fen_is_shown_with_its_rounding():
    # 54 × 12.50 × 0.87 + 13 × 10 × 0.87 = (675 + 130) × 0.87 = 700.35; make it finer: score 86.5
    items = {
        "PH09": ItemFigures(declared=54, verified=54, quota=100),
        "PH10": ItemFigures(declared=13, verified=13, quota=100),
    }
    e, line = explained(policy(), [clinic(score=D("86.5"), items=items)])
    # 805 × 0.865 = 696.325 → 696.33
    assert e.subtotal == ["各项合计 805 元 × 质量系数 0.865 = 696.325 元，四舍五入到分为 696.33 元。"]
    assert line.public_health == D("696.33")


def test_a_capped_item_explains_its_cap_even_when_it_has_a_fraction():
    # a quarter: cap = 37 × 1.2 × 1/4 = 11.1; 11.1 × 12.50 = 138.75
    items = {"PH09": ItemFigures(declared=20, verified=15, quota=37)}
    e, _line = explained(policy(period_fraction=D("0.25")), [clinic(items=items)])
    assert e.items[0].sentence == (
        "申报 20，核实 15，超过封顶数：年度任务 37 × 封顶倍数 1.2 × 1/4（一个季度） = 11.1，按 11.1 计："
        "11.1 × 12.50 元 = 138.75 元。"
    )


def test_a_capped_amount_finer_than_the_fen_adds_up_to_the_subtotal_exactly():
    # cap = 37 × 1.2 × 1/4 = 11.1; 11.1 × 12.35 = 137.085 (not rounded on the item: the line is rounded once)
    items = {"PH09": ItemFigures(declared=20, verified=15, quota=37)}
    p = policy(period_fraction=D("0.25"), prices={"PH09": (D("12.35"), D("2"))})
    e, line = explained(p, [clinic(score=D("100"), items=items)])
    assert e.items[0].amount == "137.085"
    assert e.subtotal == ["各项合计 137.085 元 × 质量系数 1 = 137.085 元，四舍五入到分为 137.09 元。"]
    assert line.public_health == D("137.09")


def test_each_zero_says_its_own_reason():
    items = {
        "PH01": ItemFigures(declared=30, verified=30, quota=50),  # no price in the policy
        "PH09": ItemFigures(declared=54, verified=54, quota=0),  # no quota
        "PH10": ItemFigures(declared=60, verified=54, quota=100),  # gap 10 % > 5 %
    }
    e, _line = explained(policy(gap_tolerance=D("0.05")), [clinic(items=items)])
    sentences = {i.name: i.sentence for i in e.items}
    assert sentences["居民健康档案"] == "申报 30，核实 30；政策没有为本项定单价，本项不计补助。"
    assert sentences["高血压患者健康管理"] == "申报 54，核实 54；本年度没有给本室下达本项任务数，本项不计补助。"
    assert sentences["糖尿病患者健康管理"] == "申报 60，核实 54；核实差异 10%，超过允许的 5%，本项不计补助。"
    assert not any(i.counts for i in e.items)
    both = {"PH01": ItemFigures(declared=5, verified=5, quota=0)}
    e, _line = explained(policy(), [clinic(items=both)])
    assert e.items[0].sentence == (
        "申报 5，核实 5；政策没有为本项定单价；本年度没有给本室下达本项任务数，本项不计补助。"
    )


def test_a_gap_exactly_at_the_tolerance_still_counts():
    items = {"PH09": ItemFigures(declared=100, verified=95, quota=100)}
    e, _line = explained(policy(gap_tolerance=D("0.05")), [clinic(items=items)])
    assert e.items[0].counts and e.items[0].amount == "1187.50"


def test_the_quality_sentence_for_each_case():
    assert explained(policy(), [clinic(score=None)])[0].quality == [
        "本期没有考核结果，质量系数为 0，所以公共卫生服务补助为 0。"
    ]
    assert explained(policy(), [clinic(score=D("59.5"))])[0].quality == [
        "考核得分 59.5 分，低于合格线 60 分，质量系数为 0，所以公共卫生服务补助为 0。"
    ]
    banded = policy(quality_bands=((90, "1.0"), (80, "0.9"), (60, "0.8")))
    assert explained(banded, [clinic(score=D("80"))])[0].quality == [
        "考核得分 80 分，达到合格线 60 分；按政策分档，80 分及以上的质量系数为 0.9。"
    ]
    high_bands = policy(quality_bands=((90, "1.0"), (80, "0.9")))
    assert explained(high_bands, [clinic(score=D("70"))])[0].quality == [
        "考核得分 70 分，达到合格线 60 分，但低于政策分档的最低一档 80 分，质量系数为 0，所以公共卫生服务补助为 0。"
    ]
    remote = explained(policy(remote_coefficient=D("1.1")), [clinic(remote=True)])[0]
    assert remote.quality[-1] == "本室地处偏远，另乘偏远地区系数 1.1。"
    # 675 × 0.87 × 1.1 = 645.975 → 645.98
    assert remote.subtotal == [
        "各项合计 675 元 × 质量系数 0.87 × 偏远地区系数 1.1 = 645.975 元，四舍五入到分为 645.98 元。"
    ]


def test_a_work_points_pool_shows_the_share_and_the_fen_handed_out():
    p = policy(method="work_points", per_capita_rate=D("10"), village_share=D("0.5"))
    clinics = [clinic(cid, score=D("100")) for cid in (1, 2, 3)]
    # pool = 10 × 0.5 × 3000 = 15,000.00; each 15,000.00 × 108 ÷ 324 = 5,000.00 exactly
    e, _line = explained(p, clinics)
    assert e.items[0].sentence == "申报 60，核实 54，54 × 每项 2 工分 = 108 工分。"
    assert e.subtotal == ["本室工分合计 108 × 质量系数 1 = 修正后工分 108。"]
    assert e.pool == [
        "全县资金池 = 人均补助标准 10 元 × 村级任务比例 0.5 × 全县服务人口 3000 人 = 15000.00 元。",
        "全县各村卫生室修正后工分合计 324。",
        "本室分得：15000.00 元 × 108 ÷ 324 = 5000.00 元。",
    ]
    # 100.00 split by 108 : 108 : 108 → 33.33 each and one fen left, to the first (ties go to the earlier)
    small = policy(method="work_points", per_capita_rate=D("0.1"), village_share=D("0.33333333"))
    lines, _ = compute(small, clinics)
    pool = D(lines[0].explanation["pool"]["pool"])
    assert pool == D("100.00") and [x.public_health for x in lines] == [D("33.34"), D("33.33"), D("33.33")]
    with translation.override("zh-hans"):
        first = explain(x=lines[0].explanation, line=lines[0])
        second = explain(x=lines[1].explanation, line=lines[1])
    assert first.pool[-2] == "本室分得：100.00 元 × 108 ÷ 324 ≈ 33.3333 元，先按分舍去零头，得 33.33 元。"
    assert first.pool[-1] == (
        "各室舍去的零头合起来还剩几分钱，按“最大余数法”每次 0.01 元分给零头最大的卫生室，本室多得 0.01 元，合计 33.34 元。"
    )
    assert second.pool[-1] == "本室分得：100.00 元 × 108 ÷ 324 ≈ 33.3333 元，先按分舍去零头，得 33.33 元。"


def test_drug_and_deduction_sentences():
    e, _line = explained(policy(period_fraction=D("0.25")), [clinic()])
    # 5 × 1000 × 1/4 = 1,250.00
    assert e.drug[0] == "基本药物补助：5 元/人·年 × 服务人口 1000 人 × 1/4（一个季度） = 1250.00 元。"
    assert e.deductions == ["本期没有发现加价销售药品，不扣款。"]
    violations = DrugFigures(purchase_value=D("8000"), overcharge_total=D("12.30"), violation_count=2)
    e, line = explained(
        policy(drug_method="markup_rate", drug_amount=D("0.15"), violation_deduction=D("50")),
        [clinic(drug=violations)],
    )
    assert e.drug[0] == "基本药物补助：本期药品采购额 8000.00 元 × 原加成率 0.15 = 1200.00 元。"
    assert e.deductions == ["本期加价销售药品 2 次（多收 12.30 元），每次扣 50.00 元：2 × 50.00 元 = 100.00 元。"]
    assert line.deductions == D("100.00")
    e, _line = explained(policy(drug_method="per_doctor", drug_amount=D("1200")), [clinic(doctors=0)])
    assert e.drug[1] == "本室没有登记在岗的乡村医生，所以本项为 0。"


def test_the_result_adds_up_and_a_recovery_is_said_as_such():
    e, _line = explained(policy(), [clinic(advances=D("10000"))])
    # 587.25 + 5000.00 − 0 − 10000.00 = −4,412.75
    assert e.result == [
        "公共卫生服务补助 587.25 元 + 基本药物补助 5000.00 元 − 扣款 0.00 元 − 已预拨 10000.00 元 = -4412.75 元。",
        "结果是负数：本期应追回 4412.75 元，将在下期结算中扣回。",
    ]
    assert e.recovery and e.balance_shown == "4412.75"


def test_a_budget_cap_is_explained():
    e, _line = explained(policy(budget_cap=D("1000")), [clinic()])
    assert e.budget.startswith("全县合计超过预算上限 1000 元，所有卫生室按同一比例")
    assert "本室 5587.25 元 → 1000.00 元" in e.budget


def test_assessment_deductions_say_how_and_why():
    satisfaction = EntryFacts(
        name="群众满意度",
        mode="satisfaction",
        max_points=D("10"),
        deduction=D("4"),
        score=D("6"),
        per_occurrence=D("0.5"),
        satisfaction_rate=D("0.82"),
        county_average=D("0.9"),
    )
    found = EntryFacts(
        name="药品账目",
        mode="deduction",
        max_points=D("5"),
        deduction=D("3"),
        score=D("2"),
        per_occurrence=D("1"),
        occurrences=1,
        doubled_occurrences=1,
        reason="账物不符",
    )
    with translation.override("zh-hans"):
        assert entry_sentence(satisfaction) == (
            "群众满意度：本室满意度 82%，全县平均 90%，每低 1 个百分点扣 0.5 分，扣 4 分（本项最多扣 10 分）"
        )
        assert entry_sentence(found) == (
            "药品账目：发现问题 1 次，每次扣 1 分，另有 1 项复查仍未整改，加倍扣分，扣 3 分（本项最多扣 5 分），理由：账物不符"
        )
        year = ScoreFacts(
            yearly=True,
            quarters=(
                QuarterFacts(1, D("88"), (found,)),
                QuarterFacts(2, D("91.5")),
            ),
        )
        assert score_sentences(year) == [
            ScoreDetail("全年考核得分是各季度得分的平均：(88 + 91.5) ÷ 2 = 89.75 分。"),
            ScoreDetail("第1季度考核 88 分，扣分的项目：", (entry_sentence(found),)),
            ScoreDetail("第2季度考核 91.5 分，没有扣分的项目。"),
        ]


def test_yuan_never_shows_negative_zero():
    assert yuan(D("-0.001")) == "0.00" and yuan(D("-0")) == "0.00" and yuan(D("-1.005")) == "-1.01"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300), st.integers(0, 200)), min_size=1, max_size=3),
    st.decimals(min_value=0, max_value=100, places=2),
    st.sampled_from([D("1"), D("0.25")]),
    st.sampled_from([D("12.35"), D("0.00"), D("7.99")]),
)
def test_items_add_up_to_the_subtotal_and_no_sentence_shows_minus_zero(rows, score, fraction, price):
    codes = ["PH01", "PH09", "PH10"]
    items = {codes[i]: ItemFigures(declared=max(d, v), verified=v, quota=q) for i, (d, v, q) in enumerate(rows)}
    prices = {"PH01": (price, D("1")), "PH09": (D("12.50"), D("2")), "PH10": (D("10.00"), D("4"))}
    p = policy(period_fraction=fraction, prices=prices, gap_tolerance=D("0.1"))
    e, line = explained(p, [clinic(score=score, items=items)])
    assert sum(D(i.amount) for i in e.items) == D(line.explanation["subtotal"])
    text = " ".join(everything(e))
    assert "-0.00" not in text and "或" not in text
    assert f"{line.public_health} 元" in e.subtotal[-1]


def test_the_grade_of_a_line():
    bands = [["90", "1", "优秀"], ["60", "0.8", "合格"], ["50", "0", "不合格"]]
    with translation.override("zh-hans"):
        assert grade({"score": None, "threshold": "60"}) == Grade("未考核")
        assert grade({"score": "59.99", "threshold": "60", "bands": bands}) == Grade("未达合格线", rectify=True)
        assert grade({"score": "90", "threshold": "60", "bands": bands}) == Grade("优秀")
        assert grade({"score": "89.99", "threshold": "60", "bands": bands}) == Grade("合格")
        assert grade({"score": "55", "threshold": "0", "bands": bands}) == Grade("不合格", rectify=True)
        assert grade({"score": "40", "threshold": "0", "bands": bands}) == Grade("低于最低一档", rectify=True)
        assert grade({"score": "80", "threshold": "60", "bands": []}) == Grade("")
