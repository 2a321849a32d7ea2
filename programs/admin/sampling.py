"""Township and county admin of the resident-level verification (抽查核实, #17): a township-month's samples with
抽取本月样本, one sample's page (progress, redraw with a reason, assign the calls, 应用到月报), the call list on a phone,
我的回访 (the samples a staff member calls), and the county's yearly sampling rules (抽查规则)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.tables import Column

from clinics import audit
from clinics import selectors as org
from clinics.filters import ScopeFilterForm
from core import dataio
from core.admin.viewsets import PermissionTemplateView, ScopedModelViewSet
from core.forms import add_service_errors, joined_messages
from core.templatetags.figures import percent
from programs.forms import DrawSamplesForm, OutcomeForm, SampleActionForm
from programs.models import SampleEntry, SamplingRule, ServiceReport, VerificationSample
from programs.selectors import sampling as sampling_selectors
from programs.selectors.periods import reporting_month
from programs.services import sampling as sampling_services


class SamplingView(PermissionTemplateView):
    permission = "programs.view_servicereport"


def _percent(checked: int, confirmed: int) -> str:
    return f"{confirmed * 100 / checked:.1f}%" if checked else "—"


def _rule_of(user, year: int) -> SamplingRule | None:
    """The county's sampling rule of the year as the draw will use it (unsaved: the defaults apply)."""
    county_id = org.get_scope(user).county_id
    return sampling_services.rule_for(county_id=county_id, year=year) if county_id else None


