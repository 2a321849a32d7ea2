"""A URL configuration for tests/test_error_pages.py: the site's own, plus a view that fails."""

from django.db import OperationalError
from django.urls import path

from config.urls import handler500  # noqa: F401 - handler500 is looked up here
from config.urls import urlpatterns as site_urlpatterns


def fails(request):
    raise OperationalError("database is locked")


urlpatterns = [path("test-fails/", fails), *site_urlpatterns]
