"""Printable poster of a notice for village notice boards (宣传栏), rendered with WeasyPrint."""

from __future__ import annotations

import mimetypes
from urllib.parse import unquote, urlparse

import segno
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri

from cms.files import rendition_named
from core.files import media_path
from core.pdf import render_pdf


def local_image_path(url: str):
    """The file on disk behind a notice image URL (cms.files' image view); ValueError for anything else.
    Nothing is fetched over the network (a server that fetched its own pages while rendering could
    wait on itself)."""

    prefix = reverse("notices:image", args=["x"])[:-1]
    path = unquote(urlparse(url).path)
    if path.startswith(prefix) and rendition_named(path[len(prefix) :]) is not None:
        try:
            return media_path(path[len(prefix) :])
        except Http404:
            pass
    raise ValueError(f"not a local media file: {url}")


def _local_fetcher():

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalImages(URLFetcher):
        def fetch(self, url, headers=None):
            path = local_image_path(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type}, 200)

    return LocalImages()


def qr_svg(url: str) -> str:
    """The notice's address as a QR code (inline SVG, drawn by WeasyPrint without fetching anything): a phone's
    camera opens it, where a printed percent-encoded address would have to be typed."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True)


def poster_pdf(notice, *, site_url: str = "") -> bytes:
    html = render_to_string(
        "cms/poster.html",
        {
            "page": notice,
            "today": timezone.localdate(),
            "site_url": site_url,
            # Printed in Chinese for people to read; encoded as a plain URI, which every phone's scanner opens.
            "qr_svg": qr_svg(iri_to_uri(site_url)) if site_url else "",
        },
    )
    return render_pdf(html, base_url="/", url_fetcher=_local_fetcher())


def poster_filename(notice) -> str:
    return f"notice-{notice.pk}-poster.pdf"
