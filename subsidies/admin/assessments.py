"""Township admin for assessments: fill the score sheet, inspections and re-inspections, satisfaction,
appeals, rankings; county admin manages the score sheets."""

from __future__ import annotations

from datetime import date

import tablib
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View

from clinics import selectors as org
from clinics.filters import ScopeFilterForm
from core.admin.viewsets import PermissionTemplateView, ScopedModelViewSet, int_or
from core.files import serve_protected_file
from core.spreadsheets import xlsx_response
from subsidies.models import Appeal, Assessment, Finding, Inspection, SatisfactionSurvey, ScoreItem, ScoreSheet
from subsidies.selectors import assessments as selectors
from subsidies.services import assessments as services


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return "invalid"


class StaffView(PermissionTemplateView):
    permission = "subsidies.view_assessment"
    header_icon = "form"


class AssessmentListView(StaffView):
    template_name = "subsidies/assessments/admin_list.html"
    page_title = gettext_lazy("季度考核")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        filters = ScopeFilterForm(self.request.GET, user=self.request.user, fields=("year", "quarter"))
        year = filters.get("year", today.year)
        quarter = filters.get("quarter", 0)
        qs = selectors.assessments_for(self.request.user).filter(year=year)
        if filters.explain(self.request):
            qs = qs.none()
        if quarter:
            qs = qs.filter(quarter=quarter)
        context.update(
            {
                "assessments": qs.order_by("-quarter", "clinic__code"),
                "year": year,
                "quarter": quarter,
                "clinics": org.clinics_for(self.request.user),
                "today": today,
                "default_quarter": (today.month - 1) // 3 + 1,
                "can_add": self.request.user.has_perm("subsidies.add_assessment"),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("subsidies.add_assessment"):
            raise PermissionDenied
        clinic = org.get_scoped_or_404(
            org.clinics_for(request.user), request.user, pk=request.POST.get("clinic"), clinic=""
        )
        assessed_on = _date(request.POST.get("assessed_on")) or timezone.localdate()
        try:
            if assessed_on == "invalid":
                raise ValidationError(_("考核日期无效。"))
            assessment = services.start_assessment(
                user=request.user,
                clinic=clinic,
                year=int_or(request.POST.get("year")),
                quarter=int_or(request.POST.get("quarter")),
                assessed_on=assessed_on,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("assessments:list")
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

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("subsidies.change_assessment"):
            raise PermissionDenied
        try:
            if "evidence" in request.FILES:
                services.add_evidence(
                    user=request.user,
                    assessment=self.assessment,
                    file=request.FILES["evidence"],
                    description=request.POST.get("evidence_description", ""),
                )
                messages.success(request, _("佐证材料已上传。"))
                return redirect("assessments:edit", pk=self.assessment.pk)
            values = {}
            for entry in self.assessment.entries.all():
                values[entry.pk] = {
                    key: request.POST.get(f"{key}_{entry.pk}")
                    for key in ("occurrences", "achieved", "passed", "manual_score", "reason")
                    if f"{key}_{entry.pk}" in request.POST
                }
            services.update_entries(
                user=request.user, assessment=self.assessment, values=values, notes=request.POST.get("notes")
            )
            if "submit" in request.POST:
                services.submit_assessment(user=request.user, assessment=self.assessment)
                messages.success(request, _("考核已提交，村医可以在手机上查看每一项扣分。"))
            else:
                messages.success(request, _("已保存。"))
        except ValidationError as exc:
            self.errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            return self.render_to_response(self.get_context_data())
        return redirect("assessments:edit", pk=self.assessment.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.assessment.refresh_from_db()
        errors = getattr(self, "errors", {})
        entries = list(self.assessment.entries.select_related("item"))
        for entry in entries:
            entry.error = errors.get(str(entry.pk))
        context.update(
            {
                "assessment": self.assessment,
                "entries": entries,
                "general_errors": errors.get("__all__"),
                "editable": self.assessment.status == "draft"
                and self.request.user.has_perm("subsidies.change_assessment"),
                "evidence": self.assessment.evidence.all(),
                "revisions": self.assessment.revisions.select_related("by"),
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
            ScoreItem.objects.filter(sheet__county__in=org.counties_for(self.request.user), mode="deduction")
            .order_by("code")
            .distinct()
        )
        context.update(
            {
                "inspections": inspections,
                "clinics": org.clinics_for(self.request.user),
                "items": sheet_items,
                "today": timezone.localdate(),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("subsidies.add_inspection"):
            raise PermissionDenied
        try:
            if request.POST.get("finding"):
                finding = org.get_scoped_or_404(
                    Finding.objects.select_related("inspection__clinic"),
                    request.user,
                    pk=request.POST["finding"],
                    clinic="inspection__clinic",
                )
                on = _date(request.POST.get("reinspected_on")) or timezone.localdate()
                if on == "invalid":
                    raise ValidationError(_("复查日期无效。"))
                services.reinspect(
                    user=request.user, finding=finding, rectified=request.POST.get("rectified") == "1", on=on
                )
                messages.success(request, _("复查结果已记录。"))
            else:
                clinic = org.get_scoped_or_404(
                    org.clinics_for(request.user), request.user, pk=request.POST.get("clinic"), clinic=""
                )
                inspected_on = _date(request.POST.get("inspected_on"))
                if inspected_on in (None, "invalid"):
                    raise ValidationError(_("请填写有效的检查日期。"))
                findings = []
                for i in range(1, 4):
                    deadline = _date(request.POST.get(f"deadline_{i}"))
                    if deadline == "invalid":
                        raise ValidationError(_("整改期限无效。"))
                    findings.append(
                        {
                            "item_code": request.POST.get(f"item_{i}", ""),
                            "description": request.POST.get(f"description_{i}", ""),
                            "deadline": deadline,
                        }
                    )
                services.record_inspection(
                    user=request.user,
                    clinic=clinic,
                    inspected_on=inspected_on,
                    notes=request.POST.get("notes", ""),
                    findings=findings,
                )
                messages.success(request, _("检查记录已保存。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
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
                "year": today.year,
                "quarter": (today.month - 1) // 3 + 1,
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("subsidies.add_satisfactionsurvey"):
            raise PermissionDenied
        clinic = org.get_scoped_or_404(
            org.clinics_for(request.user), request.user, pk=request.POST.get("clinic"), clinic=""
        )
        try:
            services.record_satisfaction(
                user=request.user,
                clinic=clinic,
                year=int_or(request.POST.get("year")),
                quarter=int_or(request.POST.get("quarter")),
                surveyed=int_or(request.POST.get("surveyed"), -1),
                satisfied=int_or(request.POST.get("satisfied"), -1),
            )
            messages.success(request, _("已保存。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("assessments:satisfaction")


class AppealsView(StaffView):
    template_name = "subsidies/assessments/admin_appeals.html"
    page_title = gettext_lazy("考核申诉")
    permission = "subsidies.view_appeal"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["appeals"] = selectors.appeals_for(self.request.user).order_by("status", "-created_at")[:200]
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("subsidies.change_appeal"):
            raise PermissionDenied
        appeal = org.get_scoped_or_404(
            selectors.appeals_for(request.user),
            request.user,
            pk=request.POST.get("appeal"),
            clinic="entry__assessment__clinic",
        )
        accept = request.POST.get("accept") == "1"
        new_values = {}
        for key in ("occurrences", "achieved", "manual_score"):
            if request.POST.get(key):
                new_values[key] = request.POST[key]
        if request.POST.get("passed") in ("0", "1"):
            new_values["passed"] = request.POST["passed"]
        try:
            services.decide_appeal(
                user=request.user,
                appeal=appeal,
                accept=accept,
                decision=request.POST.get("decision", ""),
                new_values=new_values,
            )
            messages.success(request, _("申诉已采纳，得分已更新。") if accept else _("申诉已驳回。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("assessments:appeals")


def ranking_filters(request) -> tuple[ScopeFilterForm, int, int, int | None]:
    """The filter form, year, quarter (default: this quarter) and township (default: all of the user's)."""
    today = timezone.localdate()
    form = ScopeFilterForm(request.GET, user=request.user, fields=("year", "quarter", "township"))
    return (form, form.get("year", today.year), form.get("quarter", (today.month - 1) // 3 + 1), form.get("township"))


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
    list_display = ["code", "name", "category", "max_points", "mode", "points_per_occurrence", "sheet"]
    list_select_related = ("sheet",)
    list_filter = ["sheet", "category", "mode"]
    form_fields = [
        "sheet",
        "category",
        "code",
        "name",
        "max_points",
        "mode",
        "points_per_occurrence",
        "indicator",
        "target",
        "sort_order",
    ]

    def get_form_class(self, for_update=False):
        form = super().get_form_class(for_update)
        form.scoped_choices = {"sheet": lambda user: org.restrict(ScoreSheet.objects.all(), user, county="county")}
        return form


sheet_viewset = ScoreSheetViewSet("scoresheet")
score_item_viewset = ScoreItemViewSet("scoreitem")
