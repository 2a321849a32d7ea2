from django.urls import path

from clinics import portal

app_name = "portal"
urlpatterns = [
    path("", portal.home, name="home"),
]
