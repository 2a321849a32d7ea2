"""The portal pages of doctors: the doctor's licence and its renewal, as a (patterns, namespace) pair."""

from django.urls import path

from doctors.portal import doctors as views

licences = (
    [
        path("", views.licence, name="licence"),
        path("renewal/apply/", views.apply, name="apply"),
    ],
    "portal_doctors",
)
