"""Printable poster of a notice for village notice boards (宣传栏), rendered with WeasyPrint."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone


def _local_files_only(url: str, *args, **kwargs):
    """Images come from our media folder on disk; nothing is fetched over the network (a server that
    fetched its own pages while rendering could wait on itself)."""
    from weasyprint.urls import default_url_fetcher

    path = urlparse(url).path
    if path.startswith(settings.MEDIA_URL):
        local = (Path(settings.MEDIA_ROOT) / path[len(settings.MEDIA_URL):]).resolve()
        if str(local).startswith(str(Path(settings.MEDIA_ROOT).resolve())) and local.is_file():
            return default_url_fetcher(local.as_uri())
    raise ValueError(f"not a local media file: {url}")


def poster_pdf(notice, *, site_url: str = "") -> bytes:
    from weasyprint import HTML

    from subsidies.pdf import _fonts

    html = render_to_string("cms/poster.html", {"page": notice, "today": timezone.localdate(), "site_url": site_url})
    return HTML(string=html, base_url="/", url_fetcher=_local_files_only).write_pdf(font_config=_fonts())


def poster_filename(notice) -> str:
    return f"notice-{notice.pk}-poster.pdf"
