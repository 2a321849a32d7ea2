"""Township admin for assessments: fill the score sheet, inspections and re-inspections, satisfaction,
appeals, rankings; county admin manages the score sheets."""

from __future__ import annotations

import tablib
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail.admin.ui.tables import Column

from clinics import audit
from clinics import selectors as org
from clinics.filters import ScopeFilterForm
from core import dataio
from core.admin.viewsets import PermissionTemplateView, ScopedModelViewSet
from core.files import serve_protected_file
from core.forms import add_service_errors
from core.spreadsheets import xlsx_response
from subsidies import explaining, forms
from subsidies.models import Appeal, Assessment, Finding, Inspection, SatisfactionSurvey, ScoreItem, ScoreSheet
from subsidies.selectors import assessments as selectors
from subsidies.services import assessments as services


class StaffView(PermissionTemplateView):
    permission = "subsidies.view_assessment"
    header_icon = "form"

    def invalid(self, **forms_):
        """The page again with the bound form(s) and their errors (nothing has been written)."""
        return self.render_to_response(self.get_context_data(**forms_))


def this_quarter(today) -> int:
    return (today.month - 1) // 3 + 1


class AssessmentListView(StaffView):
    template_name = "subsidies/assessments/admin_list.html"
    page_title = gettext_lazy("季度考核")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        scores_resource = dataio.get_resource_class("assessment_scores")
        filters = ScopeFilterForm(self.request.GET, user=self.request.user, fields=("year", "quarter"))
        year = filters.get("year", today.year)
        quarter = filters.get("quarter", 0)
        qs = selectors.assessments_for(self.request.user).filter(year=year)
        if filters.explain(self.request):
            qs = qs.none()
        if quarter:
            qs = qs.filter(quarter=quarter)
        form = kwargs.get("form") or forms.StartAssessmentForm(
            user=self.request.user,
            initial={"year": today.year, "quarter": this_quarter(today), "assessed_on": today.isoformat()},
        )
        context.update(
            {
                "assessments": qs.order_by("-quarter", "clinic__code"),
                "year": year,
                "quarter": quarter,
                "clinics": org.clinics_for(self.request.user),
                "form": form,
                "can_add": self.request.user.has_perm("subsidies.add_assessment"),
                "may_import_scores": dataio.user_may_import(self.request.user, scores_resource),
                "may_export_scores": dataio.user_may_export(self.request.user, scores_resource),
                "Status": Assessment.Status,
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("subsidies.add_assessment"):
            raise PermissionDenied
        form = forms.StartAssessmentForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.invalid(form=form)
        data = form.cleaned_data
        try:
            assessment = services.start_assessment(
                user=request.user,
                clinic=data["clinic"],
                year=data["year"],
                quarter=data["quarter"],
                assessed_on=data["assessed_on"] or timezone.localdate(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.invalid(form=form)
        return redirect("assessments:edit", pk=assessment.pk)


class AssessmentEditView(StaffView):
    template_name = "subsidies/assessments/admin_edit.html"

    def dispatch(self, request, *args, **kwargs):
        self.assessment = org.get_scoped_or_404(
            Assessment.objects.select_related("clinic__township", "sheet"),
            request.user,
            pk=kwargs["pk"],
            clinic="clinic",
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("考核：%(a)s") % {"a": self.assessment}

    def entries(self):
        return list(self.assessment.entries.select_related("item"))

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("subsidies.change_assessment"):
            raise PermissionDenied
        if "upload" in request.POST or "evidence" in request.FILES:
            return self.upload(request)
        form = forms.AssessmentEntriesForm(request.POST, entries=self.entries())
        if not form.is_valid():
            return self.invalid(form=form)
        try:
            services.update_entries(
                user=request.user,
                assessment=self.assessment,
                values=form.values(),
                notes=form.notes_value(),
                version=form.cleaned_data["version"],
            )
            if form.sent("submit"):
                services.submit_assessment(user=request.user, assessment=self.assessment)
                messages.success(request, _("考核已提交，村医可以在手机上查看每一项扣分。"))
            else:
                messages.success(request, _("已保存。"))
        except ValidationError as exc:
            add_service_errors(form, forms.renamed(exc, form.service_error_field))
            return self.invalid(form=form)
        return redirect("assessments:edit", pk=self.assessment.pk)

    def upload(self, request):
        form = forms.EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.add_evidence(
                    user=request.user,
                    assessment=self.assessment,
                    file=form.cleaned_data["evidence"],
                    description=form.cleaned_data["evidence_description"],
                )
            except ValidationError as exc:
                add_service_errors(form, forms.renamed(exc, {"file": "evidence"}))
            else:
                messages.success(request, _("佐证材料已上传。"))
                return redirect("assessments:edit", pk=self.assessment.pk)
        return self.invalid(evidence_form=form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.assessment.refresh_from_db()
        form = kwargs.get("form")
        entries = self.entries()
        for entry in entries:
            entry.errors = form.errors_of(entry) if form is not None else []
            entry.rule = explaining.item_rule(entry.item)
        frozen = selectors.settled_message(self.assessment)
        satisfaction_rate, county_average = selectors.satisfaction_basis(assessment=self.assessment)
        context.update(
            {
                "satisfaction_rate": satisfaction_rate,
                "county_average": county_average,
                "assessment": self.assessment,
                "entries": entries,
                "form": form,
                "frozen": frozen,
                "evidence_form": kwargs.get("evidence_form") or forms.EvidenceForm(),
                "editable": self.assessment.status == Assessment.Status.DRAFT
                and not frozen
                and self.request.user.has_perm("subsidies.change_assessment"),
                "evidence": self.assessment.evidence.all(),
                "history_actions": audit.actions_for(self.assessment, self.request.user),
                "appeals": Appeal.objects.filter(entry__assessment=self.assessment).select_related(
                    "entry__item", "appellant"
                ),
            }
        )
        return context


class EvidenceFileView(View):
    """An evidence file, to staff who may see its assessment (never a public media URL)."""

    def get(self, request, pk):

        if not request.user.has_perm("subsidies.view_assessment"):
            raise PermissionDenied
        evidence = org.get_scoped_or_404(
            selectors.evidence_for(request.user), request.user, pk=pk, clinic="assessment__clinic"
        )
        return serve_protected_file(request, evidence.file.name, evidence.download_name)


class InspectionsView(StaffView):
    template_name = "subsidies/assessments/admin_inspections.html"
    page_title = gettext_lazy("督导检查与整改")
    permission = "subsidies.view_inspection"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspections = (
            org.restrict(Inspection.objects.select_related("clinic", "inspector"), self.request.user, clinic="clinic")
            .prefetch_related("findings")
            .order_by("-inspected_on")[:100]
        )
        sheet_items = (
            ScoreItem.objects.filter(
                sheet__county__in=org.counties_for(self.request.user), mode=ScoreItem.Mode.DEDUCTION
            )
            .order_by("code")
            .distinct()
        )
        today = timezone.localdate()
        reinspect_form = kwargs.get("reinspect_form")
        finding = reinspect_form.cleaned_data.get("finding") if reinspect_form is not None else None
        # A finding's errors show next to its re-inspection buttons; when it has none (e.g. it needs no
        # rectification), above the list.
        inline = finding is not None and finding.status != Finding.Status.NONE and not finding.applied_to_id
        context.update(
            {
                "inspections": inspections,
                "clinics": org.clinics_for(self.request.user),
                "items": sheet_items,
                "today": today,
                "form": kwargs.get("form")
                or forms.InspectionForm(user=self.request.user, initial={"inspected_on": today.isoformat()}),
                "reinspect_form": reinspect_form,
                "FindingStatus": Finding.Status,
                "reinspect_finding": finding if inline else None,
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("subsidies.add_inspection"):
            raise PermissionDenied
        if "finding" in request.POST:
            return self.reinspect(request)
        form = forms.InspectionForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.invalid(form=form)
        try:
            services.record_inspection(
                user=request.user,
                clinic=form.cleaned_data["clinic"],
                inspected_on=form.cleaned_data["inspected_on"],
                notes=form.cleaned_data["notes"],
                findings=form.findings(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.invalid(form=form)
        messages.success(request, _("检查记录已保存。"))
        return redirect("assessments:inspections")

    def reinspect(self, request):
        form = forms.ReinspectForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.invalid(reinspect_form=form)
        try:
            services.reinspect(
                user=request.user,
                finding=form.cleaned_data["finding"],
                rectified=form.cleaned_data["rectified"],
                on=form.cleaned_data["reinspected_on"] or timezone.localdate(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.invalid(reinspect_form=form)
        messages.success(request, _("复查结果已记录。"))
        return redirect("assessments:inspections")


class SatisfactionView(StaffView):
    template_name = "subsidies/assessments/admin_satisfaction.html"
    page_title = gettext_lazy("满意度回访")
    permission = "subsidies.view_satisfactionsurvey"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        surveys = (
            org.restrict(SatisfactionSurvey.objects.select_related("clinic"), self.request.user, clinic="clinic")
            .filter(year=today.year)
            .order_by("-quarter", "clinic__code")
        )
        context.update(
            {
                "surveys": surveys,
                "clinics": org.clinics_for(self.request.user),
                "form": kwargs.get("form")
                or forms.SatisfactionForm(
                    user=self.request.user, initial={"year": today.year, "quarter": this_quarter(today)}
                ),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("subsidies.add_satisfactionsurvey"):
            raise PermissionDenied
        form = forms.SatisfactionForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.invalid(form=form)
        try:
            services.record_satisfaction(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.invalid(form=form)
        messages.success(request, _("已保存。"))
        return redirect("assessments:satisfaction")


class AppealsView(StaffView):
    template_name = "subsidies/assessments/admin_appeals.html"
    page_title = gettext_lazy("考核申诉")
    permission = "subsidies.view_appeal"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form")
        appeal = form.cleaned_data.get("appeal") if form is not None else None
        # The corrected figures the appeal's row offers: its mode's input, and its judgement when it has one.
        shown = set()
        if appeal is not None:
            shown = {
                appeal.entry.item.input_field,
                "override_score" if appeal.entry.override_score is not None else None,
            }
        context.update(
            {
                # Errors of a corrected figure the appeal's item has no input for (its mode scores another).
                "form_other_errors": [
                    e
                    for key in forms.APPEAL_FIGURES
                    if key not in shown
                    for e in (form.errors.get(key, ()) if form else ())
                ],
                "appeals": selectors.appeals_for(self.request.user).order_by("status", "-created_at")[:200],
                "Status": Appeal.Status,
                "form": form,
                "form_appeal": appeal if appeal is not None and appeal.status == Appeal.Status.PENDING else None,
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("subsidies.change_appeal"):
            raise PermissionDenied
        form = forms.AppealDecisionForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.invalid(form=form)
        accept = form.cleaned_data["accept"]
        try:
            services.decide_appeal(
                user=request.user,
                appeal=form.cleaned_data["appeal"],
                accept=accept,
                decision=form.cleaned_data["decision"],
                new_values=form.new_values(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.invalid(form=form)
        messages.success(request, _("申诉已采纳，得分已更新。") if accept else _("申诉已驳回。"))
        return redirect("assessments:appeals")


def ranking_filters(request) -> tuple[ScopeFilterForm, int, int, int | None]:
    """The filter form, year, quarter and township (default: all of the user's). With no period asked for, the
    latest quarter that has submitted assessments (this quarter's are only made once it is over)."""
    today = timezone.localdate()
    form = ScopeFilterForm(request.GET, user=request.user, fields=("year", "quarter", "township"))
    year, quarter = today.year, this_quarter(today)
    if "year" not in request.GET and "quarter" not in request.GET:
        year, quarter = selectors.latest_assessed_quarter(user=request.user) or (year, quarter)
    return (form, form.get("year", year), form.get("quarter", quarter), form.get("township"))


class RankingView(StaffView):
    template_name = "subsidies/assessments/admin_ranking.html"
    page_title = gettext_lazy("考核排名")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters, year, quarter, township = ranking_filters(self.request)
        invalid = filters.explain(self.request)
        context.update(
            {
                "year": year,
                "quarter": quarter,
                "quarters": range(1, 5),
                "township": township,
                "ranking": []
                if invalid
                else selectors.ranking(user=self.request.user, year=year, quarter=quarter, township_id=township),
                "townships": []
                if invalid
                else selectors.township_averages(user=self.request.user, year=year, quarter=quarter),
            }
        )
        return context


class RankingExportView(View):
    def get(self, request):
        if not request.user.has_perm("subsidies.view_assessment"):
            raise PermissionDenied
        filters, year, quarter, township = ranking_filters(request)
        filters.or_404()
        data = tablib.Dataset(headers=[_("名次"), _("卫生室编码"), _("村卫生室"), _("乡镇"), _("得分")])
        for rank, assessment in enumerate(
            selectors.ranking(user=request.user, year=year, quarter=quarter, township_id=township), start=1
        ):
            data.append(
                [
                    rank,
                    assessment.clinic.code,
                    assessment.clinic.name,
                    assessment.clinic.township.name,
                    float(assessment.total_score),  # type: ignore[arg-type]  # submitted: has a total
                ]
            )
        return xlsx_response(data.export("xlsx"), filename=f"ranking-{year}-Q{quarter}.xlsx")


class ScoreSheetViewSet(ScopedModelViewSet):
    model = ScoreSheet
    icon = "form"
    menu_label = gettext_lazy("考核评分表")
    add_to_admin_menu = False
    scope_paths = {"county": "county"}
    scoped_choices = {"county": org.counties_for}
    list_display = ["name", "year", "version", "county"]
    list_select_related = ("county",)
    form_fields = ["county", "year", "version", "name"]


class ScoreItemViewSet(ScopedModelViewSet):
    model = ScoreItem
    icon = "list-ol"
    menu_label = gettext_lazy("考核项目")
    add_to_admin_menu = False
    scope_paths = {"county": "sheet__county"}
    list_display = [
        "code",
        "name",
        "category",
        "max_points",
        "mode",
        Column("rule", label=gettext_lazy("计分规则"), accessor=explaining.item_rule),
        "sheet",
    ]
    list_select_related = ("sheet",)
    list_filter = ["sheet", "category", "mode"]
    data_resource = "score_sheets"
    form_fields = [
        "sheet",
        "category",
        "code",
        "name",
        "max_points",
        "mode",
        "points_per_occurrence",
        "indicator",
        "denominator",
        "target",
        "lower_is_better",
        "sort_order",
    ]

    def get_form_class(self, for_update=False):
        form = super().get_form_class(for_update)
        form.scoped_choices = {"sheet": lambda user: org.restrict(ScoreSheet.objects.all(), user, county="county")}
        return form


sheet_viewset = ScoreSheetViewSet("scoresheet")
score_item_viewset = ScoreItemViewSet("scoreitem")
