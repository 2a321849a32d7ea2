from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from clinics.roles import Role


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("辖区居民")
    default_auto_field = "django.db.models.BigAutoField"

    role_permissions = {
        Role.TOWNSHIP_STAFF: [
            "residents.view_resident",
            "residents.view_residentregistration",
            "residents.add_residentregistration",
            "residents.change_residentregistration",
        ],
        Role.COUNTY_ADMIN: [
            "residents.view_resident",
            "residents.view_residentregistration",
            "residents.add_residentregistration",
            "residents.change_residentregistration",
            "residents.view_personaldataaccess",
        ],
    }

    def ready(self):
        from clinics import audit
        from residents.models import ResidentRegistration

        # A move between clinics is a change of the registration's clinic: the history keeps it.
        audit.register(ResidentRegistration, clinic="clinic")
