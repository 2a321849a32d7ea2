from django.urls import path

from subsidies import portal_assessments

app_name = "portal_assessments"
urlpatterns = [
    path("", portal_assessments.index, name="index"),
    path("<int:pk>/", portal_assessments.detail, name="detail"),
    path("evidence/<int:pk>/", portal_assessments.evidence, name="evidence"),
]
