"""Dashboard tiles of the programs app: this month's reports, quota completion, pace, drug violations."""

from __future__ import annotations

from datetime import date

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.models import Clinic
from clinics.selectors import active_clinic_counts
from core.charts import hbar_chart, line_chart, small_multiples
from core.dashboard import Cell, CountyColumn, Tile, TownshipColumn, Trend, percent_cell, sum_pairs
from programs.models import ServiceReport
from programs.portal.reports import default_month
from programs.selectors import reports as report_selectors
from programs.selectors.drugs import violation_counts_by_township, violations_for
from programs.selectors.periods import reporting_month, submission_deadline


def staff_tiles(*, user, townships, today):

    year, month = reporting_month(today)
    ids = [t.pk for t in townships]
    clinic_count = Clinic.objects.filter(township_id__in=ids, status=Clinic.Status.ACTIVE).count()
    statuses = dict(
        ServiceReport.objects.filter(clinic__township_id__in=ids, year=year, month=month)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    submitted = statuses.get(ServiceReport.Status.SUBMITTED, 0)
    reported = sum(n for s, n in statuses.items() if s != ServiceReport.Status.DRAFT)
    missing = max(0, clinic_count - reported)
    reports_url = reverse("reports:list") + f"?year={year}&month={month}"
    tiles = [
        Tile(
            title=_("%(m)s月月报未报") % {"m": month},
            value=str(missing),
            order=20,
            url=reverse("missing:list") + f"?year={year}&month={month}",
            level="danger" if missing else "ok",
            detail=_("共 %(n)s 个村卫生室，已报 %(r)s 个") % {"n": clinic_count, "r": reported},
        ),
        Tile(
            title=_("%(m)s月月报待核实") % {"m": month},
            value=str(submitted),
            order=21,
            url=reports_url + "&status=submitted",
            level="warn" if submitted else "ok",
        ),
    ]
    through = 12 if year < today.year else max(1, month)
    items, rows = report_selectors.township_matrix(user=user, year=year, through_month=through)
    behind = [r for r in rows if r.behind]
    tiles.append(
        Tile(
            title=_("任务进度落后的村卫生室"),
            value=str(len(behind)),
            order=22,
            url=reverse("reports:matrix") + f"?year={year}",
            level="warn" if behind else "ok",
            rows=[(r.clinic.name, f"{r.overall}%", "") for r in behind[:5]],
        )
    )
    totals = [[0, 0] for _item in items]
    for row in rows:
        for index, (verified, quota, _percent) in enumerate(row.cells):
            totals[index][0] += min(verified, quota)
            totals[index][1] += quota
    chart_rows = [(item.name, round(100 * v / q) if q else 0) for item, (v, q) in zip(items, totals, strict=True) if q]
    tiles.append(
        Tile(
            title=_("%(y)s年各项目任务完成率（按核实数）") % {"y": year},
            order=23,
            wide=True,
            url=reverse("reports:matrix") + f"?year={year}",
            chart=hbar_chart(chart_rows, max_value=100, unit="%", thresholds=(60 * through / 12, 90 * through / 12)),
        )
    )
    violations = violations_for(user).filter(date__year=today.year).count()
    tiles.append(
        Tile(
            title=_("%(y)s年加价销售") % {"y": today.year},
            value=str(violations),
            order=40,
            url=reverse("drugviolation:index"),
            level="danger" if violations else "ok",
        )
    )
    return tiles


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def township_columns(*, user, townships, today):
    """Per township: clinics, this month's missing and unverified reports, completion and pace, markup sales."""

    year, month = reporting_month(today)
    ids = [t.pk for t in townships]
    clinics = active_clinic_counts(user, township_ids=ids)
    counts = report_selectors.report_counts_by_township(user=user, township_ids=ids, year=year, month=month)
    through = 12 if year < today.year else max(1, month)
    _items, rows = report_selectors.township_matrix(user=user, year=year, through_month=through, township_ids=ids)
    quota = dict.fromkeys(ids, 0)
    done = dict.fromkeys(ids, 0)
    behind = dict.fromkeys(ids, 0)
    for row in rows:
        tid = row.clinic.township_id
        for verified, target, _percent_done in row.cells:
            quota[tid] += target
            done[tid] += min(verified, target)
        behind[tid] += row.behind
    violations = violation_counts_by_township(user, township_ids=ids, start=date(today.year, 1, 1), end=today)

    reports_url = reverse("reports:list") + f"?year={year}&month={month}"
    missing_url = reverse("missing:list") + f"?year={year}&month={month}"
    matrix_url = reverse("reports:matrix") + f"?year={year}"
    violation_url = reverse("drugviolation:index") + f"?date_after={today.year}-01-01&date_before={today.isoformat()}"
    pace = 100 * through // 12
    columns = []
    missing = {t: max(0, clinics.get(t, 0) - counts.get(t, report_selectors.ReportCounts()).reported) for t in ids}
    columns.append(
        TownshipColumn(
            title=_("%(m)s月月报未报") % {"m": month},
            order=20,
            help=_("在运行的村卫生室中，%(y)s年%(m)s月还没有提交月报的个数。") % {"y": year, "m": month},
            cells={
                t: Cell(str(missing[t]), f"{missing_url}&township={t}", "danger" if missing[t] else "ok") for t in ids
            },
            total=Cell(str(sum(missing.values())), missing_url),
        )
    )
    waiting = {t: counts.get(t, report_selectors.ReportCounts()).submitted for t in ids}
    columns.append(
        TownshipColumn(
            title=_("%(m)s月月报待核实") % {"m": month},
            order=21,
            cells={
                t: Cell(str(waiting[t]), f"{reports_url}&status=submitted&township={t}", "warn" if waiting[t] else "ok")
                for t in ids
            },
            total=Cell(str(sum(waiting.values())), reports_url + "&status=submitted"),
        )
    )
    columns.append(
        TownshipColumn(
            title=_("任务完成率"),
            order=22,
            help=_(
                "%(y)s年核实数 ÷ 年度任务数（每个卫生室每个项目超出任务的部分不计）；到%(m)s月底按进度应完成 %(p)s%%。"
            )
            % {"y": year, "m": through, "p": pace},
            cells={
                t: Cell(
                    f"{_percent(done[t], quota[t])}%",
                    f"{matrix_url}&township={t}",
                    _completion_level(_percent(done[t], quota[t]), pace) if quota[t] else "",
                )
                for t in ids
            },
            total=Cell(f"{_percent(sum(done.values()), sum(quota.values()))}%", matrix_url),
        )
    )
    columns.append(
        TownshipColumn(
            title=_("进度落后的村卫生室"),
            order=23,
            help=_("核实数低于按月份折算的应完成任务数的卫生室。"),
            cells={t: Cell(str(behind[t]), f"{matrix_url}&township={t}", "warn" if behind[t] else "ok") for t in ids},
            total=Cell(str(sum(behind.values())), matrix_url),
        )
    )
    columns.append(
        TownshipColumn(
            title=_("%(y)s年加价销售") % {"y": today.year},
            order=40,
            help=_("售价高于进价的药品销售（违反零差率）次数，括号内为多收金额（元）。"),
            cells={
                t: Cell(
                    str(violations.get(t, (0, 0))[0]),
                    f"{violation_url}&clinic__township={t}",
                    "danger" if violations.get(t) else "ok",
                    _("%(amount)s 元") % {"amount": f"{violations[t][1]:,}"} if violations.get(t) else "",
                )
                for t in ids
            },
            total=Cell(str(sum(n for n, _total in violations.values())), violation_url),
        )
    )
    return columns


def _completion_level(percent: int, pace: int) -> str:
    return "ok" if percent >= pace else "warn" if percent >= pace * 2 // 3 else "danger"


def township_trends(*, user, townships, today):
    """Month by month: share of clinics reporting on time, and cumulative completion, per township."""
    if not townships:
        return []
    year, month = reporting_month(today)
    ids = [t.pk for t in townships]
    labels = [_("%(m)s月") % {"m": m} for m in range(1, month + 1)]
    clinics = active_clinic_counts(user, township_ids=ids)
    on_time = report_selectors.on_time_by_month(user=user, township_ids=ids, year=year, through_month=month)
    rates = {
        t.pk: [min(100, _percent(on_time.get((t.pk, m), 0), clinics.get(t.pk, 0))) for m in range(1, month + 1)]
        for t in townships
    }
    all_clinics = sum(clinics.values())
    county_rate = [_percent(sum(on_time.get((t, m), 0) for t in ids), all_clinics) for m in range(1, month + 1)]
    completion = report_selectors.completion_by_month(user=user, township_ids=ids, year=year, through_month=month)
    pace = [100 * m // 12 for m in range(1, month + 1)]
    quota_total = sum(c.quota for c in completion.values())
    county_completion = [
        int(100 * sum(c.done[m] for c in completion.values()) / quota_total) if quota_total else 0 for m in range(month)
    ]
    matrix_url = reverse("reports:matrix") + f"?year={year}"

    deadline_day = submission_deadline(year=year, month=1).day
    return [
        Trend(
            title=_("%(y)s年全县按月情况") % {"y": year},
            order=10,
            help=_(
                "按时上报率：次月%(d)s日前提交月报的村卫生室占在运行卫生室的比例。累计任务完成率：截至当月底的核实数 ÷ 年度任务数。"
            )
            % {"d": deadline_day},
            chart=line_chart(
                labels,
                [(_("按时上报率"), county_rate), (_("累计任务完成率"), county_completion), (_("按进度应完成"), pace)],
                unit="%",
                max_value=100,
                width=900,
                height=240,
                dashed=(_("按进度应完成"),),
            ),
        ),
        Trend(
            title=_("各乡镇月报按时上报率"),
            order=20,
            help=_("每个小图是一个乡镇：实线为该乡镇每月按时上报的比例，虚线为全县平均；右上角为%(m)s月的数字。")
            % {"m": month},
            chart=small_multiples(
                labels,
                [(t.name, rates[t.pk]) for t in townships],
                reference=county_rate,
                reference_label=_("全县平均"),
                series_label=_("本乡镇"),
                thresholds=(80, 95),
            ),
        ),
        Trend(
            title=_("各乡镇累计任务完成率"),
            order=30,
            help=_("实线为截至每月底的累计完成率，虚线为按进度应完成的比例（每月 1/12）。实线低于虚线即进度落后。"),
            url=matrix_url,
            chart=small_multiples(
                labels,
                [(t.name, completion[t.pk].percents) for t in townships],
                reference=pace,
                reference_label=_("按进度应完成"),
                series_label=_("累计完成率"),
                thresholds=(pace[-1] * 2 / 3, pace[-1]),
            ),
        ),
    ]


def doctor_tiles(*, user, clinic, today):
    year, month = default_month(today)
    report = ServiceReport.objects.filter(clinic=clinic, year=year, month=month).first()
    status = report.get_status_display() if report else _("未填报")
    level = "ok" if report and report.status == ServiceReport.Status.VERIFIED else "warn" if report else "danger"
    progress = report_selectors.clinic_progress(clinic=clinic, year=today.year, through_month=today.month)
    with_quota = [p for p in progress if p.quota]
    # The items furthest behind their pace first: what the doctor should catch up on (a text list, readable on
    # a phone; the progress page has every item).
    behind = sorted((p for p in with_quota if not p.on_pace), key=lambda p: p.verified / p.expected)
    return [
        Tile(
            title=_("%(y)s年%(m)s月月报") % {"y": year, "m": month},
            value=status,
            level=level,
            order=10,
            url=reverse("portal_reports:report", args=[year, month]),
        ),
        Tile(
            title=_("任务进度"),
            order=11,
            url=reverse("portal_reports:progress"),
            value=_("%(n)s 项落后") % {"n": len(behind)} if behind else _("进度正常"),
            level="warn" if behind else "ok",
            detail=_("进度最慢的 %(n)s 项（还差人次）：") % {"n": min(4, len(behind))}
            if behind
            else _("全部项目都跟上了进度。"),
            rows=[(p.item.name, _("差 %(n)s") % {"n": p.behind_by}, "") for p in behind[:4]],
        ),
    ]


def county_columns(*, user, counties, year, through_month, today):
    """Per county, year on year: quota completion and the authenticity rate of the verified reports."""
    ids = [c.pk for c in counties]
    columns = []
    for title, order, selector, help_text in (
        (
            _("任务完成率"),
            20,
            report_selectors.completion_by_county,
            _(
                "1–%(m)s月核实数 ÷ 全年任务数（每个卫生室每个项目超出任务的部分不计）；到%(m)s月底按进度应完成 %(p)s%%。"
            ),
        ),
        (
            _("核实真实率"),
            21,
            report_selectors.verification_by_county,
            _("已核实的1–%(m)s月月报中，核实属实的服务数 ÷ 申报数。"),
        ),
    ):
        now = selector(user=user, county_ids=ids, year=year, through_month=through_month)
        before = selector(user=user, county_ids=ids, year=year - 1, through_month=through_month)
        zero = (0, 0)
        columns.append(
            CountyColumn(
                title=title,
                order=order,
                help=help_text % {"m": through_month, "p": 100 * through_month // 12},
                cells={c: percent_cell(now.get(c, zero), before.get(c, zero)) for c in ids},
                total=percent_cell(sum_pairs(now.values()), sum_pairs(before.values())),
            )
        )
    return columns
