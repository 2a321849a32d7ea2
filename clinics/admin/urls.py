"""The staff admin pages of clinics that are not viewsets, as (patterns, namespace) pairs;
``wagtail_hooks.register_admin_urls`` mounts them under /admin/."""

from __future__ import annotations

from django.urls import path

from clinics.admin.audit import AuditLogView
from clinics.admin.dashboard import (
    CountyDashboardView,
    RegionDashboardView,
)
from clinics.admin.data import (
    BlankTemplateView,
    DataExportView,
    DataImportView,
    ImportJobFileView,
    ImportJobView,
)
from clinics.admin.login_security import (
    LockedAccountsView,
    LoginLogView,
)

data = (
    [
        path("import/<slug:resource>/", DataImportView.as_view(), name="import"),
        path("export/<slug:resource>/", DataExportView.as_view(), name="export"),
        path("template/<slug:resource>/", BlankTemplateView.as_view(), name="template"),
        path("jobs/<int:pk>/", ImportJobView.as_view(), name="job"),
        path("jobs/<int:pk>/file/", ImportJobFileView.as_view(), name="job_file"),
    ],
    "data",
)


dashboard = (
    [
        path("county/", CountyDashboardView.as_view(), name="county"),
        path("counties/", RegionDashboardView.as_view(), name="region"),
    ],
    "dashboard",
)


login_security = (
    [
        path("locked/", LockedAccountsView.as_view(), name="locked"),
        path("", LoginLogView.as_view(), name="log"),
    ],
    "login_security",
)


audit = (
    [
        path("", AuditLogView.as_view(), name="log"),
    ],
    "audit",
)
