"""The staff admin pages of subsidies that are not viewsets, as (patterns, namespace) pairs;
``wagtail_hooks.register_admin_urls`` mounts them under /admin/."""

from __future__ import annotations

from django.urls import path

from subsidies.admin.assessments import (
    AppealsView,
    AssessmentEditView,
    AssessmentListView,
    EvidenceFileView,
    InspectionsView,
    RankingExportView,
    RankingView,
    SatisfactionView,
)
from subsidies.admin.settlement import (
    AdvanceBatchesView,
    AdvanceBatchView,
    LineView,
    PolicyCheckView,
    RunDecisionView,
    RunDetailView,
    RunExportView,
    RunListView,
    StatementBatchView,
    StatementsZipView,
    StatementView,
)

assessments = (
    [
        path("", AssessmentListView.as_view(), name="list"),
        path("<int:pk>/", AssessmentEditView.as_view(), name="edit"),
        path("evidence/<int:pk>/", EvidenceFileView.as_view(), name="evidence"),
        path("inspections/", InspectionsView.as_view(), name="inspections"),
        path("satisfaction/", SatisfactionView.as_view(), name="satisfaction"),
        path("appeals/", AppealsView.as_view(), name="appeals"),
        path("ranking/", RankingView.as_view(), name="ranking"),
        path("ranking/export/", RankingExportView.as_view(), name="ranking_export"),
    ],
    "assessments",
)


settlement = (
    [
        path("", RunListView.as_view(), name="runs"),
        path("<int:pk>/", RunDetailView.as_view(), name="run"),
        path("<int:pk>/decide/", RunDecisionView.as_view(), name="decide"),
        path("<int:pk>/export/", RunExportView.as_view(), name="export"),
        path("<int:pk>/statements/", StatementsZipView.as_view(), name="statements"),
        path("batches/<int:pk>/", StatementBatchView.as_view(), name="batch"),
        path("lines/<int:pk>/", LineView.as_view(), name="line"),
        path("lines/<int:pk>/pdf/", StatementView.as_view(), name="statement"),
        path("advances/", AdvanceBatchesView.as_view(), name="advances"),
        path("advances/<int:pk>/", AdvanceBatchView.as_view(), name="advance_batch"),
        path("policies/<int:pk>/check/", PolicyCheckView.as_view(), name="policy_check"),
    ],
    "settlement",
)
