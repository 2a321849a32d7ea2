"""Printable poster of a notice for village notice boards (宣传栏), rendered with WeasyPrint."""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone


def _local_files_only(url: str, *args, **kwargs):
    """Images are renditions on disk (their URLs are cms.files' image view); nothing is fetched over the
    network (a server that fetched its own pages while rendering could wait on itself)."""
    from django.http import Http404
    from weasyprint.urls import default_url_fetcher

    from clinics.files import media_path

    from .files import rendition_named

    prefix = reverse("notices:image", args=["x"])[:-1]
    path = unquote(urlparse(url).path)
    if path.startswith(prefix) and rendition_named(path[len(prefix):]) is not None:
        try:
            return default_url_fetcher(media_path(path[len(prefix):]).as_uri())
        except Http404:
            pass
    raise ValueError(f"not a local media file: {url}")


def poster_pdf(notice, *, site_url: str = "") -> bytes:
    from weasyprint import HTML

    from subsidies.pdf import _fonts

    html = render_to_string("cms/poster.html", {"page": notice, "today": timezone.localdate(), "site_url": site_url})
    return HTML(string=html, base_url="/", url_fetcher=_local_files_only).write_pdf(font_config=_fonts())


def poster_filename(notice) -> str:
    return f"notice-{notice.pk}-poster.pdf"
