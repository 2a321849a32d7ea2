from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ClinicsConfig(AppConfig):
    name = "clinics"
    verbose_name = _("机构与用户")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from clinics import audit, selectors, services
        from clinics.models import City, Clinic, ClinicPopulation, County, Province, Township
        from clinics.portal import offline
        from core import scope
        from core.offline import register_offline_pages
        from core.portal import register_portal_link

        # The change history (clinics.audit): the organisation's records and the served population.
        # Provinces and cities have no place below them: their entries are the superuser's to read.
        audit.register(Province)
        audit.register(City)
        audit.register(County, county="")
        audit.register(Township, township="")
        audit.register(Clinic, clinic="")
        audit.register(ClinicPopulation, clinic="clinic", parent="clinic")

        # The shared plumbing (scoped viewsets, import/export) narrows querysets through core.scope.
        scope.register(restrict=selectors.restrict, townships_for=selectors.townships_for)
        # The portal home and the pending-queue page are kept on the phone for offline use.
        register_offline_pages(offline.pages)
        register_portal_link(order=90, label=_("修改密码"), url_name="accounts:password_change", icon="密")

        # Permissions only exist after migrate, so the role groups are (re)built then.
        post_migrate.connect(services.sync_role_groups_after_migrate, dispatch_uid="clinics.sync_role_groups")
