"""Village-doctor portal: the complaints about the clinic (每诉必录) and the township's answers, the
complainant masked — what the clinic is told, and what its assessment may deduct for."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from clinics.portal.access import doctor_required
from programs.selectors.complaints import complaints_for


@doctor_required
def complaints(request):
    rows = complaints_for(request.user).filter(clinic=request.clinic)
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "programs/complaints/portal_list.html", {"page_title": _("群众投诉"), "page": page})
