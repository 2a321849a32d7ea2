from django.urls import path

from programs import portal_views_drugs as views

app_name = "portal_drugs"
urlpatterns = [
    path("", views.home, name="home"),
    path("sell/", views.sell, name="sell"),
    path("daily/", views.daily, name="daily"),
]
