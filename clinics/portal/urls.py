"""The portal home, the offline portal and the login pages (used by every role), as (patterns, namespace) pairs."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

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
        # Everyone changes their own password here; staff with an e-mail address can reset a forgotten one
        # by e-mail (a village doctor's is reset by the township: doctors.services.reset_doctor_password).
        path(
            "password/change/",
            auth_views.PasswordChangeView.as_view(
                template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_change_done")
            ),
            name="password_change",
        ),
        path(
            "password/change/done/",
            auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
            name="password_change_done",
        ),
        path(
            "password/reset/",
            auth_views.PasswordResetView.as_view(
                template_name="accounts/password_reset.html",
                email_template_name="accounts/password_reset_email.txt",
                subject_template_name="accounts/password_reset_subject.txt",
                success_url=reverse_lazy("accounts:password_reset_done"),
            ),
            name="password_reset",
        ),
        path(
            "password/reset/sent/",
            auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
            name="password_reset_done",
        ),
        path(
            "password/reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(
                template_name="accounts/password_reset_confirm.html",
                success_url=reverse_lazy("accounts:password_reset_complete"),
            ),
            name="password_reset_confirm",
        ),
        path(
            "password/reset/done/",
            auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
            name="password_reset_complete",
        ),
    ],
    "accounts",
)
