"""Log-in protection (django-axes) and session lifetime: how many failures lock whom, the Chinese lock-out
page, and the longer session village doctors get on their phones. Settings: the log-in block at the end of
config/settings/base.py."""

from __future__ import annotations

from math import ceil

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.urls import reverse

from clinics.forms import LoginForm
from clinics.selectors import get_scope


def client_address(request) -> str | None:
    """The address failed log-ins are counted against. With N reverse proxies (LOGIN_PROXY_COUNT) the first one
    appended the client's address to X-Forwarded-For and each further one its predecessor's, so the client is
    the N-th entry from the right; anything left of it the client may have written itself."""
    count = settings.LOGIN_PROXY_COUNT
    if count:
        entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
        if len(entries) >= count:
            return entries[-count]
    return request.META.get("REMOTE_ADDR")


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler with a separate, higher limit per address than per user name.

    Axes compares one number with AXES_FAILURE_LIMIT: the largest failure count over the lockout parameters
    (``["username", "ip_address"]``). The address's count is scaled so that it reaches the limit only after
    LOGIN_FAILURES_PER_ADDRESS failures: the staff of a health centre share one address, and one person's typos
    must not lock all of them out."""

    def get_failures(self, request, credentials=None) -> int:
        by_user, by_address = (self._count(attempts) for attempts in self.get_user_attempts(request, credentials))
        per_user, per_address = settings.AXES_FAILURE_LIMIT, settings.LOGIN_FAILURES_PER_ADDRESS
        return max(by_user, ceil(by_address * per_user / per_address))

    @staticmethod
    def _count(attempts) -> int:

        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def lockout_response(request, original_response=None, credentials=None):
    """Our log-in page again, with the lock-out explained in Chinese (status 429). Used for the portal log-in
    and Wagtail's /admin/login/ alike: both post "username" and "password" to their own address."""
    username = get_client_username(request, credentials) or ""
    # Unbound: validating the posted form again would authenticate again and count one more failure.
    form = LoginForm(request, initial={"username": username})
    form.cleaned_data = {}
    form.add_error(None, settings.AXES_COOLOFF_MESSAGE)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            # A documented exception to "forms for every input": the login page's own hidden ``next``, echoed
            # back unchanged (the template escapes it, and LoginView checks it when the user logs in).
            "next": request.POST.get("next", ""),
            "locked_out": True,
            "username": username,
        },
        status=429,
    )


class SessionExpiryMiddleware:
    """Staff sessions follow the settings (2 hours without a request, ended when the browser closes); a village
    doctor's session is kept DOCTOR_SESSION_AGE seconds since the last request, across browser restarts.
    ``set_expiry`` with seconds is relative, so with SESSION_SAVE_EVERY_REQUEST it slides with each request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if (
            session is not None
            and user is not None
            and user.is_authenticated
            and get_scope(user).is_doctor
            and session.get("_session_expiry") != settings.DOCTOR_SESSION_AGE
        ):
            session.set_expiry(settings.DOCTOR_SESSION_AGE)
        return response


class AdminScriptPolicyMiddleware:
    """Wagtail's admin still writes inline <script>s (the page editor's panels, choosers, the page explorer),
    which a nonce cannot reach since they come from Wagtail's own templates. So under /admin/ only, the CSP's
    script-src gains 'unsafe-inline'; the portal and the public site keep script-src 'self'. Must come after
    csp.middleware.CSPMiddleware in MIDDLEWARE so that its change is seen when the header is built."""

    def __init__(self, get_response):
        self.get_response = get_response

        self.prefix = reverse("wagtailadmin_home")

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.prefix):
            response._csp_update = {"script-src": ["'unsafe-inline'"]}
        return response
