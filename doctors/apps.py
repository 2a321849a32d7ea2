from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DoctorsConfig(AppConfig):
    name = "doctors"
    verbose_name = _("乡村医生")
    default_auto_field = "django.db.models.BigAutoField"
