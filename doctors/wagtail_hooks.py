"""Staff admin of the doctors app: registry, licences, trainings, assessments, renewal work lists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus import MenuItem as ListMenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.log_actions import log

from clinics import selectors as org
from clinics.admin_scope import ScopedEditView, ScopedIndexView, ScopedModelViewSet
from clinics.roles import Role
from doctors import admin_views, rules, selectors, services
from doctors.models import DoctorAssessment, Licence, TrainingAttendance, TrainingRule, TrainingSession, VillageDoctor

if TYPE_CHECKING:  # what the mixins below are mixed into (Any: Wagtail has no type hints)
    from wagtail.admin.views.generic import CreateView as _WagtailFormView
else:
    _WagtailFormView = object


class ServiceErrorsMixin(_WagtailFormView):
    """Turn a service's ValidationError into form errors instead of a 500."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)


class DoctorEditView(ServiceErrorsMixin, ScopedEditView):
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
                reason=str(_("后台变更执业卫生室")),
            )
        self.has_content_changes = self.form.has_changed()
        log(instance=instance, action="wagtail.edit", content_changed=self.has_content_changes)
        return instance


class VillageDoctorViewSet(ScopedModelViewSet):
    model = VillageDoctor
    icon = "user"
    menu_label = _("乡村医生名册")
    scope_paths = {"clinic": "clinic"}
    scoped_choices = {"clinic": org.clinics_for}
    list_display = [
        "name",
        "gender",
        Column("masked_id_number", label=_("身份证号")),
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
    ]
    edit_view_class = DoctorEditView


class LicenceIndexView(ScopedIndexView):
    """Row actions: apply for renewal on the doctor's behalf (in the window) and, for the county, cancel."""

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        today = timezone.localdate()
        if instance.status == Licence.Status.VALID and rules.in_renewal_window(instance.expires_on, today):
            buttons.append(
                ListMenuItem(
                    _("代为申请再注册"),
                    url=reverse("doctors_apply", args=[instance.pk]),
                    icon_name="repeat",
                    priority=40,
                )
            )
        if org.get_scope(self.request.user).is_county_admin and instance.status != Licence.Status.CANCELLED:
            buttons.append(
                ListMenuItem(
                    _("注销证书"), url=reverse("doctors_cancel", args=[instance.pk]), icon_name="cross", priority=50
                )
            )
        return buttons


class LicenceViewSet(ScopedModelViewSet):
    model = Licence
    icon = "doc-full"
    menu_label = _("执业证书")
    scope_paths = {"clinic": "doctor__clinic"}
    scoped_choices = {"doctor": selectors.doctors_for}
    list_display = ["number", "doctor", "type", "issued_on", "expires_on", "status"]
    list_select_related = ("doctor",)
    list_filter = ["status", "type"]
    search_fields = ["number", "doctor__name"]
    form_fields = ["doctor", "number", "type", "issued_on", "expires_on"]
    data_resource = "licences"
    index_view_class = LicenceIndexView
    copy_view_enabled = False
    inspect_view_enabled = True


class SessionEditView(ServiceErrorsMixin, ScopedEditView):
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
    menu_label = _("培训")
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


class AttendanceCreateMixin(ServiceErrorsMixin):
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
    menu_label = _("培训出勤与成绩")
    scope_paths = {"clinic": "doctor__clinic"}
    scoped_choices = {"session": selectors.sessions_for, "doctor": selectors.doctors_for}
    list_display = ["session", "doctor", "attended", "written_score", "oral_score"]
    list_select_related = ("session", "doctor")
    list_filter = ["attended"]
    search_fields = ["doctor__name", "session__topic", "session__code"]
    form_fields = ["session", "doctor", "attended", "written_score", "oral_score"]
    data_resource = "training_attendance"
    copy_view_enabled = False

    @property
    def add_view_class(self):
        from wagtail.admin.views.generic import CreateView

        return type("AttendanceCreateView", (AttendanceCreateMixin, CreateView), {})


class AssessmentCreateMixin(ServiceErrorsMixin):
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
    menu_label = _("两年考核")
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
            from django.forms.models import modelform_factory
            from wagtail.admin.forms.models import WagtailAdminModelForm

            return modelform_factory(
                self.model,
                form=WagtailAdminModelForm,
                fields=["score", "note"],
                formfield_callback=self.formfield_for_dbfield,
            )
        return super().get_form_class(for_update)

    @property
    def add_view_class(self):
        from wagtail.admin.views.generic import CreateView

        return type("AssessmentCreateView", (AssessmentCreateMixin, CreateView), {})


class TrainingRuleViewSet(ScopedModelViewSet):
    model = TrainingRule
    icon = "cog"
    menu_label = _("培训要求")
    scope_paths = {"county": "county"}
    scoped_choices = {"county": org.counties_for}
    list_display = ["county", "min_sessions", "min_days"]
    list_select_related = ("county",)
    form_fields = ["county", "min_sessions", "min_days"]
    copy_view_enabled = False


class DoctorsGroup(ViewSetGroup):
    menu_label = _("乡村医生")
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
            StaffMenuItem(_("证书工作台"), reverse("doctors_worklist"), icon_name="warning", order=1),
            StaffMenuItem(_("再注册审核"), reverse("doctors_renewals"), icon_name="tasks", order=2),
            StaffMenuItem(_("年度培训达标"), reverse("doctors_training"), icon_name="list-ul", order=3),
        ]
        return extra + list(items)


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        scope = org.get_scope(request.user)
        return scope.sees_everything or scope.role in (Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN)


@hooks.register("register_admin_viewset")
def register_doctors():
    return DoctorsGroup()


@hooks.register("register_admin_urls")
def register_doctor_urls():
    return [
        path("doctors/worklist/", admin_views.WorklistView.as_view(), name="doctors_worklist"),
        path("doctors/renewals/", admin_views.RenewalListView.as_view(), name="doctors_renewals"),
        path("doctors/renewals/<int:pk>/", admin_views.RenewalDetailView.as_view(), name="doctors_renewal"),
        path("doctors/licences/<int:pk>/renew/", admin_views.ApplyOnBehalfView.as_view(), name="doctors_apply"),
        path("doctors/licences/<int:pk>/cancel/", admin_views.CancelLicenceView.as_view(), name="doctors_cancel"),
        path("doctors/training/", admin_views.TrainingComplianceView.as_view(), name="doctors_training"),
    ]
