from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("公共卫生服务与基本药物")
    default_auto_field = "django.db.models.BigAutoField"

    @property
    def role_permissions(self):
        from clinics.roles import Role

        view = [f"programs.view_{m}" for m in ("serviceitem", "serviceitemprice", "quota", "servicereport",
                                                  "reportingperiod")]
        return {
            Role.TOWNSHIP_STAFF: view + ["programs.change_servicereport", "programs.add_quota", "programs.change_quota",
                                        "programs.change_reportingperiod"],
            Role.COUNTY_ADMIN: view + ["programs.change_servicereport", "programs.add_quota", "programs.change_quota",
                                      "programs.delete_quota", "programs.change_reportingperiod",
                                      "programs.add_serviceitem",
                                      "programs.change_serviceitem", "programs.add_serviceitemprice",
                                      "programs.change_serviceitemprice", "programs.delete_serviceitemprice"],
        }

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from clinics.portal import register_portal_link

        register_portal_link(order=10, label=_("填报月报"), url_name="portal_services:index", icon="📝")
        register_portal_link(order=20, label=_("任务进度"), url_name="portal_services:progress", icon="📊")
