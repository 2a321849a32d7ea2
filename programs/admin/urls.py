"""The staff admin pages of programs that are not viewsets, as (patterns, namespace) pairs;
``wagtail_hooks.register_admin_urls`` mounts them under /admin/."""

from __future__ import annotations

from django.urls import path

from programs.admin.drugs import (
    ViolationTotalsView,
)
from programs.admin.missing import MissingReportsView
from programs.admin.records import ColumnMappingView, RecordListView
from programs.admin.reports import (
    GenerateQuotasView,
    MatrixExportView,
    MatrixView,
    PeriodsView,
    ReportListView,
    VerifyReportView,
)
from programs.admin.sampling import CallListView, MyCallsView, SamplesView, SampleView

reports = (
    [
        path("reports/", ReportListView.as_view(), name="list"),
        path("reports/<int:pk>/", VerifyReportView.as_view(), name="verify"),
        path("matrix/", MatrixView.as_view(), name="matrix"),
        path("matrix/export/", MatrixExportView.as_view(), name="matrix_export"),
        path("periods/", PeriodsView.as_view(), name="periods"),
        path("quotas/generate/", GenerateQuotasView.as_view(), name="generate_quotas"),
    ],
    "reports",
)


drugs = (
    [
        path("violation-totals/", ViolationTotalsView.as_view(), name="violation_totals"),
    ],
    "drugs",
)

missing = (
    [
        path("", MissingReportsView.as_view(), name="list"),
    ],
    "missing",
)

records = (
    [
        path("", RecordListView.as_view(), name="list"),
        path("mapping/", ColumnMappingView.as_view(), name="mapping"),
    ],
    "records",
)


sampling = (
    [
        path("", SamplesView.as_view(), name="list"),
        path("mine/", MyCallsView.as_view(), name="mine"),
        path("<int:pk>/", SampleView.as_view(), name="sample"),
        path("<int:pk>/calls/", CallListView.as_view(), name="calls"),
    ],
    "sampling",
)
