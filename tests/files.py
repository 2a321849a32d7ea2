"""Downloading a protected file as every role: exactly the allowed roles get 200 with the file's bytes;
every other role gets 404 / 403 or is sent to a login page, and never the bytes."""

from __future__ import annotations

from types import SimpleNamespace

from clinics.roles import Role
from tests.factories import make_user

# org.users' roles plus the notice staff of county B (the org fixture has county A's only).
FILE_ROLES = [
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
    "far_editor",
    "far_moderator",
    "superuser",
]

COUNTED = {"cases": 0}  # role × file cases checked in this run (for the report)


def file_users(org) -> SimpleNamespace:
    users = dict(vars(org.users))
    users["far_editor"] = make_user("editor_b", Role.NOTICE_EDITOR, county=org.county_b)
    users["far_moderator"] = make_user("moderator_b", Role.NOTICE_MODERATOR, county=org.county_b)
    return SimpleNamespace(**users)


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def download_failures(users, client_for, url: str, content: bytes | None, allowed: set[str]) -> list[str]:
    """Request ``url`` as every role; return what went wrong (empty: all as expected). ``content``
    None: a PDF built on the fly (its bytes differ from one build to the next)."""
    unknown = allowed - set(FILE_ROLES)
    assert not unknown, unknown
    failures = []
    for role in FILE_ROLES:
        user = None if role == "anonymous" else getattr(users, role)
        response = client_for(user).get(url)
        data = body(response)
        COUNTED["cases"] += 1
        if role in allowed:
            right = data == content if content is not None else data.startswith(b"%PDF")
            if response.status_code != 200 or not right:
                failures.append(f"{role}: expected 200 with the file, got {response.status_code}")
            elif response.get("X-Content-Type-Options") != "nosniff":
                failures.append(f"{role}: no nosniff header")
        else:
            location = response.get("Location", "")
            # Wagtail's admin sends users without the permission to a login page or to the dashboard.
            sent_away = response.status_code == 302 and ("login" in location or location.rstrip("/") == "/admin")
            if response.status_code not in (403, 404) and not sent_away:
                failures.append(f"{role}: expected 404/403/login, got {response.status_code}")
            if (content and content in data) or data.startswith(b"%PDF"):
                failures.append(f"{role}: the file's bytes leaked")
    return failures
