"""The portal pages of notices: a doctor's notices and read receipts, as a (patterns, namespace) pair."""

from django.urls import path

from cms.portal import notices as portal

notices = (
    [
        path("", portal.index, name="index"),
        path("<int:pk>/", portal.detail, name="detail"),
        path("<int:pk>/read/", portal.mark_read, name="read"),
    ],
    "portal_notices",
)
