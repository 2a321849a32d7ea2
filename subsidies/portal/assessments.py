"""Village-doctor portal: the clinic's assessments item by item, and appeals."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.portal.access import doctor_required
from core.files import serve_protected_file
from core.forms import add_service_errors
from subsidies.forms import AppealForm
from subsidies.models import Appeal, Assessment
from subsidies.selectors.assessments import evidence_for, findings_to_rectify, satisfaction_basis
from subsidies.services import assessments as services


@doctor_required
def index(request):
    assessments = Assessment.objects.filter(clinic=request.clinic, status=Assessment.Status.SUBMITTED).order_by(
        "-year", "-quarter"
    )
    findings = list(findings_to_rectify(user=request.user)[:50])
    return render(
        request,
        "subsidies/assessments/portal_index.html",
        {
            "assessments": assessments,
            "findings": findings,
            "today": timezone.localdate(),
            "page_title": _("考核得分"),
        },
    )


@doctor_required
def detail(request, pk: int):
    assessment = get_object_or_404(Assessment, pk=pk, clinic=request.clinic, status=Assessment.Status.SUBMITTED)
    form = None
    if request.method == "POST":
        form = AppealForm(request.POST, assessment=assessment)
        if form.is_valid():
            try:
                services.file_appeal(
                    user=request.user, entry=form.cleaned_data["entry"], comment=form.cleaned_data["comment"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("申诉已提交，乡镇卫生院会尽快处理。"))
                return redirect("portal_assessments:detail", pk=assessment.pk)
    entries = list(assessment.entries.select_related("item"))
    satisfaction_rate, county_average = satisfaction_basis(assessment=assessment)
    appeals = {}
    for appeal in Appeal.objects.filter(entry__assessment=assessment).order_by("created_at"):
        appeals[appeal.entry_id] = appeal
    form_entry = form.cleaned_data.get("entry") if form is not None else None
    for entry in entries:
        entry.appeal = appeals.get(entry.pk)  # type: ignore[attr-defined]  # for the template
        entry.form = form if entry == form_entry else None  # type: ignore[attr-defined]  # for the template
    assert assessment.submitted_at is not None  # a submitted assessment
    deadline = assessment.submitted_at + timedelta(days=services.APPEAL_DAYS)
    return render(
        request,
        "subsidies/assessments/portal_detail.html",
        {
            "assessment": assessment,
            "entries": entries,
            # The refusal of an appeal whose item shows no appeal form (e.g. the period is over): at the top.
            "form": form if form is not None and form.errors and form_entry is None else None,
            "may_appeal": timezone.now() <= deadline,
            "AppealStatus": Appeal.Status,
            "satisfaction_rate": satisfaction_rate,
            "county_average": county_average,
            "appeal_deadline": deadline,
            "evidence": evidence_for(request.user).filter(assessment=assessment),
            "page_title": str(assessment),
        },
    )


@doctor_required
def evidence(request, pk: int):
    """An evidence file of the doctor's own clinic's submitted assessment."""

    item = get_object_or_404(evidence_for(request.user), pk=pk)
    return serve_protected_file(request, item.file.name, item.download_name)
