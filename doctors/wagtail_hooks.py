"""Staff admin of the doctors app: registry, licences, trainings, assessments, renewal work lists."""

from __future__ import annotations

from django.urls import include, path
from wagtail import hooks

from doctors.admin import urls
from doctors.admin.doctors import (
    DoctorsGroup,
)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("doctors/", include(urls.doctors)),
        path("outbox/", include(urls.outbox)),
    ]


@hooks.register("register_admin_viewset")
def register_doctors():
    return DoctorsGroup()
