"""Dashboard tiles of the programs app: this month's reports, quota completion, pace, drug violations."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.charts import hbar_chart
from clinics.dashboard import Tile
from clinics.models import Clinic
from programs.models import ServiceReport
from programs.portal_services import default_month
from programs.selectors import reports as report_selectors


def staff_tiles(*, user, townships, today):
    from programs.selectors.drugs import violations_for

    # Staff look at the last finished month: the one doctors are reporting or have just reported.
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    ids = [t.pk for t in townships]
    clinic_count = Clinic.objects.filter(township_id__in=ids, status=Clinic.Status.ACTIVE).count()
    statuses = dict(ServiceReport.objects.filter(clinic__township_id__in=ids, year=year, month=month)
                    .values("status").annotate(n=Count("id")).values_list("status", "n"))
    submitted = statuses.get(ServiceReport.Status.SUBMITTED, 0)
    reported = sum(n for s, n in statuses.items() if s != ServiceReport.Status.DRAFT)
    missing = max(0, clinic_count - reported)
    reports_url = reverse("services_reports") + f"?year={year}&month={month}"
    tiles = [
        Tile(title=_("%(m)s月月报未报") % {"m": month}, value=str(missing), order=20, url=reports_url,
             level="danger" if missing else "ok",
             detail=_("共 %(n)s 个村卫生室，已报 %(r)s 个") % {"n": clinic_count, "r": reported}),
        Tile(title=_("%(m)s月月报待核实") % {"m": month}, value=str(submitted), order=21,
             url=reports_url + "&status=submitted", level="warn" if submitted else "ok"),
    ]
    through = 12 if year < today.year else max(1, month)
    items, rows = report_selectors.township_matrix(user=user, year=year, through_month=through)
    behind = [r for r in rows if r.behind]
    tiles.append(Tile(title=_("任务进度落后的村卫生室"), value=str(len(behind)), order=22,
                      url=reverse("services_matrix") + f"?year={year}", level="warn" if behind else "ok",
                      rows=[(r.clinic.name, f"{r.overall}%", "") for r in behind[:5]]))
    totals = [[0, 0] for _item in items]
    for row in rows:
        for index, (verified, quota, _percent) in enumerate(row.cells):
            totals[index][0] += min(verified, quota)
            totals[index][1] += quota
    chart_rows = [(item.name, round(100 * v / q) if q else 0) for item, (v, q) in zip(items, totals, strict=True) if q]
    tiles.append(Tile(title=_("%(y)s年各项目任务完成率（按核实数）") % {"y": year}, order=23, wide=True,
                      url=reverse("services_matrix") + f"?year={year}",
                      chart=hbar_chart(chart_rows, max_value=100, unit="%", thresholds=(60 * through / 12, 90 * through / 12))))
    violations = violations_for(user).filter(date__year=today.year).count()
    tiles.append(Tile(title=_("%(y)s年加价销售") % {"y": today.year}, value=str(violations), order=40,
                      url=reverse("drugviolation:index"), level="danger" if violations else "ok"))
    return tiles


def doctor_tiles(*, user, clinic, today):
    year, month = default_month(today)
    report = ServiceReport.objects.filter(clinic=clinic, year=year, month=month).first()
    status = report.get_status_display() if report else _("未填报")
    level = "ok" if report and report.status == ServiceReport.Status.VERIFIED else "warn" if report else "danger"
    progress = report_selectors.clinic_progress(clinic=clinic, year=today.year, through_month=today.month)
    with_quota = [p for p in progress if p.quota]
    behind = [p for p in with_quota if not p.on_pace]
    return [
        Tile(title=_("%(y)s年%(m)s月月报") % {"y": year, "m": month}, value=status, level=level, order=10,
             url=reverse("portal_services:report", args=[year, month])),
        Tile(title=_("任务进度"), order=11, url=reverse("portal_services:progress"),
             value=_("%(n)s 项落后") % {"n": len(behind)} if behind else _("进度正常"), level="warn" if behind else "ok",
             chart=hbar_chart([(p.item.name, p.percent) for p in with_quota[:6]], max_value=100, unit="%")),
    ]
