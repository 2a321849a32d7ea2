"""PDF rendering with WeasyPrint and a real CJK font; every PDF of ours goes through ``render_pdf``.

The Chinese font is WenQuanYi Micro Hei (TrueType, installed by ``make setup``): WeasyPrint subsets its
outlines several times faster than Noto Sans CJK's CFF ones, which matters for a township's batch of
statements. One ``FontConfiguration`` is built per process and reused: building it reads the system's
font list, which costs far more than rendering a one-page statement.
"""

from __future__ import annotations

from typing import Any

_font_config: Any = None


def font_config() -> Any:
    global _font_config
    if _font_config is None:
        # WeasyPrint is imported on first use: it loads Pango and the fonts, which a web worker that never
        # renders a PDF should not pay for at start-up.
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def render_pdf(html: str, *, base_url: str | None = None, url_fetcher: Any = None) -> bytes:
    """The PDF of an HTML document (templates name their fonts in CSS: "WenQuanYi Micro Hei")."""
    from weasyprint import HTML

    kwargs: dict[str, Any] = {"string": html, "base_url": base_url}
    if url_fetcher is not None:
        kwargs["url_fetcher"] = url_fetcher
    return HTML(**kwargs).write_pdf(font_config=font_config())
