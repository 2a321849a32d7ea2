from django.urls import include, path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from clinics.portal import urls as clinics_portal
from cms.admin.scope import admin_overrides
from cms.portal import urls as cms_portal
from config import views
from doctors.portal import urls as doctors_portal
from programs.portal import urls as programs_portal
from subsidies.portal import urls as subsidies_portal

handler500 = "config.views.server_error"

urlpatterns = [
    # Scoped replacements of some Wagtail admin views, at Wagtail's own paths: they must come first
    # (Wagtail's admin URLs resolve before any register_admin_urls hook). See cms/admin/scope.py.
    path("admin/", include(admin_overrides())),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Browsers ask for /favicon.ico on pages that name no icon.
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include(clinics_portal.accounts)),
    # The village-doctor portal: each app's portal/urls.py holds one (patterns, namespace) pair per feature.
    # (The public-health reports keep their address /portal/services/: doctors have it bookmarked.)
    path("portal/", include(clinics_portal.home)),
    path("portal/", include(clinics_portal.offline)),
    path("portal/doctor/", include(doctors_portal.licences)),
    path("portal/messages/", include(doctors_portal.messages)),
    path("portal/services/findings/", include(programs_portal.sampling)),
    path("portal/complaints/", include(programs_portal.complaints)),
    path("portal/services/", include(programs_portal.reports)),
    path("portal/drugs/", include(programs_portal.drugs)),
    path("portal/records/", include(programs_portal.records)),
    path("portal/assessments/", include(subsidies_portal.assessments)),
    path("portal/settlements/", include(subsidies_portal.settlement)),
    path("portal/notices/", include(cms_portal.notices)),
    path("notices/", include("cms.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
]

# MEDIA_ROOT has no public URL in any setting (DEBUG included): every stored file is served by a view
# that checks the user's scope first (core.files.serve_protected_file).

# Wagtail's page serving is the catch-all, so it comes last.
urlpatterns += [path("", include(wagtail_urls))]
