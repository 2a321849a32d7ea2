"""Village-doctor portal: the findings of the township's verification calls (抽查核实) of the clinic's records,
month by month, each resident masked; a 不属实 can be disputed with a reason within the dispute window."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.filters import ScopeFilterForm
from clinics.portal.access import doctor_required
from core.forms import joined_messages
from programs.forms import DisputeForm
from programs.selectors import sampling as sampling_selectors
from programs.services import sampling as sampling_services


def masked_name(name: str) -> str:
    """张** : the family name only."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


@doctor_required
def findings(request):
    clinic = request.clinic
    months = sampling_selectors.finding_months(clinic_id=clinic.pk)
    filters = ScopeFilterForm(request.GET, user=request.user, fields=("year", "month"))
    year, month = months[0] if months else (timezone.localdate().year, timezone.localdate().month)
    if filters.get("year") and filters.get("month"):
        year, month = filters.get("year"), filters.get("month")
    if request.method == "POST":
        form = DisputeForm(request.POST, clinic_id=clinic.pk)
        if form.is_valid():
            try:
                sampling_services.dispute_entry(
                    user=request.user, entry=form.cleaned_data["entry"], note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                messages.error(request, joined_messages(exc))
            else:
                messages.success(request, _("申诉已提交，乡镇卫生院会复核。"))
                entry = form.cleaned_data["entry"]
                return redirect(f"{request.path}?year={entry.sample.year}&month={entry.sample.month}")
        else:
            messages.error(request, "；".join(str(e) for es in form.errors.values() for e in es))
    today = timezone.localdate()
    rows = []
    for entry in sampling_selectors.clinic_findings(clinic_id=clinic.pk, year=year, month=month):
        deadline = sampling_services.dispute_deadline(entry)
        rows.append(
            {
                "entry": entry,
                "name": masked_name(entry.record.resident_name),
                "may_dispute": entry.outcome == entry.Outcome.NOT_CONFIRMED
                and entry.disputed_at is None
                and (deadline is None or today <= deadline),
                "deadline": deadline,
            }
        )
    return render(
        request,
        "programs/sampling/portal_findings.html",
        {
            "page_title": _("抽查结果"),
            "rows": rows,
            "year": year,
            "month": month,
            "months": months,
            "dispute_days": sampling_services.DISPUTE_DAYS,
        },
    )
