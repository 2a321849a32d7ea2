"""PDF statements of settlement lines, rendered by ``core.pdf`` (real CJK font, one font set per process)."""

from __future__ import annotations

import io
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import render_pdf
from subsidies.selectors.settlement import line_explanation, line_explanations


def statement_pdf(line, explanation=None) -> bytes:
    """One line's statement, with the same sentences as its pages (``explanation``: read here when not given)."""
    if explanation is None:
        explanation = line_explanation(line=line)
    html = render_to_string(
        "subsidies/settlement/statement.html",
        {
            "line": line,
            "run": line.run,
            "clinic": line.clinic,
            "x": line.explanation,
            "e": explanation,
            "today": timezone.localdate(),
        },
    )
    return render_pdf(html)


def statement_filename(line) -> str:
    return f"statement-{line.run_id}-{line.clinic.code}.pdf"


def statements_zip(lines, progress=None) -> bytes:
    lines = list(lines)
    explanations = line_explanations(lines)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, line in enumerate(lines, start=1):
            archive.writestr(statement_filename(line), statement_pdf(line, explanations[line.pk]))
            if progress:
                progress(index)
    return buffer.getvalue()
