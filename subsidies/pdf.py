"""PDF statements of settlement lines (WeasyPrint), with a real CJK font embedded.

WenQuanYi Micro Hei (TrueType) is used: its subsetting is several times faster than Noto Sans CJK's
CFF outlines (docs/DESIGN.md §7). One FontConfiguration is reused across a batch.
"""

from __future__ import annotations

import io
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone

_font_config = None


def _fonts():
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def statement_pdf(line) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "subsidies/settlement/statement.html",
        {"line": line, "run": line.run, "clinic": line.clinic, "x": line.explanation, "today": timezone.localdate()},
    )
    return HTML(string=html).write_pdf(font_config=_fonts())


def statement_filename(line) -> str:
    return f"statement-{line.run_id}-{line.clinic.code}.pdf"


def statements_zip(lines, progress=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, line in enumerate(lines, start=1):
            archive.writestr(statement_filename(line), statement_pdf(line))
            if progress:
                progress(index)
    return buffer.getvalue()
