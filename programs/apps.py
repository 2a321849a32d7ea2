from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from clinics.roles import Role

_DRUG_STAFF = ["programs.view_drug", "programs.view_drugpurchase", "programs.add_drugpurchase",
               "programs.view_drugsale", "programs.add_drugsale", "programs.view_drugstock",
               "programs.view_drugviolation", "programs.view_expiringbatch"]


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("公共卫生服务与基本药物")
    default_auto_field = "django.db.models.BigAutoField"

    # Essential drugs: township staff record purchases/sales and see stock and violations; the county
    # also maintains the drug catalogue.
    role_permissions = {
        Role.TOWNSHIP_STAFF: _DRUG_STAFF,
        Role.COUNTY_ADMIN: _DRUG_STAFF + ["programs.add_drug", "programs.change_drug"],
    }

    def ready(self):
        from clinics.portal import register_portal_link

        register_portal_link(order=30, label=_("基本药物"), url_name="portal_drugs:home", icon="💊")
