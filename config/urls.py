from django.urls import include, path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.admin_scope import admin_overrides

handler500 = "config.views.server_error"

urlpatterns = [
    # Scoped replacements of some Wagtail admin views, at Wagtail's own paths: they must come first
    # (Wagtail's admin URLs resolve before any register_admin_urls hook). See cms/admin_scope.py.
    path("admin/", include(admin_overrides())),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("clinics.account_urls")),
    path("portal/", include("clinics.portal_urls")),
    path("portal/doctor/", include("doctors.portal_urls")),
    path("portal/services/", include("programs.portal_urls_services")),
    path("portal/drugs/", include("programs.portal_urls_drugs")),
    path("portal/assessments/", include("subsidies.portal_urls_assessments")),
    path("portal/settlements/", include("subsidies.portal_urls_settlement")),
    path("portal/notices/", include("cms.portal_urls")),
    path("notices/", include("cms.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
]

# MEDIA_ROOT has no public URL in any setting (DEBUG included): every stored file is served by a view
# that checks the user's scope first (clinics.files.serve_protected_file).

# Wagtail's page serving is the catch-all, so it comes last.
urlpatterns += [path("", include(wagtail_urls))]
