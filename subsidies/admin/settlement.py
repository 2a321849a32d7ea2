"""Admin for subsidy policies and settlement runs: compute, simulate, confirm, approve, announce, pay;
each line's explanation; Excel export; PDF statements."""

from __future__ import annotations

import tablib
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail.admin.ui.menus import MenuItem as ListMenuItem

from clinics import audit
from clinics import selectors as org
from clinics.filters import ScopeFilterForm
from core.admin.viewsets import PermissionTemplateView, ScopedEditView, ScopedIndexView, ScopedModelViewSet
from core.files import protected_bytes, serve_protected_file
from core.forms import add_service_errors, joined_messages
from core.spreadsheets import xlsx_response
from programs.selectors.reports import county_price_table
from subsidies import explaining, forms, pdf
from subsidies.models import Advance, PolicyItem, SettlementRun, StatementBatch, SubsidyPolicy
from subsidies.models.settlement import POLICY_PARAMETERS
from subsidies.selectors import policy_check as check_selectors
from subsidies.selectors import settlement as selectors
from subsidies.services import advances as advance_services
from subsidies.services import policies as policy_services
from subsidies.services import settlement as services
from subsidies.tasks import build_statements


class StaffView(PermissionTemplateView):
    permission = "subsidies.view_settlementrun"
    header_icon = "doc-full-inverse"

    def invalid(self, **forms_):
        """The page again with the bound form and its errors (nothing has been written)."""
        return self.render_to_response(self.get_context_data(**forms_))


