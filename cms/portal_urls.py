from django.urls import path

from cms import portal

app_name = "portal_notices"
urlpatterns = [
    path("", portal.index, name="index"),
    path("<int:pk>/", portal.detail, name="detail"),
    path("<int:pk>/read/", portal.mark_read, name="read"),
]
