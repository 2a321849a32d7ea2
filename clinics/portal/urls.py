"""The portal home, the offline portal and the login pages (used by every role), as (patterns, namespace) pairs."""

from django.contrib.auth import views as auth_views
from django.urls import path

from clinics.forms import LoginForm
from clinics.portal import home as views
from clinics.portal import offline as offline_views

home = (
    [path("", views.home, name="home")],
    "portal",
)
# The offline portal (mounted at /portal/ too: the worker's scope is the folder it is served from).
offline = (
    [
        path("manifest.webmanifest", offline_views.manifest, name="manifest"),
        path("sw.js", offline_views.service_worker, name="service_worker"),
        path("sync/", offline_views.sync, name="sync"),
        path("queue/", offline_views.queue, name="queue"),
    ],
    "portal_offline",
)
accounts = (
    [
        path(
            "login/",
            auth_views.LoginView.as_view(
                template_name="accounts/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
            ),
            name="login",
        ),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("welcome/", views.after_login, name="after_login"),
    ],
    "accounts",
)
