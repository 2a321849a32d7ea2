"""Township and county admin for public-health services: reports and their verification, the
clinic × item progress matrix, reporting periods, quotas, the catalogue and county prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import tablib
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail.admin.ui.tables import Column

from clinics import audit
from clinics import selectors as org
from clinics.filters import ScopeFilterForm
from core.admin.viewsets import PermissionTemplateView, ScopedModelViewSet
from core.forms import add_service_errors, joined_messages
from core.spreadsheets import xlsx_response
from doctors import selectors as doctor_selectors
from programs.forms import (
    SAMPLE_METHODS,
    GenerateQuotasForm,
    PeriodActionForm,
    ReportStatusForm,
    ReturnReportForm,
    SampleForm,
)
from programs.models import Quota, ReportingPeriod, ServiceItem, ServiceItemPrice, ServiceReport
from programs.selectors import periods as period_selectors
from programs.selectors import records as record_selectors
from programs.selectors import reports as report_selectors
from programs.services import periods as period_services
from programs.services import reports as report_services
from programs.services import sampling as sampling_services


class StaffView(PermissionTemplateView):
    permission = "programs.view_servicereport"


class ReportListView(StaffView):
    template_name = "programs/reports/admin_reports.html"
    page_title = gettext_lazy("服务月报审核")
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        params = self.request.GET
        filters = ScopeFilterForm(params, user=self.request.user, fields=("year", "month", "township"))
        year = filters.get("year", today.year)
        month = filters.get("month", 0)
        status = ReportStatusForm(params).status_or_all()
        township = filters.get("township", 0)
        reports = report_selectors.reports_for(self.request.user).filter(year=year)
        if filters.explain(self.request):
            reports = reports.none()
        if month:
            reports = reports.filter(month=month)
        if status in ServiceReport.Status.values:
            reports = reports.filter(status=status)
        if township:
            reports = reports.filter(clinic__township_id=township)
        reports = reports.select_related("submitted_by").order_by("-month", "status", "clinic__code")
        page = Paginator(reports, 50).get_page(params.get("p"))
        context.update(
            {
                "page": page,
                "year": year,
                "month": month,
                "status": status,
                "township": township,
                "statuses": ServiceReport.Status.choices,
                "townships": org.townships_for(self.request.user),
                "months": range(1, 13),
                "query": params.urlencode(),
            }
        )
        return context


class VerifyReportView(StaffView):
    template_name = "programs/reports/admin_verify.html"
    header_icon = "tick"

    def dispatch(self, request, *args, **kwargs):
        self.report = org.get_scoped_or_404(
            ServiceReport.objects.select_related("clinic__township", "submitted_by", "verified_by"),
            request.user,
            pk=kwargs["pk"],
            clinic="clinic",
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("核实：%(report)s") % {"report": self.report}

    def post(self, request, *args, **kwargs):
        lines = list(self.report.lines.select_related("item"))
        return_form = ReturnReportForm(request.POST)
        if return_form.returning():
            try:
                report_services.return_report(
                    user=request.user,
                    report=self.report,
                    comment=return_form.cleaned_data["comment"],
                    version=return_form.cleaned_data["version"],
                )
            except ValidationError as exc:
                add_service_errors(return_form, exc)
                return self.render_to_response(self.get_context_data(return_form=return_form))
            messages.success(request, _("已退回村医修改。"))
            return redirect("reports:list")
        form = SampleForm(request.POST, lines=lines)
        if form.is_valid():
            # "不抽查，全部按申报数核实": every line at its declared count, whatever the sample fields hold.
            samples: dict[int, tuple[str, int | None, int | None]] | None = (
                {line.item_id: ("", None, None) for line in lines} if "verify_all" in request.POST else None
            )
            try:
                report_services.verify_report(
                    user=request.user,
                    report=self.report,
                    # A line with a drawn sample takes its tallies from the call list, never from the form.
                    samples=sampling_services.with_tallies(
                        self.report, samples if samples is not None else form.samples()
                    ),
                    version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                # Back to the same page, now read-only with the results; its "下一份待核实" goes on.
                messages.success(request, _("已核实：%(report)s") % {"report": self.report})
                return redirect(reverse("reports:verify", args=[self.report.pk]))
        return self.render_to_response(self.get_context_data(form=form))

    def doctor_contacts(self) -> list[tuple[str, str, bool]]:
        """(name, mobile as shown, whole?) of the clinic's doctors: the number whole (to call) only for the staff
        of the clinic's own township, masked for everyone else; a whole number shown is logged."""
        whole = doctor_selectors.sees_whole_contacts(user=self.request.user, township_id=self.report.clinic.township_id)
        contacts = doctor_selectors.clinic_contacts(clinic_ids=[self.report.clinic_id]).get(self.report.clinic_id, [])
        shown = [(c.name, c.shown_mobile(whole), whole and bool(c.mobile)) for c in contacts]
        doctor_selectors.log_whole_contacts_shown(
            user=self.request.user, page="verification", count=sum(1 for _n, _m, w in shown if w)
        )
        return shown

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lines = list(self.report.lines.select_related("item"))
        form = kwargs.get("form")
        if form is None:
            form = SampleForm(
                lines=lines,
                initial={
                    key: value
                    for line in lines
                    for key, value in (
                        (f"method_{line.item_id}", line.sample_method),
                        (f"checked_{line.item_id}", line.sample_checked),
                        (f"confirmed_{line.item_id}", line.sample_confirmed),
                    )
                },
            )
        return_form = kwargs.get("return_form") or ReturnReportForm()
        tallies = sampling_services.sample_tallies(self.report)
        rows = []
        for line in lines:
            rows.append(
                {
                    "line": line,
                    "from_calls": tallies.get(line.item_id),
                    "method": form[f"method_{line.item_id}"].value() or "",
                    "checked": _shown(form[f"checked_{line.item_id}"].value()),
                    "confirmed": _shown(form[f"confirmed_{line.item_id}"].value()),
                    "error": "；".join(form.line_errors(line)) if form.is_bound else "",
                }
            )
        state = period_selectors.period_state(
            township_id=self.report.clinic.township_id, year=self.report.year, month=self.report.month
        )
        locked = state == ReportingPeriod.State.LOCKED
        can_verify = (
            self.report.status in (ServiceReport.Status.SUBMITTED, ServiceReport.Status.VERIFIED)
            and not locked
            and self.request.user.has_perm("programs.change_servicereport")
        )
        # A verified report opens read-only (its results, not an editable form that looks unsaved);
        # "修改核实结果" (?edit=1) opens the form again.
        editing = can_verify and (
            self.report.status == ServiceReport.Status.SUBMITTED
            or self.request.GET.get("edit") == "1"
            or form.is_bound
            or return_form.is_bound
        )
        previous = report_selectors.previous_month_figures(
            clinic_id=self.report.clinic_id, year=self.report.year, month=self.report.month
        )
        # Beside each declared count, the clinic's service records of the month (one query), when it has any.
        records = record_selectors.item_counts(
            clinic_id=self.report.clinic_id, year=self.report.year, month=self.report.month
        )
        for row in rows:
            row["previous"] = previous.get(row["line"].item_id)
            row["records"] = records.get(row["line"].item_id, 0)
            row["short"] = bool(records) and row["line"].declared_count > row["records"]
        context.update(
            {
                "report": self.report,
                "rows": rows,
                "has_previous": bool(previous),
                "has_records": bool(records),
                "short_items": [row["line"].item.name for row in rows if row["short"]],
                "doctors": self.doctor_contacts(),
                "next_report": report_selectors.next_to_verify(user=self.request.user, after=self.report),
                "editing": editing,
                "general_errors": [*form.non_field_errors(), *return_form.non_field_errors()]
                if form.is_bound or return_form.is_bound
                else [],
                "comment_errors": return_form.errors.get("comment", []),
                "comment": return_form["comment"].value() or "",
                "methods": SAMPLE_METHODS,
                "locked": locked,
                "can_verify": can_verify,
                "history_actions": audit.actions_for(self.report, self.request.user),
            }
        )
        return context


