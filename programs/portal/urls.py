"""The portal pages of programs: monthly service reports and essential-drug sales, as (patterns, namespace) pairs."""

from django.urls import path

from programs.portal import complaints as complaints_views
from programs.portal import drugs as drugs_views
from programs.portal import records as records_views
from programs.portal import reports as reports_views
from programs.portal import sampling as sampling_views

reports = (
    [
        path("", reports_views.report_index, name="index"),
        path("<int:year>/<int:month>/", reports_views.report_form, name="report"),
        path("progress/", reports_views.progress, name="progress"),
        path("progress/export/", reports_views.progress_export, name="progress_export"),
    ],
    "portal_reports",
)

drugs = (
    [
        path("", drugs_views.home, name="home"),
        path("sell/", drugs_views.sell, name="sell"),
        path("daily/", drugs_views.daily, name="daily"),
    ],
    "portal_drugs",
)

records = (
    [
        path("", records_views.entry, name="entry"),
    ],
    "portal_records",
)

complaints = (
    [
        path("", complaints_views.complaints, name="list"),
    ],
    "portal_complaints",
)

sampling = (
    [
        path("", sampling_views.findings, name="findings"),
    ],
    "portal_sampling",
)
