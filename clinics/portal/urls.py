"""The portal home and the login pages (used by every role), as (patterns, namespace) pairs."""

from django.contrib.auth import views as auth_views
from django.urls import path

from clinics.forms import LoginForm
from clinics.portal import home as views

home = (
    [path("", views.home, name="home")],
    "portal",
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
