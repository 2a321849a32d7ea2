from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("考核与补助")
    default_auto_field = "django.db.models.BigAutoField"