class RunListView(StaffView):
    template_name = "subsidies/settlement/admin_runs.html"
    page_title = gettext_lazy("补助结算")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "runs": selectors.runs_for(self.request.user)[:100],
                "policies": org.restrict(SubsidyPolicy.objects.all(), self.request.user, county="county"),
                "townships": org.townships_for(self.request.user),
                "year": timezone.localdate().year,
                "can_prepare": self.request.user.has_perm("subsidies.add_settlementrun"),
                "form": kwargs.get("form") or forms.RunCreateForm(user=self.request.user),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("subsidies.add_settlementrun"):
            raise PermissionDenied
        form = forms.RunCreateForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.invalid(form=form)
        policy = form.cleaned_data["policy"]
        try:
            run = services.create_run(
                user=request.user,
                policy=policy,
                year=policy.year,
                quarter=form.cleaned_data["quarter"],
                township=form.cleaned_data["township"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.invalid(form=form)
        messages.success(request, _("已生成结算草稿，可以修改政策参数后重新计算。"))
        return redirect("settlement:run", pk=run.pk)


class RunDetailView(StaffView):
    template_name = "subsidies/settlement/admin_run.html"

    def dispatch(self, request, *args, **kwargs):
        self.run = org.get_scoped_or_404(
            selectors.runs_for(request.user), request.user, pk=kwargs["pk"], county="county"
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return str(self.run)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lines = list(selectors.lines_for(self.request.user).filter(run=self.run))
        rows = [(line, explaining.grade(line.explanation)) for line in lines]
        context.update(
            {
                "run": self.run,
                "warnings": check_selectors.stored_warnings(self.run.warnings),
                "rows": rows,
                "to_rectify": [(line, grade) for line, grade in rows if grade.rectify],
                "user_id": self.request.user.pk,
                "is_county": org.get_scope(self.request.user).is_county_admin,
                "Status": SettlementRun.Status,
                "form": kwargs.get("form"),
                "history_actions": audit.actions_for(self.run, self.request.user),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        form = forms.RunActionForm(request.POST)
        if not form.is_valid():
            return self.invalid(form=form)
        action = form.cleaned_data["action"]
        version, comment = form.cleaned_data["version"], form.cleaned_data["comment"]
        try:
            if action == "recompute":
                services.recompute_run(user=request.user, run=self.run)
                messages.success(request, _("已按最新数据和政策参数重新计算；“变化”列是与上次计算相比的差额。"))
            elif action == "confirm":
                services.confirm_run(
                    user=request.user,
                    run=self.run,
                    version=version,
                    comment=comment,
                    warnings_checked=form.cleaned_data["warnings_checked"],
                )
                messages.success(request, _("已确认，等待卫健局审批。"))
            elif action == "approve":
                services.approve_run(user=request.user, run=self.run, version=version, comment=comment)
                messages.success(request, _("已审批。相关月份的数据已锁定。"))
            elif action == "return":
                services.return_run(user=request.user, run=self.run, version=version, comment=comment)
                messages.success(request, _("已退回卫生院，退回原因会显示在这份结算上。"))
            elif action == "reject":
                services.reject_run(user=request.user, run=self.run, version=version, comment=comment)
                messages.success(request, _("已驳回。这份结算作废保留，原因写在结算页上；数据更正后请重新生成结算。"))
            elif action == "announce":
                services.announce_run(user=request.user, run=self.run)
                messages.success(request, _("已在网站公示。"))
            elif action == "paid":
                services.mark_paid(user=request.user, run=self.run, reference=form.cleaned_data["reference"])
                messages.success(request, _("已登记拨付。"))
            elif action == "adjust":
                run = services.create_run(
                    user=request.user,
                    policy=self.run.policy,
                    year=self.run.year,
                    quarter=self.run.quarter,
                    township=self.run.township,
                    adjusts=self.run,
                )
                messages.success(request, _("已生成更正结算草稿。"))
                return redirect("settlement:run", pk=run.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
            if action in DECISIONS:  # back to the confirmation step, with what was typed
                return RunDecisionView.as_view()(request, pk=self.run.pk, form=form)
            return self.invalid(form=form)
        except ImportError as exc:
            messages.error(request, _("缺少依赖的模块：%(e)s") % {"e": exc})
        return redirect("settlement:run", pk=self.run.pk)


DECISIONS = ("confirm", "approve", "return", "reject")


class RunDecisionView(StaffView):
    """The confirmation step of 确认结算 / 审批通过 / 退回: what the decision locks (the run's townships,
    months, clinics and totals, as of the version shown), the comment, and the final button, which posts
    to the run page with that version."""

    template_name = "subsidies/settlement/admin_decide.html"

    def dispatch(self, request, *args, **kwargs):
        self.run = org.get_scoped_or_404(
            selectors.runs_for(request.user), request.user, pk=kwargs["pk"], county="county"
        )
        self.bound_form = kwargs.pop("form", None)  # the run page's, after a refusal
        source = request.POST if self.bound_form is not None else request.GET
        query = forms.RunDecisionQueryForm(source)
        if not query.is_valid():
            raise Http404
        self.action = query.cleaned_data["action"]
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):  # reached only from the run page's refusal
        return self.render_to_response(self.get_context_data())

    TITLES = {
        "confirm": gettext_lazy("确认结算前请核对"),
        "approve": gettext_lazy("审批前请核对"),
        "return": gettext_lazy("退回卫生院"),
        "reject": gettext_lazy("驳回这份结算草稿"),
    }

    def get_page_title(self):
        return self.TITLES[self.action]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.bound_form
        context.update(
            {
                "run": self.run,
                "warnings": check_selectors.stored_warnings(self.run.warnings),
                "action": self.action,
                "summary": selectors.decision_summary(self.run),
                "form": form,
                # Always the current one: the page shows the run as it is now (after a refusal too).
                "version": self.run.version,
                "comment": (form["comment"].value() or "") if form is not None else "",
            }
        )
        return context


class LineView(StaffView):
    template_name = "subsidies/settlement/line.html"

    def dispatch(self, request, *args, **kwargs):
        self.line = org.get_scoped_or_404(
            selectors.lines_for(request.user), request.user, pk=kwargs["pk"], clinic="clinic"
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("计算过程：%(clinic)s") % {"clinic": self.line.clinic.name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "line": self.line,
                "x": self.line.explanation,
                "e": selectors.line_explanation(line=self.line),
                "run": self.line.run,
                "admin": True,
                "sources": selectors.line_sources(line=self.line),
                "may_edit_policy": self.request.user.has_perm("subsidies.change_subsidypolicy"),
            }
        )
        return context


class PolicyCheckView(StaffView):
    """政策检查: what the policy pays nothing for in a period's counts, before a run is prepared; the county can
    copy the missing prices and work points from its yearly price table."""

    permission = "subsidies.view_subsidypolicy"
    template_name = "subsidies/settlement/policy_check.html"

    def dispatch(self, request, *args, **kwargs):
        self.policy = org.get_scoped_or_404(
            SubsidyPolicy.objects.select_related("county"), request.user, pk=kwargs["pk"], county="county"
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("政策检查：%(policy)s") % {"policy": self.policy}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        frozen = selectors.approved_run_using(self.policy.pk)
        query = forms.PolicyCheckForm(self.request.GET, year=self.policy.year)
        quarter = query.cleaned_data["quarter"] if query.is_valid() else None
        context.update(
            {
                "policy": self.policy,
                "query": query,
                "quarter": quarter,
                "warnings": check_selectors.policy_warnings(policy=self.policy, quarter=quarter),
                "table_size": len(county_price_table(county_id=self.policy.county_id, year=self.policy.year)),
                "priced_count": self.policy.items.count(),
                "may_change": self.request.user.has_perm("subsidies.change_subsidypolicy"),
                "may_copy": self.request.user.has_perm("subsidies.add_subsidypolicy"),
                "frozen_run": frozen,
                "copy_form": kwargs.get("copy_form") or self._copy_form(frozen=frozen is not None),
            }
        )
        return context

    def _copy_form(self, *, frozen: bool) -> forms.PolicyCopyForm:
        """Next year's policy by default; for a frozen policy, a new version of the same year."""
        year = self.policy.year if frozen else self.policy.year + 1
        return forms.PolicyCopyForm(
            initial={"year": year, "name": policy_services.copy_name(policy=self.policy, year=year)}
        )

    def post(self, request, *args, **kwargs):
        if "copy" in request.POST:
            return self._copy(request)
        if not request.user.has_perm("subsidies.change_subsidypolicy"):
            raise PermissionDenied
        form = forms.PolicyFillPricesForm(request.POST)
        if form.is_valid() and form.cleaned_data["fill"]:
            try:
                added = policy_services.fill_prices_from_table(user=request.user, policy=self.policy)
            except ValidationError as exc:
                messages.error(request, joined_messages(exc))
            else:
                if added:
                    messages.success(request, _("已从县单价表补入 %(n)s 个项目的单价和工分。") % {"n": added})
                else:
                    messages.info(request, _("政策已包含县单价表的全部项目，没有需要补入的。"))
        return redirect(request.get_full_path())

    def _copy(self, request):
        if not request.user.has_perm("subsidies.add_subsidypolicy"):
            raise PermissionDenied
        form = forms.PolicyCopyForm(request.POST)
        if form.is_valid():
            try:
                copy = policy_services.copy_policy(
                    user=request.user,
                    policy=self.policy,
                    year=form.cleaned_data["year"],
                    name=form.cleaned_data["name"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已复制为“%(name)s”（草稿，%(n)s 个项目标准）。请核对参数后再发布。")
                    % {"name": copy.name, "n": copy.items.count()},
                )
                return redirect("settlement:policy_check", pk=copy.pk)
        return self.render_to_response(self.get_context_data(copy_form=form))


class RunExportView(View):
    def get(self, request, pk):
        if not request.user.has_perm("subsidies.view_settlementrun"):
            raise PermissionDenied
        run = org.get_scoped_or_404(selectors.runs_for(request.user), request.user, pk=pk, county="county")
        data = tablib.Dataset(
            headers=[
                _("卫生室编码"),
                _("村卫生室"),
                _("乡镇"),
                _("考核得分"),
                _("质量系数"),
                _("公共卫生补助"),
                _("基本药物补助"),
                _("扣款"),
                _("已预拨"),
                _("应拨（负数为追回）"),
            ]
        )
        for line in selectors.lines_for(request.user).filter(run=run):
            x = line.explanation
            data.append(
                [
                    line.clinic.code,
                    line.clinic.name,
                    line.clinic.township.name,
                    x.get("score") or "",
                    x.get("coefficient"),
                    line.public_health,
                    line.drug_subsidy,
                    line.deductions,
                    line.advances,
                    line.balance,
                ]
            )
        return xlsx_response(data.export("xlsx"), filename=f"settlement-{run.pk}.xlsx")


class StatementView(View):
    def get(self, request, pk):
        if not request.user.has_perm("subsidies.view_settlementrun"):
            raise PermissionDenied

        line = org.get_scoped_or_404(selectors.lines_for(request.user), request.user, pk=pk, clinic="clinic")
        return protected_bytes(pdf.statement_pdf(line), pdf.statement_filename(line), content_type="application/pdf")


class StatementsZipView(View):
    """Start building all statements of a run in the background (township staff: their township's)."""

    def get(self, request, pk):
        if not request.user.has_perm("subsidies.view_settlementrun"):
            raise PermissionDenied

        run = org.get_scoped_or_404(selectors.runs_for(request.user), request.user, pk=pk, county="county")
        scope = org.get_scope(request.user)
        township_id = (
            scope.township_id
            if scope.level == "township"
            else ScopeFilterForm(request.GET, user=request.user, fields=("township",)).or_404().get("township")
        )
        batch = StatementBatch.objects.create(run=run, township_id=township_id, created_by=request.user)
        build_statements.enqueue(batch.pk)
        return redirect("settlement:batch", pk=batch.pk)


class StatementBatchView(StaffView):
    template_name = "subsidies/settlement/admin_batch.html"
    page_title = gettext_lazy("生成结算单")

    def dispatch(self, request, *args, **kwargs):
        # The ZIP follows the settlement's scope (the run, and the batch's township), not its creator.
        self.batch = org.get_scoped_or_404(
            selectors.statement_batches_for(request.user), request.user, pk=kwargs["pk"], county="run__county"
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        query = forms.StatementBatchQueryForm(request.GET)
        query.is_valid()  # an unknown value of either parameter is ignored: the page is shown
        if query.cleaned_data.get("format") == "json":
            return JsonResponse(
                {
                    "state": self.batch.state,
                    "percent": self.batch.percent,
                    "done": self.batch.done,
                    "total": self.batch.total,
                }
            )
        if query.cleaned_data.get("download") and self.batch.state == StatementBatch.State.DONE and self.batch.file:
            return serve_protected_file(
                request,
                f"statements/{self.batch.file}",
                f"statements-{self.batch.run_id}.zip",
                content_type="application/zip",
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"batch": self.batch, "State": StatementBatch.State})
        return context


class AdvanceBatchesView(PermissionTemplateView):
    """按政策生成预拨款: pick a policy with a schedule and a period; lists the county's batches.
    County admins only (the service checks the county too)."""

    permission = "subsidies.add_advancebatch"
    header_icon = "form"
    template_name = "subsidies/settlement/admin_advances.html"
    page_title = gettext_lazy("按政策生成预拨款")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        policies = (
            org.restrict(SubsidyPolicy.objects.select_related("county"), user, county="county")
            .exclude(advance_method=SubsidyPolicy.AdvanceMethod.NONE)
            .filter(status=SubsidyPolicy.Status.ACTIVE)
        )
        context.update(
            {
                "policies": policies,
                "quarters": [(f"q{q}", q) for q in range(1, 5)],
                "months": [(f"m{m}", m) for m in range(1, 13)],
                "batches": selectors.advance_batches_for(user)[:100],
                "form": kwargs.get("form") or forms.AdvanceBatchForm(user=user),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        form = forms.AdvanceBatchForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            batch, created = advance_services.generate_advances(
                user=request.user, policy=form.cleaned_data["policy"], **form.period_kwargs()
            )
        except ValidationError as exc:
            add_service_errors(form, forms.renamed(exc, form.service_fields))
            return self.render_to_response(self.get_context_data(form=form))
        if created:
            messages.success(
                request,
                _("已生成 %(n)s 个村卫生室的预拨款，合计 %(t)s 元；结算时自动扣除。")
                % {"n": batch.clinic_count, "t": batch.total},
            )
        else:
            messages.warning(
                request,
                _("%(b)s已于 %(at)s 生成过，没有重复拨付。")
                % {"b": batch, "at": timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M")},
            )
        return redirect("settlement:advance_batch", pk=batch.pk)


class AdvanceBatchView(PermissionTemplateView):
    permission = "subsidies.view_advancebatch"
    header_icon = "form"
    template_name = "subsidies/settlement/admin_advance_batch.html"

    def dispatch(self, request, *args, **kwargs):
        self.batch = org.get_scoped_or_404(
            selectors.advance_batches_for(request.user), request.user, pk=kwargs["pk"], county="county"
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return str(self.batch)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "batch": self.batch,
                "advances": self.batch.advances.select_related("clinic__township").order_by("clinic__code"),
                "history_actions": audit.actions_for(self.batch, self.request.user),
            }
        )
        return context


class PolicyIndexView(ScopedIndexView):
    """Row action: the policy check (what the policy pays nothing for)."""

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        buttons.append(
            ListMenuItem(
                gettext_lazy("政策检查"),
                url=reverse("settlement:policy_check", args=[instance.pk]),
                icon_name="warning",
                priority=30,
            )
        )
        return buttons


class PolicyEditView(ScopedEditView):
    """A policy an approved settlement used says so when opened (saving it is refused by the service)."""

    def get(self, request, *args, **kwargs):
        try:
            policy_services.ensure_policy_not_frozen(self.get_object().pk)
        except ValidationError as exc:
            messages.warning(request, joined_messages(exc))
        return super().get(request, *args, **kwargs)


class PolicyViewSet(ScopedModelViewSet):
    model = SubsidyPolicy
    icon = "cogs"
    menu_label = gettext_lazy("补助政策")
    add_to_admin_menu = False
    scope_paths = {"county": "county"}
    scoped_choices = {"county": org.counties_for}
    save_service = staticmethod(policy_services.save_policy)
    edit_view_class = PolicyEditView
    index_view_class = PolicyIndexView
    list_display = ["name", "year", "method", "per_capita_rate", "village_share", "advance_schedule_display", "status"]
    data_resource = "policies"
    form_fields = ["county", "year", "name", *POLICY_PARAMETERS]


class PolicyItemViewSet(ScopedModelViewSet):
    model = PolicyItem
    icon = "tag"
    menu_label = gettext_lazy("政策项目标准")
    add_to_admin_menu = False
    scope_paths = {"county": "policy__county"}
    list_display = ["policy", "item", "unit_price", "work_points"]
    list_select_related = ("policy", "item")
    list_filter = ["policy"]
    form_fields = ["policy", "item", "unit_price", "work_points"]
    data_resource = "policy_items"
    save_service = staticmethod(policy_services.save_policy_item)
    delete_service = staticmethod(policy_services.delete_policy_item)

    def get_form_class(self, for_update=False):
        form = super().get_form_class(for_update)
        form.scoped_choices = {"policy": lambda user: org.restrict(SubsidyPolicy.objects.all(), user, county="county")}
        return form


class AdvanceViewSet(ScopedModelViewSet):
    model = Advance
    icon = "form"
    menu_label = gettext_lazy("预拨款")
    add_to_admin_menu = False
    scope_paths = {"clinic": "clinic"}
    scoped_choices = {"clinic": org.clinics_for}
    list_display = ["clinic", "paid_on", "amount", "reference", "batch"]
    list_select_related = ("clinic", "batch__county")
    form_fields = ["clinic", "paid_on", "amount", "reference"]
    # Generated advances and those of settled months are refused by the service.
    save_service = staticmethod(advance_services.save_advance)
    delete_service = staticmethod(advance_services.delete_advance)


policy_viewset = PolicyViewSet("subsidypolicy")
policy_item_viewset = PolicyItemViewSet("policyitem")
advance_viewset = AdvanceViewSet("advance")
