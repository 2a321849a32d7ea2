"""The portal pages of doctors: the doctor's licence and its renewal, and the doctor's messages (reminders),
as (patterns, namespace) pairs."""

from django.urls import path

from doctors.portal import doctors as views
from doctors.portal import messages as messages_views

licences = (
    [
        path("", views.licence, name="licence"),
        path("renewal/apply/", views.apply, name="apply"),
    ],
    "portal_doctors",
)

messages = (
    [path("", messages_views.inbox, name="inbox")],
    "portal_messages",
)