class SamplesView(SamplingView):
    """A month's samples per clinic and item, with 抽取本月样本 and the clinics left unchecked."""

    template_name = "programs/sampling/admin_samples.html"
    page_title = gettext_lazy("抽查核实")
    header_icon = "search"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        default_year, default_month = reporting_month(timezone.localdate())
        filters = ScopeFilterForm(self.request.GET, user=self.request.user, fields=("year", "month", "township"))
        invalid = filters.explain(self.request)
        year = filters.get("year", default_year)
        month = filters.get("month", 0) or default_month
        township = filters.get("township", 0) or None
        results = dataio.get_resource_class("verification_samples")
        samples = (
            []
            if invalid
            else sampling_selectors.month_samples(user=self.request.user, year=year, month=month, township=township)
        )
        rows = [
            {
                "s": sample,
                "called": getattr(sample, "called", 0),
                "rate": _percent(getattr(sample, "checked", 0), getattr(sample, "confirmed", 0)),
            }
            for sample in samples
        ]
        context.update(
            {
                "year": year,
                "month": month,
                "township": township,
                "months": range(1, 13),
                "townships": org.townships_for(self.request.user),
                "samples": rows,
                "unchecked": []
                if invalid
                else sampling_selectors.unchecked_clinics(
                    user=self.request.user, year=year, month=month, township=township
                ),
                "can_draw": self.request.user.has_perm("programs.change_servicereport"),
                # The call lists as Excel both ways (programs.resources.sampling), for calls from a printed list.
                "may_import_results": dataio.user_may_import(self.request.user, results),
                "may_export_results": dataio.user_may_export(self.request.user, results),
                "rule": _rule_of(self.request.user, year),
                "form": kwargs.get("form"),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("programs.change_servicereport"):
            raise PermissionDenied
        form = DrawSamplesForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, joined_messages(ValidationError([e for es in form.errors.values() for e in es])))
            return redirect("sampling:list")
        township = form.cleaned_data["township"]
        try:
            drawn = sampling_services.draw_samples(
                user=request.user,
                year=form.cleaned_data["year"],
                month=form.cleaned_data["month"],
                township=township.pk if township else None,
            )
        except ValidationError as exc:
            messages.error(request, joined_messages(exc))
        else:
            if drawn:
                messages.success(request, _("已抽取 %(n)s 份样本。") % {"n": len(drawn)})
            else:
                messages.info(request, _("没有需要抽取的样本（已抽取过，或本月没有已提交月报的服务记录）。"))
        query = {"year": form.cleaned_data["year"], "month": form.cleaned_data["month"]}
        if township:
            query["township"] = township.pk
        return redirect(reverse("sampling:list") + "?" + urlencode(query))


class SampleView(SamplingView):
    """One sample: its entries (masked), progress, rate, the report line, redraw / assign / apply."""

    template_name = "programs/sampling/admin_sample.html"
    header_icon = "search"

    def dispatch(self, request, *args, **kwargs):
        self.sample = org.get_scoped_or_404(
            VerificationSample.objects.select_related("clinic__township", "item", "assigned_to", "drawn_by"),
            request.user,
            pk=kwargs["pk"],
            clinic="clinic",
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("抽查样本：%(sample)s") % {"sample": self.sample}

    def report(self) -> ServiceReport | None:
        return ServiceReport.objects.filter(
            clinic_id=self.sample.clinic_id, year=self.sample.year, month=self.sample.month
        ).first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        checked, confirmed = sampling_services.authenticity(self.sample)
        entries = list(self.sample.entries.select_related("record", "called_by").order_by("position"))
        report = self.report()
        line = report.lines.filter(item_id=self.sample.item_id).first() if report else None
        context.update(
            {
                "sample": self.sample,
                "entries": entries,
                "called": sum(1 for e in entries if not e.reserve and (e.outcome or e.attempts)),
                "checked": checked,
                "confirmed": confirmed,
                "rate": _percent(checked, confirmed),
                "report": report,
                "line": line,
                "current": self.sample.superseded_by_id is None,
                "older": sampling_selectors.history_of(self.sample),
                "form": kwargs.get("form") or SampleActionForm(township_id=self.sample.clinic.township_id),
                "can_change": self.request.user.has_perm("programs.change_servicereport"),
                "may_call": sampling_services.may_call(self.request.user, self.sample),
                "history_actions": audit.actions_for(self.sample, self.request.user),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("programs.change_servicereport"):
            raise PermissionDenied
        form = SampleActionForm(request.POST, township_id=self.sample.clinic.township_id)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        target = self.sample
        try:
            if form.cleaned_data["redraw"]:
                target = sampling_services.redraw_sample(
                    user=request.user, sample=self.sample, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("已重新抽取，原样本保留在历史中。"))
            elif form.cleaned_data["assign"]:
                sampling_services.assign_sample(
                    user=request.user, sample=self.sample, assignee=form.cleaned_data["assignee"]
                )
                messages.success(request, _("已分配回访人。"))
            else:
                report = self.report()
                if report is None:
                    raise ValidationError(_("该月没有月报，无法应用。"))
                sampling_services.apply_samples_to_report(user=request.user, report=report)
                messages.success(request, _("已按回访结果核实月报：%(report)s") % {"report": report})
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        return redirect("sampling:sample", target.pk)


class CallListView(SamplingView):
    """The call list on a phone: the sample's entries with the resident's phone (whole, as a tel: link, only for the
    staff member assigned to the sample; each such page is recorded), and one outcome form per entry."""

    template_name = "programs/sampling/admin_calls.html"
    header_icon = "mobile-alt"

    def dispatch(self, request, *args, **kwargs):
        self.sample = org.get_scoped_or_404(
            VerificationSample.objects.select_related("clinic__township", "item", "assigned_to"),
            request.user,
            pk=kwargs["pk"],
            clinic="clinic",
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("回访名单：%(sample)s") % {"sample": self.sample}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = sampling_selectors.call_list(user=self.request.user, sample=self.sample, page="sampling:calls")
        checked, confirmed = sampling_services.authenticity(self.sample)
        context.update(
            {
                "sample": self.sample,
                "rows": rows,
                "outcomes": SampleEntry.Outcome.choices,
                "replaced": sampling_services.REPLACED,
                "may_call": sampling_services.may_call(self.request.user, self.sample)
                and self.sample.superseded_by_id is None,
                "checked": checked,
                "confirmed": confirmed,
                "rate": _percent(checked, confirmed),
                "errors": kwargs.get("errors", []),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        form = OutcomeForm(request.POST, sample_id=self.sample.pk)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(errors=[e for es in form.errors.values() for e in es]))
        try:
            sampling_services.record_outcome(
                user=request.user,
                entry=form.cleaned_data["entry"],
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                open_complaint=form.cleaned_data["open_complaint"],
            )
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=[joined_messages(exc)]))
        messages.success(request, _("已记录。"))
        return redirect(reverse("sampling:calls", args=[self.sample.pk]) + f"#entry-{form.cleaned_data['entry'].pk}")


class MyCallsView(SamplingView):
    """我的回访: the current samples the user calls, with progress."""

    template_name = "programs/sampling/admin_mine.html"
    page_title = gettext_lazy("我的回访")
    header_icon = "mobile-alt"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        samples = sampling_selectors.my_samples(user=self.request.user)
        progress = sampling_selectors.progress_of([s.pk for s in samples])
        rows = []
        for sample in samples:
            called, checked, confirmed = progress.get(sample.pk, (0, 0, 0))
            rows.append({"s": sample, "called": called, "rate": _percent(checked, confirmed)})
        context["samples"] = rows
        return context


# Shares are stored as ratios (0.05); staff read and type them with this hint next to the field.
_SHARE_HELP = gettext_lazy("填小数：0.05 表示 5%，1 表示全部。")


def _bands(rule: SamplingRule) -> str:
    return _("高 %(high)s、中 %(medium)s、低 %(low)s") % {
        "high": percent(rule.high_risk_share),
        "medium": percent(rule.medium_risk_share),
        "low": percent(rule.low_risk_share),
    }


class SamplingRuleViewSet(ScopedModelViewSet):
    """The county's sampling rule of each year (抽查规则): how many records of each clinic and item are called,
    the reserve, the attempts before a resident counts as unreachable, the share of clinics checked per risk
    band, and how clinics left unchecked are paid. A year without a rule uses the model's defaults."""

    model = SamplingRule
    icon = "search"
    menu_label = gettext_lazy("抽查规则")
    add_to_admin_menu = False
    scope_paths = {"county": "county"}
    scoped_choices = {"county": org.counties_for}
    list_display = [
        "year",
        Column("share", label=gettext_lazy("抽查比例"), accessor=lambda rule: percent(rule.share)),
        Column(
            "size",
            label=gettext_lazy("每项抽查人数"),
            accessor=lambda rule: _("%(min)s–%(max)s 人") % {"min": rule.minimum, "max": rule.maximum},
        ),
        "reserve",
        "max_attempts",
        Column("bands", label=gettext_lazy("各风险等级卫生室抽查比例"), accessor=_bands),
        Column("unchecked_basis", label=gettext_lazy("未抽中卫生室的核实数"), accessor="get_unchecked_basis_display"),
        "county",
    ]
    list_select_related = ("county",)
    list_filter = ["year"]
    form_fields = [
        "county",
        "year",
        "share",
        "minimum",
        "maximum",
        "reserve",
        "max_attempts",
        "high_risk_share",
        "medium_risk_share",
        "low_risk_share",
        "unchecked_basis",
    ]

    def formfield_for_dbfield(self, db_field, **kwargs):
        if db_field.name.endswith("share"):
            kwargs.setdefault("help_text", _SHARE_HELP)
        return super().formfield_for_dbfield(db_field, **kwargs)


rule_viewset = SamplingRuleViewSet("samplingrule")
