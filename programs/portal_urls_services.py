from django.urls import path

from programs import portal_services

app_name = "portal_services"
urlpatterns = [
    path("", portal_services.report_index, name="index"),
    path("<int:year>/<int:month>/", portal_services.report_form, name="report"),
    path("progress/", portal_services.progress, name="progress"),
    path("progress/export/", portal_services.progress_export, name="progress_export"),
]
