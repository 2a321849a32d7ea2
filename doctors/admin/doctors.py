"""Custom admin pages: the township's licence work list, renewal review and county decision,
applying on a doctor's behalf, cancelling a licence, and yearly training compliance."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import modelform_factory
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus import MenuItem as ListMenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.log_actions import log

from clinics import selectors as org
from clinics.filters import ScopeFilterForm
from clinics.roles import Role
from clinics.selectors import get_scope, get_scoped_or_404
from core.admin.menus import MenuEntry
from core.admin.viewsets import ScopedEditView, ScopedIndexView, ScopedModelViewSet
from core.forms import ServiceFormMixin, add_service_errors
from doctors import rules, selectors, services
from doctors.forms import ApplyOnBehalfForm, CancelForm, RenewalStatusForm, ReviewForm, TrainingFilterForm
from doctors.models import (
    DoctorAssessment,
    Licence,
    RenewalApplication,
    TrainingAttendance,
    TrainingRule,
    TrainingSession,
    VillageDoctor,
)

if TYPE_CHECKING:  # what the mixins below are mixed into (Any: Wagtail has no type hints)
    from django.views.generic import View as _View
    from wagtail.admin.views.generic import CreateView as _WagtailFormView
else:
    _View = _WagtailFormView = object


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
                "reminders": self.reminders(
                    narrow(selectors.reminders_for(user), "licence__doctor__clinic__township_id")
                ),
                "township": township,
            }
        )
        return context

    def reminders(self, reminders):
        """The last 30 days' licence reminders, with the addresses they went to masked unless the user is the
        clinic's own township staff (recorded when shown whole)."""
        rows = list(
            reminders.filter(sent_on__gte=self.today - timedelta(days=30)).select_related("licence__doctor__clinic")[
                :50
            ]
        )
        whole = 0
        for reminder in rows:
            if selectors.sees_whole_contacts(
                user=self.request.user, township_id=reminder.licence.doctor.clinic.township_id
            ):
                reminder.shown_emails = reminder.emailed_to
                whole += bool(reminder.emailed_to)
            else:
                reminder.shown_emails = selectors.mask_emails(reminder.emailed_to)
        selectors.log_whole_contacts_shown(user=self.request.user, page="licence worklist", count=whole)
        return rows


class RenewalListView(StaffPage):
    template_name = "doctors/admin/renewals.html"
    page_title = gettext_lazy("再注册审核")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = RenewalStatusForm(self.request.GET).chosen()
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
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        action, note = form.cleaned_data["action"], form.cleaned_data["note"]
        try:
            if action in ("forward", "return"):
                services.township_review(
                    application=self.application,
                    user=request.user,
                    forward=action == "forward",
                    note=note,
                    on=self.today,
                    version=form.cleaned_data["version"],
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
                    version=form.cleaned_data["version"],
                )
                done = (
                    _("已批准，新证书编号 %(n)s。") % {"n": result.new_licence.number}  # type: ignore[union-attr]  # approved: a new licence
                    if action == "approve"
                    else _("已不予批准。")
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "reason" in exc.error_dict:
                # The county's refusal reason is typed in the same box as the note.
                exc = ValidationError({"note" if k == "reason" else k: v for k, v in exc.error_dict.items()})
            add_service_errors(form, exc)
            self.application.refresh_from_db()
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, done)
        return redirect("doctors:renewal", pk=self.application.pk)


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
        form = ApplyOnBehalfForm(request.POST)
        form.is_valid()  # a free-text note: always valid
        try:
            application = services.apply_for_renewal(
                licence=self.licence, user=request.user, on=self.today, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=exc.messages), status=400)
        messages.success(request, _("已代为提交再注册申请。"))
        return redirect("doctors:renewal", pk=application.pk)


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
                add_service_errors(form, exc)
            else:
                messages.success(request, _("证书 %(n)s 已注销。") % {"n": self.licence.number})
                return redirect("licence:index")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TrainingComplianceView(StaffPage):
    template_name = "doctors/admin/training.html"
    page_title = gettext_lazy("年度培训达标情况")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # An invalid year shows this year, as before (the list has no "all years").
        year = ScopeFilterForm(self.request.GET, user=self.request.user, fields=("year",)).get("year", self.today.year)
        only_behind = TrainingFilterForm(self.request.GET).only_behind()
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


class ResetPasswordView(StaffPage):
    """重置登录密码: township staff of the doctor's township (or the county) give a doctor who forgot the password
    a temporary one. It is shown once, on the answer to the POST, and never stored in a message or a log."""

    template_name = "doctors/admin/reset_password.html"
    page_title = gettext_lazy("重置村医登录密码")

    def get_doctor(self):
        return get_scoped_or_404(
            selectors.doctors_for(self.request.user), self.request.user, pk=self.kwargs["pk"], clinic="clinic"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"doctor": self.doctor, "login": self.doctor.user, **kwargs})
        return context

    def get(self, request, *args, **kwargs):
        self.doctor = self.get_doctor()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.doctor = self.get_doctor()
        try:
            password = services.reset_doctor_password(user=request.user, doctor=self.doctor)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=exc.messages), status=400)
        # Wagtail's admin views are never cached (Cache-Control: no-store): the password stays in no cache.
        return self.render_to_response(self.get_context_data(password=password))


