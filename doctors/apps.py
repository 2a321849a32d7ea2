from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from clinics.roles import Role


def _perms(*models, actions=("view", "add", "change")):
    return [f"doctors.{a}_{m}" for m in models for a in actions]


class DoctorsConfig(AppConfig):
    name = "doctors"
    verbose_name = _("乡村医生")
    default_auto_field = "django.db.models.BigAutoField"

    role_permissions = {
        Role.TOWNSHIP_STAFF: [
            *_perms("villagedoctor", "trainingsession", "trainingattendance", "doctorassessment"),
            "doctors.delete_trainingattendance",
            "doctors.view_licence",
            "doctors.add_licence",
            "doctors.view_renewalapplication",
            "doctors.view_clinicmove",
            "doctors.view_licencereminder",
            "doctors.view_trainingrule",
            "doctors.view_outboxmessage",
            "doctors.change_outboxmessage",
        ],
        Role.COUNTY_ADMIN: [
            *_perms(
                "villagedoctor", "licence", "trainingsession", "trainingattendance", "doctorassessment", "trainingrule"
            ),
            "doctors.delete_trainingsession",
            "doctors.delete_trainingattendance",
            "doctors.view_renewalapplication",
            "doctors.change_renewalapplication",
            "doctors.view_clinicmove",
            "doctors.view_licencereminder",
            "doctors.view_outboxmessage",
            "doctors.change_outboxmessage",
        ],
    }

    def ready(self):
        from clinics import audit
        from core.inbox import register_inbox
        from core.portal import register_portal_link
        from doctors import inbox
        from doctors.models import DoctorAssessment, Licence, RenewalApplication, TrainingAttendance, VillageDoctor

        # The change history (clinics.audit); ID and mobile numbers are recorded masked.
        audit.register(VillageDoctor, clinic="clinic", masked=("id_number", "mobile"))
        audit.register(Licence, clinic="doctor__clinic", parent="doctor")
        audit.register(RenewalApplication, clinic="licence__doctor__clinic", parent="licence__doctor")
        audit.register(TrainingAttendance, clinic="doctor__clinic", parent="doctor")
        audit.register(DoctorAssessment, clinic="doctor__clinic", parent="doctor")

        register_inbox(inbox.inbox_items)  # the to-do rows of the homes (core.inbox)
        register_portal_link(order=10, label=_("我的执业证书"), url_name="portal_doctors:licence", icon="证")
        register_portal_link(order=70, label=_("提醒消息"), url_name="portal_messages:inbox", icon="信")
