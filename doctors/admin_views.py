"""Custom admin pages: the township's licence work list, renewal review and county decision,
applying on a doctor's behalf, cancelling a licence, and yearly training compliance."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from clinics.filters import ScopeFilterForm
from clinics.roles import Role
from clinics.selectors import get_scope, get_scoped_or_404
from doctors import rules, selectors, services
from doctors.models import Licence, RenewalApplication

if TYPE_CHECKING:  # what the mixin is mixed into
    from django.views.generic import View as _View
else:
    _View = object


class StaffOnlyMixin(_View):
    """Township staff and county admins (and superusers); anyone else is refused."""

    def dispatch(self, request, *args, **kwargs):
        scope = get_scope(request.user)
        if not (scope.sees_everything or scope.role in (Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN)):
            raise PermissionDenied
        self.scope = scope
        self.today = timezone.localdate()
        return super().dispatch(request, *args, **kwargs)


class StaffPage(StaffOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "user"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


class WorklistView(StaffPage):
    template_name = "doctors/admin/worklist.html"
    page_title = gettext_lazy("证书工作台")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, self.today
        # ?township=ID narrows the lists to one township of the user's scope (links from the county dashboard).
        filters = ScopeFilterForm(self.request.GET, user=user, fields=("township",))
        township = filters.get("township")
        if filters.explain(self.request):
            township = -1  # matches no township: an empty, explained worklist
        narrow = (lambda qs, path: qs.filter(**{path: township})) if township else (lambda qs, path: qs)
        expiring = list(
            narrow(
                selectors.expiring_within(user=user, on=today, days=90), "doctor__clinic__township_id"
            ).select_related("doctor__clinic")
        )
        for licence in expiring:
            licence.days_left = (licence.expires_on - today).days
            licence.window_open = rules.in_renewal_window(licence.expires_on, today)
        pending = list(narrow(selectors.renewal_pending(user=user), "licence__doctor__clinic__township_id"))
        for application in pending:
            application.days_left = selectors.days_left(application, today)
            application.overdue = selectors.is_overdue(application, today)
        context.update(
            {
                "today": today,
                "expiring": expiring,
                "pending": pending,
                "lapsed": list(
                    narrow(selectors.lapsed(user=user, on=today), "doctor__clinic__township_id").select_related(
                        "doctor__clinic"
                    )
                ),
                "behind": [
                    row
                    for row in selectors.training_compliance(user=user, year=today.year, only_behind=True)
                    if not township or row.doctor.clinic.township_id == township
                ],
                "reminders": list(
                    narrow(selectors.reminders_for(user), "licence__doctor__clinic__township_id")
                    .filter(sent_on__gte=today - timedelta(days=30))
                    .select_related("licence__doctor__clinic")[:50]
                ),
                "township": township,
            }
        )
        return context


class RenewalListView(StaffPage):
    template_name = "doctors/admin/renewals.html"
    page_title = gettext_lazy("再注册审核")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "open")
        qs = selectors.renewals_for(self.request.user).select_related("new_licence")
        if status == "open":
            qs = qs.filter(status__in=RenewalApplication.OPEN)
        elif status in RenewalApplication.Status.values:
            qs = qs.filter(status=status)
        rows = list(qs.order_by("-applied_on", "-pk")[:500])
        for application in rows:
            application.days_left = selectors.days_left(application, self.today)  # type: ignore[attr-defined]  # for the template
            application.overdue = selectors.is_overdue(application, self.today)  # type: ignore[attr-defined]
        context.update({"rows": rows, "status": status, "statuses": RenewalApplication.Status.choices})
        return context


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("意见"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    new_number = forms.CharField(label=gettext_lazy("新证书编号（留空自动编号）"), required=False, max_length=40)


class RenewalDetailView(StaffPage):
    template_name = "doctors/admin/renewal.html"
    page_title = gettext_lazy("再注册申请")

    def get_application(self):
        return get_scoped_or_404(
            selectors.renewals_for(self.request.user),
            self.request.user,
            pk=self.kwargs["pk"],
            clinic="licence__doctor__clinic",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = self.application
        licence = application.licence
        doctor = licence.doctor
        if application.status == RenewalApplication.Status.SUBMITTED:
            eligibility = selectors.renewal_eligibility(licence=licence, on=self.today).as_json()
        else:
            eligibility = application.eligibility
        scope = self.scope
        context.update(
            {
                "application": application,
                "licence": licence,
                "doctor": doctor,
                "eligibility": eligibility,
                "form": kwargs.get("form") or ReviewForm(),
                "may_review": application.status == RenewalApplication.Status.SUBMITTED
                and (
                    scope.sees_everything
                    or (scope.is_township_staff and scope.township_id == doctor.clinic.township_id)
                ),
                "may_decide": application.status == RenewalApplication.Status.FORWARDED
                and (
                    scope.sees_everything
                    or (scope.role == Role.COUNTY_ADMIN and scope.county_id == doctor.clinic.township.county_id)
                ),
                "days_left": selectors.days_left(application, self.today),
                "overdue": selectors.is_overdue(application, self.today),
                "deadline": rules.decision_deadline(application.forwarded_on) if application.forwarded_on else None,
                "window_opens": rules.renewal_window_opens(licence.expires_on),
            }
        )
        return context

    def get(self, request, *args, **kwargs):
        self.application = self.get_application()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.application = self.get_application()
        form = ReviewForm(request.POST)
        action = request.POST.get("action")
        if not form.is_valid() or action not in ("forward", "return", "approve", "refuse"):
            return self.render_to_response(self.get_context_data(form=form), status=400)
        note = form.cleaned_data["note"]
        try:
            if action in ("forward", "return"):
                services.township_review(
                    application=self.application,
                    user=request.user,
                    forward=action == "forward",
                    note=note,
                    on=self.today,
                )
                done = _("已报送卫健局审批。") if action == "forward" else _("已退回申请。")
            else:
                result = services.county_decide(
                    application=self.application,
                    user=request.user,
                    approve=action == "approve",
                    reason=note,
                    on=self.today,
                    new_number=form.cleaned_data["new_number"],
                )
                done = (
                    _("已批准，新证书编号 %(n)s。") % {"n": result.new_licence.number}  # type: ignore[union-attr]  # approved: a new licence
                    if action == "approve"
                    else _("已不予批准。")
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error("note" if field in ("note", "reason") else None, errors)
            else:
                form.add_error(None, exc.messages)
            self.application.refresh_from_db()
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, done)
        return redirect("doctors_renewal", pk=self.application.pk)


class ApplyOnBehalfView(StaffPage):
    template_name = "doctors/admin/apply.html"
    page_title = gettext_lazy("代为申请再注册")

    def get_licence(self):
        return get_scoped_or_404(
            selectors.licences_for(self.request.user), self.request.user, pk=self.kwargs["pk"], clinic="doctor__clinic"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        licence = self.licence
        context.update(
            {
                "licence": licence,
                "window_opens": rules.renewal_window_opens(licence.expires_on),
                "eligibility": selectors.renewal_eligibility(licence=licence, on=self.today).as_json(),
                "errors": kwargs.get("errors", []),
            }
        )
        return context

    def get(self, request, *args, **kwargs):
        self.licence = self.get_licence()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.licence = self.get_licence()
        try:
            application = services.apply_for_renewal(
                licence=self.licence, user=request.user, on=self.today, note=request.POST.get("note", "")[:500]
            )
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=exc.messages), status=400)
        messages.success(request, _("已代为提交再注册申请。"))
        return redirect("doctors_renewal", pk=application.pk)


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("注销原因"), choices=Licence.CancelReason.choices)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=300)


class CancelLicenceView(StaffPage):
    """注销: county admins of the doctor's county only."""

    template_name = "doctors/admin/cancel.html"
    page_title = gettext_lazy("注销执业证书")

    def dispatch(self, request, *args, **kwargs):
        scope = get_scope(request.user)
        if not (scope.sees_everything or scope.role in (Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN)):
            raise PermissionDenied
        self.licence = get_scoped_or_404(
            selectors.licences_for(request.user), request.user, pk=kwargs["pk"], clinic="doctor__clinic"
        )
        if not scope.is_county_admin:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"licence": self.licence, "form": kwargs.get("form") or CancelForm()})
        return context

    def post(self, request, *args, **kwargs):
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                services.cancel_licence(
                    licence=self.licence,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("证书 %(n)s 已注销。") % {"n": self.licence.number})
                return redirect("licence:index")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TrainingComplianceView(StaffPage):
    template_name = "doctors/admin/training.html"
    page_title = gettext_lazy("年度培训达标情况")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            year = int(self.request.GET.get("year", self.today.year))
        except ValueError:
            year = self.today.year
        year = min(max(year, 2000), 2100)
        only_behind = self.request.GET.get("behind") == "1"
        rows = selectors.training_compliance(user=self.request.user, year=year, only_behind=only_behind)
        context.update(
            {
                "rows": rows,
                "year": year,
                "only_behind": only_behind,
                "years": list(range(self.today.year, self.today.year - 6, -1)),
                "compliant": sum(1 for r in rows if r.compliant),
            }
        )
        return context
