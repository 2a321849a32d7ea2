from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared plumbing every app uses: import/export, validation, spreadsheets, protected files, PDFs,
    charts, the dashboard and portal frameworks, the scoped admin viewset. No models of its own."""

    name = "core"
    verbose_name = _("公共组件")