def _shown(value) -> str:
    """A sample count as the input shows it: what was typed, the stored number, or blank (0 as before)."""
    return "" if value in (None, 0) else str(value)


@dataclass
class MatrixFilters:
    form: ScopeFilterForm
    year: int
    township: int
    through: int


def matrix_filters(request) -> MatrixFilters:
    """Year, township (0: all of the user's) and the month the pace is measured to, checked against the user's
    scope. The through month defaults to the current month this year and December for past years; a later one
    than that is capped, since months to come have no reports to count."""
    today = timezone.localdate()
    form = ScopeFilterForm(request.GET, user=request.user, fields=("year", "township", "through"))
    year = form.get("year", today.year)
    last = 12 if year < today.year else today.month
    through = min(form.get("through", last), last)
    return MatrixFilters(form=form, year=year, township=form.get("township", 0), through=through)


class MatrixView(StaffView):
    template_name = "programs/reports/admin_matrix.html"
    page_title = gettext_lazy("任务完成情况（卫生室 × 项目）")
    header_icon = "table"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = matrix_filters(self.request)
        year, township, through = filters.year, filters.township, filters.through
        items, rows = report_selectors.township_matrix(
            user=self.request.user,
            year=year,
            through_month=through,
            township_id=township or None,
            township_ids=[] if filters.form.explain(self.request) else None,
        )
        context.update(
            {
                "items": items,
                "rows": rows,
                "year": year,
                "township": township,
                "through": through,
                "townships": org.townships_for(self.request.user),
                "query": self.request.GET.urlencode(),
            }
        )
        return context


