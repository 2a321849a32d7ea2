"""The portal pages of subsidies: assessment scores and settlement statements, as (patterns, namespace) pairs."""

from django.urls import path

from subsidies.portal import assessments as portal_assessments
from subsidies.portal import settlement as portal_settlement

assessments = (
    [
        path("", portal_assessments.index, name="index"),
        path("<int:pk>/", portal_assessments.detail, name="detail"),
        path("evidence/<int:pk>/", portal_assessments.evidence, name="evidence"),
    ],
    "portal_assessments",
)

settlement = (
    [
        path("", portal_settlement.index, name="index"),
        path("<int:pk>/", portal_settlement.line, name="line"),
        path("<int:pk>/statement.pdf", portal_settlement.statement, name="statement"),
    ],
    "portal_settlement",
)
