from django.urls import path

from doctors import portal_views

app_name = "portal_doctors"
urlpatterns = [
    path("", portal_views.licence, name="licence"),
    path("renewal/apply/", portal_views.apply, name="apply"),
]