class DoctorIndexView(ScopedIndexView):
    """Row action: reset the login password of a doctor who has a login."""

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if instance.user_id is not None:
            buttons.append(
                ListMenuItem(
                    gettext_lazy("重置登录密码"),
                    url=reverse("doctors:reset_password", args=[instance.pk]),
                    icon_name="key",
                    priority=40,
                )
            )
        return buttons


class DoctorEditView(ScopedEditView):
    """A change of clinic is a 变更注册: recorded in the history and followed by the login's scope."""

    def save_instance(self):
        old_clinic_id = VillageDoctor.objects.values_list("clinic_id", flat=True).get(pk=self.object.pk)
        new_clinic = self.form.cleaned_data["clinic"]
        instance = self.form.save(commit=False)
        instance.clinic_id = old_clinic_id
        instance.save()
        if new_clinic.pk != old_clinic_id:
            instance = services.move_doctor(
                doctor=instance,
                to_clinic=new_clinic,
                moved_on=timezone.localdate(),
                user=self.request.user,
                reason=str(gettext_lazy("后台变更执业卫生室")),
            )
        self.has_content_changes = self.form.has_changed()
        log(instance=instance, action="wagtail.edit", content_changed=self.has_content_changes)
        return instance


class VillageDoctorViewSet(ScopedModelViewSet):
    model = VillageDoctor
    icon = "user"
    menu_label = gettext_lazy("乡村医生名册")
    scope_paths = {"clinic": "clinic"}
    scoped_choices = {"clinic": org.clinics_for}
    list_display = [
        "name",
        "gender",
        Column("masked_id_number", label=gettext_lazy("身份证号")),
        "mobile",
        "clinic",
        "qualification",
        "status",
    ]
    list_select_related = ("clinic",)
    list_filter = ["status", "qualification", "gender"]
    search_fields = ["name", "mobile", "clinic__name"]
    form_fields = ["name", "gender", "birth_date", "id_number", "mobile", "email", "clinic", "qualification", "status"]
    data_resource = "doctors"
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "name",
        "gender",
        "birth_date",
        "id_number",
        "mobile",
        "email",
        "clinic",
        "qualification",
        "status",
        "created_at",
        "password_reset_at",
    ]
    index_view_class = DoctorIndexView
    edit_view_class = DoctorEditView


class LicenceIndexView(ScopedIndexView):
    """Row actions: apply for renewal on the doctor's behalf (in the window) and, for the county, cancel."""

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        today = timezone.localdate()
        if instance.status == Licence.Status.VALID and rules.in_renewal_window(instance.expires_on, today):
            buttons.append(
                ListMenuItem(
                    gettext_lazy("代为申请再注册"),
                    url=reverse("doctors:apply", args=[instance.pk]),
                    icon_name="repeat",
                    priority=40,
                )
            )
        if org.get_scope(self.request.user).is_county_admin and instance.status != Licence.Status.CANCELLED:
            buttons.append(
                ListMenuItem(
                    gettext_lazy("注销证书"),
                    url=reverse("doctors:cancel", args=[instance.pk]),
                    icon_name="cross",
                    priority=50,
                )
            )
        return buttons


class LicenceViewSet(ScopedModelViewSet):
    model = Licence
    icon = "doc-full"
    menu_label = gettext_lazy("执业证书")
    scope_paths = {"clinic": "doctor__clinic"}
    scoped_choices = {"doctor": selectors.doctors_for}
    list_display = ["number", "doctor", "type", "issued_on", "expires_on", "status"]
    list_select_related = ("doctor",)
    list_filter = ["status", "type"]
    search_fields = ["number", "doctor__name"]
    form_fields = ["doctor", "number", "type", "issued_on", "expires_on"]
    data_resource = "licences"
    save_service = staticmethod(services.save_licence)
    index_view_class = LicenceIndexView
    copy_view_enabled = False
    inspect_view_enabled = True


class SessionEditView(ScopedEditView):
    """County sessions are visible to the townships of the county, but only their organiser changes them."""

    def get_object(self, *args, **kwargs):
        session = super().get_object(*args, **kwargs)
        scope = org.get_scope(self.request.user)
        if not scope.sees_everything and scope.role != Role.COUNTY_ADMIN and session.township_id != scope.township_id:
            raise PermissionDenied
        return session


