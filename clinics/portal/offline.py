"""The offline portal: the web app manifest, the service worker, the sync endpoint and the pending-queue page.

The phone keeps the pages of ``core.offline.offline_pages`` (fetched after each sync, one cache per user) and a
queue of entries made offline (IndexedDB, ``static/js/portal-queue.js``). ``sync`` tells the phone who is logged
in (the queue sends only that user's entries) and takes one entry at a time; the replay itself is
``clinics.services.replay_offline_entry``. See docs/CONVENTIONS.md, "Village-doctor portal → offline".
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clinics import services
from clinics.forms import OfflineEntryForm
from clinics.portal.access import doctor_required
from core.offline import offline_pages

# What the service worker keeps for every user (no user data in these): the portal's styles, scripts and icons.
SHELL_STATIC = [
    "css/portal.css",
    "css/dashboard.css",
    "js/portal-queue.js",
    "js/portal.js",
    "img/portal-icon-192.png",
]
WORKER_SOURCE = "js/portal-sw.js"
MAX_ENTRY_BYTES = 64 * 1024


def _read_static(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found if isinstance(found, str) else found[0], "rb") as handle:
        return handle.read()


def _version() -> str:
    digest = hashlib.sha256()
    for path in [*SHELL_STATIC, WORKER_SOURCE]:
        digest.update(path.encode())
        digest.update(_read_static(path))
    return digest.hexdigest()[:12]


_cached_version = lru_cache(maxsize=1)(_version)


def shell_version() -> str:
    """Changes whenever a shell file changes: the phone then installs the new worker, which fetches the new files
    (in production their names carry a hash too, ManifestStaticFilesStorage) and drops the old ones."""
    return _version() if settings.DEBUG else _cached_version()


def pages(*, user, clinic) -> list[str]:
    return [reverse("portal:home"), reverse("portal_offline:queue")]


@require_GET
def manifest(request):
    data = {
        "name": _("村医工作台"),
        "short_name": _("村医工作台"),
        "description": _("村卫生室公共卫生服务管理系统"),
        "lang": "zh-CN",
        "start_url": reverse("portal:home"),
        "scope": reverse("portal:home"),
        "display": "standalone",
        "background_color": "#f4f6f5",
        "theme_color": "#1f6f5c",
        "icons": [
            {"src": static("img/portal-icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/portal-icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": static("img/portal-icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def service_worker(request):
    """The worker is ``static/js/portal-sw.js`` with its settings in front: served here, at /portal/sw.js, so
    that its scope is the portal, and never cached by the browser (an update must reach every phone)."""
    config = {
        "version": shell_version(),
        "shell": [static(path) for path in SHELL_STATIC],
        "queueScript": static("js/portal-queue.js"),
        "syncUrl": reverse("portal_offline:sync"),
        "queuePage": reverse("portal_offline:queue"),
        "home": reverse("portal:home"),
        "offlineText": '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{_('没有网络')}</title><p>{_('现在没有网络，这个页面没有存在手机里。有网后再打开。')}</p>",
    }
    body = f"self.PORTAL = {json.dumps(config)};\n".encode() + _read_static(WORKER_SOURCE)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("portal:home")
    return response


@doctor_required
def queue(request):
    """The entries waiting on this phone (drawn by portal.js from IndexedDB): pending, refused with the reason."""
    return render(request, "portal/queue.html", {"page_title": _("待发送的记录")})


def _refused(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"status": "refused", "message": message}, status=status)


@require_http_methods(["GET", "POST"])
@doctor_required
def sync(request):
    """GET: who is logged in, a CSRF token and the pages to keep offline. POST: one queued entry (JSON), answered
    ``{"status": "saved" | "refused" | "other_user", "message": ...}``; the same entry id always gets the same
    answer."""
    if request.method == "GET":
        response = JsonResponse(
            {
                "user": request.user.pk,
                "csrf": get_token(request),
                "pages": offline_pages(user=request.user, clinic=request.clinic),
            }
        )
    else:
        if len(request.body) > MAX_ENTRY_BYTES:
            return _refused(_("记录太大，无法发送。"))
        try:
            payload = json.loads(request.body)
        except ValueError:
            return _refused(_("记录格式不正确。"))
        if not isinstance(payload, dict):
            return _refused(_("记录格式不正确。"))
        form = OfflineEntryForm(
            {
                "id": payload.get("id"),
                "kind": payload.get("kind"),
                "user": str(payload.get("user", "")),
                "params": payload.get("params") or {},
                "values": payload.get("fields") or {},
            }
        )
        if not form.is_valid():
            return _refused(
                _("记录格式不正确：%(errors)s")
                % {
                    "errors": "；".join(
                        f"{name} {', '.join(str(e) for e in errs)}" for name, errs in form.errors.items()
                    )
                }
            )
        data = form.cleaned_data
        answer = services.replay_offline_entry(
            user=request.user,
            entry_id=data["id"],
            kind=data["kind"],
            made_by=data["user"],
            params=data["params"],
            fields=data["values"],
        )
        response = JsonResponse({"id": str(data["id"]), **answer})
    response["Cache-Control"] = "no-store"
    return response
