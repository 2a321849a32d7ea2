"""Village-doctor portal: the monthly service report form and the progress page."""

from __future__ import annotations

from datetime import date

import tablib
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.filters import ScopeFilterForm
from clinics.portal.access import doctor_required
from core.spreadsheets import xlsx_response
from core.validation import MAX_YEAR, MIN_YEAR, StrictIntegerField, ascii_int_or
from programs.models import ServiceReport
from programs.selectors import periods as period_selectors
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


class ReportForm(forms.Form):
    """One count per active item (HTML names ``item_<pk>``). Blank means 0; the limits are the
    service's (``reports.COUNT_LIMITS``, from the model field), so every bad value is a field error."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        not_a_count = _("请填写不小于 0 的整数。")
        for item in items:
            self.fields[f"item_{item.pk}"] = StrictIntegerField(
                required=False,
                label=item.name,
                limits=report_services.COUNT_LIMITS,
                messages={"invalid": not_a_count, "min_value": not_a_count},
            )

    def counts(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data.get(f"item_{item.pk}") or 0 for item in self.items}

    def item_errors(self) -> dict[int, str]:
        return {
            item.pk: "；".join(str(e) for e in self.errors[f"item_{item.pk}"])
            for item in self.items
            if f"item_{item.pk}" in self.errors
        }


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
    field_errors: dict[int, str] = {}
    warnings: list[report_services.Warning] = []
    form_error = ""
    if request.method == "POST":
        form = ReportForm(request.POST, items=items)
        values.update({item.pk: request.POST.get(f"item_{item.pk}", "") for item in items})
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                report, warnings = report_services.save_report(
                    user=request.user,
                    year=year,
                    month=month,
                    counts=form.counts(),
                    submit=submit,
                    confirmed_warnings=request.POST.get("confirm") == "1",
                    today=today,
                )
            except report_services.NeedsConfirmation as exc:
                warnings = exc.warnings
                form_error = _("有些数字明显高于平时，请核对。确认无误请勾选“我已核对”后再提交。")
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for key, errs in exc.message_dict.items():
                        if f"item_{key}" in form.fields:
                            form.add_error(f"item_{key}", errs)
                        else:
                            form_error = "；".join(errs)
                else:
                    form_error = "；".join(exc.messages)
            else:
                messages.success(request, _("已提交，等待乡镇卫生院核实。") if submit else _("草稿已保存。"))
                return redirect("portal_reports:report", year=year, month=month)
        field_errors = form.item_errors()
    may_submit = period_selectors.may_submit(township_id=clinic.township_id, year=year, month=month, today=today)
    editable = may_submit and (
        report is None or report.status in (ServiceReport.Status.DRAFT, ServiceReport.Status.RETURNED)
    )
    rows = [
        {"item": item, "value": values[item.pk], "error": field_errors.get(item.pk), "line": lines.get(item.pk)}
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
            "editable": editable,
            "warnings": warnings,
            "form_error": form_error,
            "months": months,
            "deadline": period_selectors.submission_deadline(year=year, month=month),
            "may_submit": may_submit,
        },
    )


def _month_choices(clinic, today):
    statuses = {(r.year, r.month): r for r in ServiceReport.objects.filter(clinic=clinic, year__gte=today.year - 1)}
    months = []
    year, month = today.year, today.month
    for _i in range(12):
        report = statuses.get((year, month))
        months.append({"year": year, "month": month, "status": report.get_status_display() if report else _("未填报")})
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def _year(request, today) -> int:
    year = ascii_int_or(request.GET.get("year"), today.year)
    return year if MIN_YEAR <= year <= MAX_YEAR else today.year


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