class MatrixExportView(View):
    def get(self, request):
        if not request.user.has_perm("programs.view_servicereport"):
            raise PermissionDenied

        filters = matrix_filters(request)
        filters.form.or_404()
        year, township, through = filters.year, filters.township, filters.through
        items, rows = report_selectors.township_matrix(
            user=request.user, year=year, through_month=through, township_id=township or None
        )
        headers = [_("卫生室编码"), _("卫生室名称"), _("乡镇"), _("总体完成率%"), _("进度")]
        for item in items:
            headers += [f"{item.name}·{_('核实数')}", f"{item.name}·{_('任务数')}"]
        data = tablib.Dataset(headers=headers)
        for row in rows:
            values = [
                row.clinic.code,
                row.clinic.name,
                row.clinic.township.name,
                row.overall,
                _("落后") if row.behind else _("正常"),
            ]
            for verified, quota, _percent in row.cells:
                values += [verified, quota]
            data.append(values)
        return xlsx_response(data.export("xlsx"), filename=f"service-progress-{year}.xlsx")


class PeriodsView(StaffView):
    template_name = "programs/reports/admin_periods.html"
    page_title = gettext_lazy("报表期（开放 / 截止 / 锁定）")
    header_icon = "date"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        filters = ScopeFilterForm(self.request.GET, user=self.request.user, fields=("year",))
        year = filters.get("year", today.year)
        townships = [] if filters.explain(self.request) else list(org.townships_for(self.request.user))
        states = period_selectors.period_states(township_ids=[t.pk for t in townships], year=year)

        reopened = {
            (p.township_id, p.month): p.reopened_until
            for p in ReportingPeriod.objects.filter(township__in=townships, year=year).only(
                "township_id", "month", "reopened_until"
            )
        }
        labels = dict(ReportingPeriod.State.choices)
        table = []
        for township in townships:
            cells = []
            for month in range(1, 13):
                state = states.get((township.pk, month), ReportingPeriod.State.OPEN)
                cells.append(
                    {
                        "month": month,
                        "state": state,
                        "label": labels[state],
                        "deadline": period_selectors.submission_deadline(year=year, month=month),
                        "reopened_until": reopened.get((township.pk, month)),
                    }
                )
            table.append({"township": township, "cells": cells})
        context.update(
            {
                "table": table,
                "year": year,
                "today": today,
                "can_change": self.request.user.has_perm("programs.change_reportingperiod"),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("programs.change_reportingperiod"):
            raise PermissionDenied
        form = PeriodActionForm(request.POST)
        if not form.is_valid():
            # Shown over the table (the page's forms are one per month); nothing changed.
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        township = org.get_scoped_or_404(
            org.townships_for(request.user), request.user, pk=data["township"], township=""
        )
        year, month = data["year"], data["month"]
        try:
            if data["action"] == "close":
                period_services.close_period(township_id=township.pk, year=year, month=month, user=request.user)
                messages.success(request, _("%(t)s %(y)s年%(m)s月已截止。") % {"t": township, "y": year, "m": month})
            else:
                until = data["until"]
                period_services.reopen_period(
                    township_id=township.pk,
                    year=year,
                    month=month,
                    user=request.user,
                    until=until,
                    reason=data["reason"],
                )
                messages.success(
                    request,
                    _("%(t)s %(y)s年%(m)s月已重新开放至 %(d)s。") % {"t": township, "y": year, "m": month, "d": until},
                )
        except ValidationError as exc:
            messages.error(request, joined_messages(exc))
        return redirect(f"{reverse('reports:periods')}?year={year}")


class GenerateQuotasView(StaffView):
    template_name = "programs/reports/admin_generate_quotas.html"
    page_title = gettext_lazy("按人口批量生成年度任务")
    header_icon = "cogs"
    permission = "programs.add_quota"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form",
            GenerateQuotasForm(
                user=self.request.user, initial={"year": timezone.localdate().year, "rate": Decimal("0.7")}
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = GenerateQuotasForm(request.POST, user=request.user)
        if form.is_valid():
            clinics = org.clinics_for(request.user)
            if form.cleaned_data["township"]:
                clinics = clinics.filter(township=form.cleaned_data["township"])
            try:
                count = report_services.generate_quotas(
                    user=request.user,
                    clinics=clinics,
                    year=form.cleaned_data["year"],
                    item=form.cleaned_data["item"],
                    rate=form.cleaned_data["rate"],
                    basis=form.cleaned_data["basis"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已为 %(n)s 个村卫生室生成“%(item)s”的任务数，可在列表中逐个调整。")
                    % {"n": count, "item": form.cleaned_data["item"]},
                )
                return redirect("quota:index")
        return self.render_to_response(self.get_context_data(form=form))


class QuotaViewSet(ScopedModelViewSet):
    model = Quota
    icon = "list-ol"
    menu_label = gettext_lazy("年度任务")
    add_to_admin_menu = False
    scope_paths = {"clinic": "clinic"}
    scoped_choices = {"clinic": org.clinics_for}
    list_display = ["clinic", "item", "year", "target"]
    list_select_related = ("clinic", "item")
    list_filter = ["year", "item"]
    search_fields = ["clinic__name", "clinic__code"]
    form_fields = ["clinic", "item", "year", "target"]
    data_resource = "quotas"


class ServiceItemViewSet(ScopedModelViewSet):
    model = ServiceItem
    icon = "list-ul"
    menu_label = gettext_lazy("服务项目目录")
    add_to_admin_menu = False
    list_display = [
        "code",
        "name",
        Column("category", label=gettext_lazy("类别"), accessor="get_category_display"),
        "unit",
        "max_per_person_per_year",
        "active",
    ]
    search_fields = ["code", "name"]
    form_fields = [
        "code",
        "name",
        "category",
        "unit",
        "population_basis",
        "max_per_person_per_year",
        "sort_order",
        "active",
    ]

    def scope_queryset(self, queryset, user):
        return queryset  # the national catalogue is the same for everyone


class ServiceItemPriceViewSet(ScopedModelViewSet):
    model = ServiceItemPrice
    icon = "tag"
    menu_label = gettext_lazy("项目单价与工分")
    add_to_admin_menu = False
    scope_paths = {"county": "county"}
    scoped_choices = {"county": org.counties_for}
    list_display = ["year", "item", "unit_price", "work_points", "county"]
    list_select_related = ("item", "county")
    list_filter = ["year"]
    form_fields = ["county", "year", "item", "unit_price", "work_points"]
    data_resource = "item_prices"


quota_viewset = QuotaViewSet("quota")
item_viewset = ServiceItemViewSet("serviceitem")
price_viewset = ServiceItemPriceViewSet("serviceitemprice")
