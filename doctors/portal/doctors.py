"""The village doctor's own licence, renewal application and training progress (mobile-first)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clinics.portal.access import doctor_required
from doctors import rules, selectors, services
from doctors.forms import ApplyForm
from doctors.models import Licence


def _current_licence(doctor):
    return doctor.licences.exclude(status=Licence.Status.RENEWED).order_by("-issued_on", "-pk").first()


def _context(request, doctor, form=None):
    today = timezone.localdate()
    context = {"page_title": _("我的执业证书"), "doctor": doctor, "today": today, "form": form or ApplyForm()}
    if doctor is None:
        context["permission"] = selectors.permission_for_doctor(None, [], today)
        return context
    licences = list(doctor.licences.order_by("-issued_on", "-pk"))
    current = _current_licence(doctor)
    context.update(
        {
            "licences": licences,
            "current": current,
            "permission": selectors.permission_for_doctor(doctor, licences, today),
            "applications": list(
                selectors.RenewalApplication.objects.filter(licence__doctor=doctor)
                .select_related("licence", "new_licence")
                .order_by("-applied_on", "-pk")[:5]
            ),
            "reminders": list(
                selectors.LicenceReminder.objects.filter(licence__doctor=doctor)
                .select_related("licence")
                .order_by("-sent_on")[:3]
            ),
            "assessments": list(doctor.assessments.order_by("-assessed_on")[:4]),
        }
    )
    if current is not None:
        opens = rules.renewal_window_opens(current.expires_on)
        context.update(
            {
                "days_to_expiry": (current.expires_on - today).days,
                "window_opens": opens,
                "can_apply": current.status == Licence.Status.VALID and opens <= today <= current.expires_on,
            }
        )
    rule = selectors.rule_for_county(doctor.clinic.township.county_id)
    totals = selectors.yearly_training(doctor_ids=[doctor.pk], year=today.year).get(
        doctor.pk, selectors.TrainingTotals()
    )
    context.update(
        {
            "rule": rule,
            "training": totals,
            "training_ok": totals.meets(rule),
            "sessions_pct": min(100, round(100 * totals.sessions / max(rule.min_sessions, 1))),
            "days_pct": min(100, round(100 * totals.days / max(rule.min_days, 1))),
        }
    )
    return context


@doctor_required
def licence(request):
    doctor = selectors.doctor_for_user(request.user)
    return render(request, "doctors/portal/licence.html", _context(request, doctor))


@doctor_required
@require_http_methods(["POST"])
def apply(request):
    doctor = selectors.doctor_for_user(request.user)
    form = ApplyForm(request.POST)
    current = _current_licence(doctor) if doctor else None
    if doctor is None or current is None:
        messages.error(request, _("您还没有登记执业证书，请联系乡镇卫生院。"))
        return redirect("portal_doctors:licence")
    if form.is_valid():
        try:
            services.apply_for_renewal(
                licence=current, user=request.user, on=timezone.localdate(), note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("再注册申请已提交，等待乡镇卫生院审核。"))
            return redirect("portal_doctors:licence")
    return render(request, "doctors/portal/licence.html", _context(request, doctor, form), status=400)