class TrainingSessionViewSet(ScopedModelViewSet):
    model = TrainingSession
    icon = "calendar"
    menu_label = gettext_lazy("培训")
    scoped_choices = {"county": org.counties_for, "township": org.townships_for}
    list_display = ["code", "topic", "organiser", "start_date", "end_date", "hours", "township"]
    list_select_related = ("township",)
    search_fields = ["code", "topic", "organiser"]
    form_fields = ["county", "township", "code", "topic", "organiser", "start_date", "end_date", "hours"]
    copy_view_enabled = False
    inspect_view_enabled = True
    edit_view_class = SessionEditView

    def scope_queryset(self, queryset, user):
        return queryset.filter(pk__in=selectors.sessions_for(user).values("pk"))


class AttendanceCreateMixin(ServiceFormMixin, _WagtailFormView):
    def save_instance(self):
        data = self.form.cleaned_data
        instance = services.record_attendance(
            session=data["session"],
            doctor=data["doctor"],
            user=self.request.user,
            attended=data["attended"],
            written_score=data.get("written_score"),
            oral_score=data.get("oral_score"),
        )
        log(instance=instance, action="wagtail.create", content_changed=True)
        return instance


class TrainingAttendanceViewSet(ScopedModelViewSet):
    model = TrainingAttendance
    icon = "tick"
    menu_label = gettext_lazy("培训出勤与成绩")
    scope_paths = {"clinic": "doctor__clinic"}
    scoped_choices = {"session": selectors.sessions_for, "doctor": selectors.doctors_for}
    list_display = ["session", "doctor", "attended", "written_score", "oral_score"]
    list_select_related = ("session", "doctor")
    list_filter = ["attended"]
    search_fields = ["doctor__name", "session__topic", "session__code"]
    form_fields = ["session", "doctor", "attended", "written_score", "oral_score"]
    data_resource = "training_attendance"
    copy_view_enabled = False

    add_view_class = type("AttendanceCreateView", (AttendanceCreateMixin, CreateView), {})


class AssessmentCreateMixin(ServiceFormMixin, _WagtailFormView):
    def save_instance(self):
        data = self.form.cleaned_data
        instance = services.record_assessment(
            doctor=data["doctor"],
            assessed_on=data["assessed_on"],
            result=data["result"],
            score=data.get("score"),
            note=data.get("note", ""),
            user=self.request.user,
        )
        log(instance=instance, action="wagtail.create", content_changed=True)
        return instance


class DoctorAssessmentViewSet(ScopedModelViewSet):
    model = DoctorAssessment
    icon = "success"
    menu_label = gettext_lazy("两年考核")
    scope_paths = {"clinic": "doctor__clinic"}
    scoped_choices = {"doctor": selectors.doctors_for}
    list_display = ["doctor", "assessed_on", "score", "result", "is_reassessment"]
    list_select_related = ("doctor",)
    list_filter = ["result", "is_reassessment"]
    search_fields = ["doctor__name"]
    form_fields = ["doctor", "assessed_on", "score", "result", "note"]
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        # A recorded result drives the re-assessment and cancellation rule: only score and note may be corrected.
        if for_update:
            return modelform_factory(
                self.model,
                form=WagtailAdminModelForm,
                fields=["score", "note"],
                formfield_callback=self.formfield_for_dbfield,
            )
        return super().get_form_class(for_update)

    add_view_class = type("AssessmentCreateView", (AssessmentCreateMixin, CreateView), {})


class TrainingRuleViewSet(ScopedModelViewSet):
    model = TrainingRule
    icon = "cog"
    menu_label = gettext_lazy("培训要求")
    scope_paths = {"county": "county"}
    scoped_choices = {"county": org.counties_for}
    list_display = ["county", "min_sessions", "min_days"]
    list_select_related = ("county",)
    form_fields = ["county", "min_sessions", "min_days"]
    copy_view_enabled = False


class DoctorsGroup(ViewSetGroup):
    menu_label = gettext_lazy("乡村医生")
    menu_icon = "user"
    menu_order = 200
    items = (
        VillageDoctorViewSet,
        LicenceViewSet,
        TrainingSessionViewSet,
        TrainingAttendanceViewSet,
        DoctorAssessmentViewSet,
        TrainingRuleViewSet,
    )

    def get_submenu_items(self):
        items = super().get_submenu_items()
        extra = [
            StaffMenuItem(gettext_lazy("证书工作台"), reverse("doctors:worklist"), icon_name="warning", order=1),
            StaffMenuItem(gettext_lazy("再注册审核"), reverse("doctors:renewals"), icon_name="tasks", order=2),
            StaffMenuItem(gettext_lazy("年度培训达标"), reverse("doctors:training"), icon_name="list-ul", order=3),
            MenuEntry(
                gettext_lazy("发件箱（提醒记录）"), "outbox:list", "mail", "doctors.view_outboxmessage", 4
            ).menu_item(),
        ]
        return extra + list(items)


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        scope = org.get_scope(request.user)
        return scope.sees_everything or scope.role in (Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN)
