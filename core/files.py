"""Handing a stored file to a user whose right to it a view has already checked.

Nothing under MEDIA_ROOT has a public URL: every kind of file (notice documents and images,
assessment evidence, import uploads, statement ZIPs) is served by a view that first decides, through
the scoped selectors, whether this user may have it, and then calls ``serve_protected_file``.

With ``PROTECTED_FILES_ACCEL_PREFIX`` set (e.g. "/protected/"), the response is an empty one with
``X-Accel-Redirect`` and nginx sends the bytes from an ``internal`` location aliased to MEDIA_ROOT
(see README, "Files"); otherwise Django streams the file itself.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

_R = TypeVar("_R", bound=HttpResponseBase)


def _protect(response: _R, *, filename: str, inline: bool) -> _R:
    # filename* (RFC 5987) carries Chinese names; the plain filename is an ASCII fallback.
    response["Content-Disposition"] = content_disposition_header(not inline, filename)  # type: ignore[assignment]  # never None with a name
    response["X-Content-Type-Options"] = "nosniff"
    # An uploaded HTML or SVG file opened in the browser must not run scripts on our origin (what
    # Wagtail sends with documents; "sandbox" would stop browsers showing PDFs inline).
    response["Content-Security-Policy"] = "default-src 'none'"
    # Scoped content: no shared cache may keep it for the next visitor.
    response["Cache-Control"] = "private, no-cache"
    return response


def media_path(name: str) -> Path:
    """The file ``name`` (relative to MEDIA_ROOT) on disk; 404 if it escapes MEDIA_ROOT or is missing."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / name).resolve()
    if not name or not path.is_relative_to(root) or not path.is_file():
        raise Http404
    return path


def transfer(full: Path, content_type: str) -> HttpResponse | FileResponse:
    """The response carrying the bytes of ``full`` (inside MEDIA_ROOT): nginx's X-Accel-Redirect when
    configured, else a streaming FileResponse. Headers: see ``_protect``."""
    prefix = getattr(settings, "PROTECTED_FILES_ACCEL_PREFIX", "")
    if prefix:
        relative = full.relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix()
        response: HttpResponse | FileResponse = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = quote(f"{prefix.rstrip('/')}/{relative}")
    else:
        response = FileResponse(full.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


def serve_protected_file(
    request, path: str, filename: str, *, content_type: str | None = None, inline: bool = False
) -> HttpResponse | FileResponse:
    """Send the file at ``path`` (relative to MEDIA_ROOT) to a user already allowed to have it,
    as ``filename``. Call only after the scope check."""
    full = media_path(path)
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return _protect(transfer(full, content_type), filename=filename, inline=inline)


def sendfile(request, filename, mimetype=None, **kwargs):
    """Wagtail's document serve view hands its transfer here (setting SENDFILE_BACKEND = "core.files"),
    after the ``before_serve_document`` hooks allowed it; Wagtail then adds Content-Disposition (with an
    RFC 5987 filename*), nosniff and its Content-Security-Policy."""
    root = Path(settings.MEDIA_ROOT).resolve()
    full = Path(filename).resolve()
    if not full.is_relative_to(root) or not full.is_file():
        raise Http404
    return transfer(full, mimetype or "application/octet-stream")


def protected_bytes(content: bytes, filename: str, *, content_type: str) -> HttpResponse:
    """The same headers for a file built on the fly (statement PDFs)."""
    return _protect(HttpResponse(content, content_type=content_type), filename=filename, inline=False)
