"""The staff admin pages of doctors that are not viewsets, as (patterns, namespace) pairs;
``wagtail_hooks.register_admin_urls`` mounts them under /admin/."""

from __future__ import annotations

from django.urls import path

from doctors.admin import doctors as admin_views
from doctors.admin.outbox import OutboxView

doctors = (
    [
        path("worklist/", admin_views.WorklistView.as_view(), name="worklist"),
        path("renewals/", admin_views.RenewalListView.as_view(), name="renewals"),
        path("renewals/<int:pk>/", admin_views.RenewalDetailView.as_view(), name="renewal"),
        path("licences/<int:pk>/renew/", admin_views.ApplyOnBehalfView.as_view(), name="apply"),
        path("licences/<int:pk>/cancel/", admin_views.CancelLicenceView.as_view(), name="cancel"),
        path("training/", admin_views.TrainingComplianceView.as_view(), name="training"),
        path("doctors/<int:pk>/password/", admin_views.ResetPasswordView.as_view(), name="reset_password"),
    ],
    "doctors",
)

outbox = (
    [
        path("", OutboxView.as_view(), name="list"),
    ],
    "outbox",
)
