"""Demo data for assessments: the county's 100-point sheet, quarterly assessments, inspections, surveys."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from clinics.models import Clinic
from core import audit
from subsidies.models import Finding, Inspection, SatisfactionSurvey, ScoreItem, ScoreSheet
from subsidies.selectors.assessments import quarter_end
from subsidies.services import assessments as services

# (code, category, name, points, mode, per occurrence, indicator, target, denominator)
SHEET = [
    ("A1", "public_health", "基本公共卫生服务任务完成率", "30", "indicator", "0", "all", "1", ""),
    ("A2", "public_health", "65岁以上老年人健康管理率", "10", "rate", "0", "PH09", "0.67", "aged_65_plus"),
    ("A3", "public_health", "健康档案真实、规范", "5", "deduction", "1", "", "1", ""),
    ("A4", "public_health", "健康教育讲座（每年至少 12 次）", "5", "minimum", "1", "", "12", ""),
    ("B1", "medical", "处方书写与诊疗规范", "10", "deduction", "2", "", "1", ""),
    ("C1", "drugs", "基本药物零差率销售执行", "10", "pass_fail", "0", "", "1", ""),
    ("C2", "drugs", "药品储存与效期管理", "5", "deduction", "1", "", "1", ""),
    ("D1", "finance", "财务收支与票据管理", "10", "manual", "0", "", "1", ""),
    ("E1", "satisfaction", "群众满意度（低于全县平均每 1 个百分点扣 1 分）", "5", "satisfaction", "1", "", "1", ""),
    ("E2", "satisfaction", "群众投诉（核实属实的每件扣 2 分）", "5", "complaints", "2", "", "1", ""),
    ("F1", "records", "制度上墙、档案管理", "5", "deduction", "1", "", "1", ""),
]


def seed(ctx):
    sheet = ScoreSheet.objects.create(county=ctx.county, year=ctx.year, name=f"{ctx.county.name}村卫生室绩效考核评分表")
    ScoreItem.objects.bulk_create(
        ScoreItem(
            sheet=sheet,
            code=c,
            category=cat,
            name=n,
            max_points=Decimal(m),
            mode=mode,
            points_per_occurrence=Decimal(p),
            indicator=i,
            target=Decimal(t),
            denominator=d,
            sort_order=k,
        )
        for k, (c, cat, n, m, mode, p, i, t, d) in enumerate(SHEET)
    )
    today = timezone.localdate()
    last_quarter = 4 if ctx.year < today.year else (today.month - 1) // 3
    clinics = list(Clinic.objects.filter(township__county=ctx.county).select_related("township"))
    staff = {
        u.scope.township_id: u
        for u in get_user_model()
        .objects.filter(scope__role="township_staff", scope__township__county=ctx.county)
        .select_related("scope")
    }
    rng = ctx.rng
    for quarter in range(1, last_quarter + 1):
        SatisfactionSurvey.objects.bulk_create(
            SatisfactionSurvey(clinic=c, year=ctx.year, quarter=quarter, surveyed=20, satisfied=rng.randint(14, 20))
            for c in clinics
        )
    for clinic in clinics:
        user = staff[clinic.township_id]
        with audit.action(user=user, source="演示数据（seed_demo）"):
            if rng.random() < 0.3:
                inspection = Inspection.objects.create(
                    clinic=clinic,
                    inspected_on=date(ctx.year, 2, rng.randint(1, 20)),
                    inspector=user,
                    notes="季度督导检查",
                )
                Finding.objects.create(
                    inspection=inspection,
                    item_code="F1",
                    description="部分制度未上墙",
                    deadline=date(ctx.year, 3, 15),
                    status=rng.choice([Finding.Status.RECTIFIED, Finding.Status.UNRECTIFIED]),
                    reinspected_on=date(ctx.year, 3, 20),
                )
            for quarter in range(1, last_quarter + 1):
                assessment = services.start_assessment(
                    user=user,
                    clinic=clinic,
                    year=ctx.year,
                    quarter=quarter,
                    assessed_on=min(quarter_end(ctx.year, quarter) + timedelta(days=8), today),
                )
                values = {}
                for entry in assessment.entries.select_related("item"):
                    mode = entry.item.mode
                    if mode == ScoreItem.Mode.DEDUCTION:
                        values[entry.pk] = {"occurrences": str(rng.choice([0, 0, 0, 1, 2])), "reason": ""}
                    elif mode == ScoreItem.Mode.PASS_FAIL:
                        values[entry.pk] = {"passed": "1" if rng.random() < 0.93 else "0"}
                    elif mode == ScoreItem.Mode.MANUAL:
                        values[entry.pk] = {"manual_score": str(rng.randint(7, 10))}
                    elif mode == ScoreItem.Mode.MINIMUM:  # the talks due by the quarter, a few short now and then
                        values[entry.pk] = {"achieved": str(3 * quarter - rng.choice([0, 0, 0, 1, 2]))}
                    elif mode in (ScoreItem.Mode.INDICATOR, ScoreItem.Mode.RATE) and entry.achieved is None:
                        values[entry.pk] = {"achieved": "0"}
                    if entry.item.code == "A3" and rng.random() < 0.05:  # now and then a judgement, with its reason
                        values[entry.pk] = {
                            "override_score": "5",
                            "override_reason": "档案问题已当场补正，经复核不扣分",
                        }
                services.update_entries(user=user, assessment=assessment, values=values, notes="")
                if quarter < last_quarter or rng.random() < 0.8:
                    services.submit_assessment(user=user, assessment=assessment)
    ctx.stdout.write(f"绩效考核：评分表 1 份，{len(clinics)} 个卫生室 × {last_quarter} 个季度。")
