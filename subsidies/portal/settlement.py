"""Village-doctor portal: the clinic's settlement lines, their explanation, and PDF statements."""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from clinics.portal.access import doctor_required
from core.files import protected_bytes
from subsidies import pdf
from subsidies.models import SettlementLine, SettlementRun
from subsidies.selectors.settlement import line_explanation

VISIBLE = [SettlementRun.Status.APPROVED, SettlementRun.Status.ANNOUNCED, SettlementRun.Status.PAID]


def _lines(request):
    return SettlementLine.objects.filter(clinic=request.clinic, run__status__in=VISIBLE).select_related(
        "run__county", "run__township", "clinic__township"
    )


@doctor_required
def index(request):
    return render(
        request,
        "subsidies/settlement/portal_index.html",
        {"lines": _lines(request).order_by("-run__year", "-run__quarter", "-run__pk"), "page_title": _("补助结算")},
    )


@doctor_required
def line(request, pk: int):
    line = get_object_or_404(_lines(request), pk=pk)
    return render(
        request,
        "subsidies/settlement/portal_line.html",
        {
            "line": line,
            "x": line.explanation,
            "e": line_explanation(line=line),
            "run": line.run,
            "page_title": str(line.run),
        },
    )


@doctor_required
def statement(request, pk: int):

    line = get_object_or_404(_lines(request), pk=pk)
    return protected_bytes(pdf.statement_pdf(line), pdf.statement_filename(line), content_type="application/pdf")
