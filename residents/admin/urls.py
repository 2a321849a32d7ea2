"""The staff admin pages of the residents register, as a (patterns, namespace) pair;
``wagtail_hooks.register_admin_urls`` mounts it under /admin/residents/."""

from __future__ import annotations

from django.urls import path

from residents.admin import residents as views

residents = (
    [
        path("", views.RegisterListView.as_view(), name="list"),
        path("<int:pk>/", views.ResidentDetailView.as_view(), name="detail"),
        path("access-log/", views.AccessLogView.as_view(), name="access_log"),
    ],
    "residents",
)
