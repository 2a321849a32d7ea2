"""The permission matrix: every role × every URL of ours → the status it must get.

Each app lists its URLs in ``tests/<app>/matrix.py`` or ``tests/<app>/matrix_<feature>.py`` as ``CASES``; ``tests/test_permission_matrix.py``
runs them all and checks that every named URL of our apps appears in some case.

Roles (the ``org`` fixture's users): anonymous, norole, doctor (clinic A1a), other_doctor (A1b),
far_doctor (county B), township (A1), other_township (A2), county (A), other_county (B),
editor (county A, notices), moderator (county A, notices), superuser, city (city X: county A), province
(province P: counties A and B). The moderator expects what the editor expects unless a case names it: both hold
the same model permissions and differ only in Wagtail's page permissions. The city and province officials read
the comparison of counties and change nothing: unless a case names them, they get what any logged-in user gets
(the no-role user's outcome: a public page, the login page's redirect) and, where that user is refused, ``HIDDEN``
(refused, or 404 for an object of a county).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = [
    "anonymous",
    "norole",
    "doctor",
    "other_doctor",
    "far_doctor",
    "township",
    "other_township",
    "county",
    "other_county",
    "editor",
    "moderator",
    "superuser",
    "city",
    "province",
]
REGIONAL = ("city", "province")

# Shorthands for the usual expectations.
LOGIN = "login"  # redirected to a login page
DENIED = "denied"  # 403, or Wagtail's way: a redirect to the admin dashboard with an error message
HIDDEN = "hidden"  # DENIED, or 404 for an object the user may not see: nothing to open either way
OK = 200
FORBIDDEN = 403
NOT_FOUND = 404


@dataclass
class Case:
    """One URL. ``args`` builds the reverse() args from the org fixture. ``expect`` maps role →
    expected outcome; roles not named get ``default``."""

    url_name: str
    expect: dict[str, object]
    args: Callable[[object], list] = lambda org: []
    query: str = ""
    default: object = FORBIDDEN
    method: str = "get"
    data: Callable[[object], dict] | None = None
    id: str = ""
    extra_checks: list = field(default_factory=list)

    def outcome(self, role):
        if role == "moderator" and role not in self.expect:
            role = "editor"
        if role in REGIONAL and role not in self.expect:
            logged_in = self.expect.get("norole", self.default)
            return HIDDEN if logged_in in (LOGIN, FORBIDDEN, DENIED, NOT_FOUND) else logged_in
        return self.expect.get(role, self.default)


def matches(expected, response) -> bool:
    location = response.headers.get("Location", "")
    if expected == LOGIN:
        return response.status_code == 302 and "login" in location
    if expected == DENIED:
        return response.status_code == 403 or (response.status_code == 302 and location.rstrip("/") == "/admin")
    if expected == HIDDEN:
        return matches(DENIED, response) or response.status_code == 404
    return response.status_code == expected


def staff_admin(**overrides):
    """Expectations for a Wagtail admin page any staff member in scope may open."""
    base = {
        "anonymous": LOGIN,
        "norole": LOGIN,
        "doctor": LOGIN,
        "other_doctor": LOGIN,
        "far_doctor": LOGIN,
        "township": OK,
        "other_township": OK,
        "county": OK,
        "other_county": OK,
        "editor": OK,
        "superuser": OK,
    }
    base.update(overrides)
    return base


def doctor_portal(**overrides):
    """Expectations for a portal page of the logged-in doctor's own clinic."""
    base = {
        "anonymous": LOGIN,
        "norole": FORBIDDEN,
        "doctor": OK,
        "other_doctor": OK,
        "far_doctor": OK,
        "township": FORBIDDEN,
        "other_township": FORBIDDEN,
        "county": FORBIDDEN,
        "other_county": FORBIDDEN,
        "editor": FORBIDDEN,
        "superuser": FORBIDDEN,
    }
    base.update(overrides)
    return base
