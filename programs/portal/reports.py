"""Village-doctor portal: the monthly service report form and the progress page."""

from __future__ import annotations

from datetime import date

import tablib
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.filters import ScopeFilterForm
from clinics.portal.access import doctor_required
from core.spreadsheets import xlsx_response
from programs.forms import ReportForm
from programs.models import ServiceReport
from programs.selectors import periods as period_selectors
from programs.selectors import records as record_selectors
from programs.selectors import reports as report_selectors
from programs.services import reports as report_services


def default_month(today: date) -> tuple[int, int]:
    """Before the deadline day, doctors report last month; afterwards the current month (as a draft)."""
    previous = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    deadline = period_selectors.submission_deadline(year=previous[0], month=previous[1])
    return previous if today <= deadline else (today.year, today.month)


@doctor_required
def report_index(request):
    year, month = default_month(timezone.localdate())
    return redirect("portal_reports:report", year=year, month=month)


@doctor_required
def report_form(request, year: int, month: int):
    today = timezone.localdate()
    if not 1 <= month <= 12 or not 2000 <= year <= today.year + 1:
        raise Http404
    clinic = request.clinic
    items = list(report_selectors.active_items())
    report = ServiceReport.objects.filter(clinic=clinic, year=year, month=month).first()
    lines = {line.item_id: line for line in report.lines.all()} if report else {}
    values = {item.pk: (lines[item.pk].declared_count if item.pk in lines else "") for item in items}
    warnings: list[report_services.Warning] = []
    form = ReportForm(request.POST if request.method == "POST" else None, items=items)
    form_error = ""
    if form.is_bound:
        values.update({item.pk: form[f"item_{item.pk}"].value() or "" for item in items})
        if form.is_valid():
            submit = form.cleaned_data["submit"]
            try:
                report, warnings = report_services.save_report(
                    user=request.user,
                    year=year,
                    month=month,
                    counts=form.counts(),
                    submit=submit,
                    confirmed_warnings=form.cleaned_data["confirm"],
                    today=today,
                )
            except report_services.NeedsConfirmation as exc:
                warnings = exc.warnings
                form_error = _("有些数字明显高于平时，请核对。确认无误请勾选“我已核对”后再提交。")
            except ValidationError as exc:
                form.add_service_errors(exc)
                if isinstance(exc, report_services.CountsRefused):
                    warnings = exc.warnings
            else:
                messages.success(request, _("已提交，等待乡镇卫生院核实。") if submit else _("草稿已保存。"))
                return redirect("portal_reports:report", year=year, month=month)
        form_error = form_error or "；".join(str(e) for e in form.non_field_errors())
    may_submit = period_selectors.may_submit(township_id=clinic.township_id, year=year, month=month, today=today)
    editable = may_submit and (
        report is None or report.status in (ServiceReport.Status.DRAFT, ServiceReport.Status.RETURNED)
    )
    # Beside each field: last month's figure, the month's share of the yearly quota and how far behind the
    # year's pace the item is, so that the doctor sees at once whether a number is plausible.
    previous = report_selectors.previous_month_figures(clinic_id=clinic.pk, year=year, month=month)
    pace = {
        p.item.pk: p for p in report_selectors.clinic_progress(clinic=clinic, year=year, through_month=month) if p.quota
    }
    records = record_selectors.item_counts(clinic_id=clinic.pk, year=year, month=month)  # one query
    rows = [
        {
            "item": item,
            "value": values[item.pk],
            "records": records.get(item.pk, 0),
            "short": bool(records) and _declared(values[item.pk]) > records.get(item.pk, 0),
            "error": "；".join(str(e) for e in form.errors.get(f"item_{item.pk}", [])),
            "line": lines.get(item.pk),
            "last_month": previous[item.pk][0] if item.pk in previous else None,
            "monthly_share": round(pace[item.pk].quota / 12) if item.pk in pace else None,
            "behind_by": pace[item.pk].behind_by if item.pk in pace else 0,
        }
        for item in items
    ]
    months = _month_choices(clinic, today)
    return render(
        request,
        "programs/reports/portal_report.html",
        {
            "page_title": _("%(year)s年%(month)s月服务月报") % {"year": year, "month": month},
            "year": year,
            "month": month,
            "report": report,
            "rows": rows,
            "has_records": bool(records),
            "short_items": [item.name for item, row in zip(items, rows, strict=True) if row["short"]],
            "editable": editable,
            "warnings": warnings,
            "form_error": form_error,
            "months": months,
            "deadline": period_selectors.submission_deadline(year=year, month=month),
            "may_submit": may_submit,
        },
    )


def _declared(value) -> int:
    """The count a field shows (stored, or typed: text that is not a whole number counts as 0 here)."""
    if isinstance(value, int):
        return value
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0


def _month_choices(clinic, today):
    statuses = {(r.year, r.month): r for r in ServiceReport.objects.filter(clinic=clinic, year__gte=today.year - 1)}
    months = []
    year, month = today.year, today.month
    for _i in range(12):
        report = statuses.get((year, month))
        months.append({"year": year, "month": month, "status": report.get_status_display() if report else _("未填报")})
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


@doctor_required
def progress(request):
    today = timezone.localdate()
    year = ScopeFilterForm(request.GET, user=request.user, fields=("year",)).or_404().get("year", today.year)
    through_month = 12 if year < today.year else today.month
    rows = report_selectors.clinic_progress(clinic=request.clinic, year=year, through_month=through_month)
    return render(
        request,
        "programs/reports/portal_progress.html",
        {
            "page_title": _("%(year)s年任务进度") % {"year": year},
            "rows": rows,
            "year": year,
            "through_month": through_month,
        },
    )


@doctor_required
def progress_export(request):

    today = timezone.localdate()
    year = ScopeFilterForm(request.GET, user=request.user, fields=("year",)).or_404().get("year", today.year)
    through_month = 12 if year < today.year else today.month
    rows = report_selectors.clinic_progress(clinic=request.clinic, year=year, through_month=through_month)
    data = tablib.Dataset(
        headers=[
            _("服务项目"),
            _("单位"),
            _("年度任务"),
            _("累计核实数"),
            _("累计申报数"),
            _("完成率%"),
            _("按进度应完成"),
            _("进度"),
        ]
    )
    for row in rows:
        data.append(
            [
                row.item.name,
                row.item.unit,
                row.quota,
                row.verified,
                row.declared,
                row.percent,
                row.expected,
                (_("正常") if row.on_pace else _("落后")) if row.quota else "",
            ]
        )
    return xlsx_response(data.export("xlsx"), filename=f"progress-{request.clinic.code}-{year}.xlsx")
