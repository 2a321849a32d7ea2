"""The portal pages of doctors: the doctor's licence and its renewal, as a (patterns, namespace) pair."""

from django.urls import path

from doctors.portal import doctors as portal_views

licences = (
    [
        path("", portal_views.licence, name="licence"),
        path("renewal/apply/", portal_views.apply, name="apply"),
    ],
    "portal_doctors",
)
