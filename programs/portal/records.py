"""Village-doctor portal: quick entry of a service record (录入服务记录), phone first."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.portal.access import doctor_required
from core.forms import add_service_errors
from programs.forms import RecordEntryForm, ResidentSearchForm
from programs.models import ServiceItem
from programs.selectors import records as record_selectors
from programs.services import records as record_services
from residents.models import Resident


@doctor_required
def entry(request):
    today = timezone.localdate()
    clinic = request.clinic
    register = record_selectors.clinic_residents(user=request.user, year=today.year, limit=0)
    search = ResidentSearchForm(request.GET)
    query = search.query()
    found = list(record_selectors.clinic_residents(user=request.user, year=today.year, query=query)) if query else []
    chosen: Resident | None = None
    picked = request.GET.get("resident", "")
    if picked:
        if not (picked.isascii() and picked.isdigit() and len(picked) < 19):
            raise Http404
        chosen = register.filter(pk=int(picked)).first()
        if chosen is None:  # another clinic's resident, or a guessed id
            raise Http404
    form = RecordEntryForm(
        request.POST if request.method == "POST" else None,
        residents=register,
        initial={"service_date": today, "resident": chosen.pk if chosen else None},
    )
    if form.is_bound:
        chosen = form.cleaned_data.get("resident") if form.is_valid() else chosen
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = record_services.add_record(
                    user=request.user,
                    clinic=clinic,
                    item=data["item"],
                    service_date=data["service_date"],
                    resident=data["resident"],
                    note=data["note"],
                    today=today,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已记录：%(name)s %(date)s %(item)s")
                    % {"name": record.resident_name, "date": record.service_date.isoformat(), "item": record.item.name},
                )
                return redirect(reverse("portal_records:entry"))
    records = record_selectors.clinic_month_records(clinic_id=clinic.pk, year=today.year, month=today.month)
    counts = record_selectors.item_counts(clinic_id=clinic.pk, year=today.year, month=today.month)
    items = ServiceItem.objects.filter(pk__in=counts).order_by("sort_order") if counts else []
    return render(
        request,
        "programs/records/portal_entry.html",
        {
            "page_title": _("录入服务记录"),
            "search": search,
            "query": query,
            "found": found,
            "chosen": chosen,
            "form": form,
            "records": records,
            "counts": [(item, counts[item.pk]) for item in items],
            "total": sum(counts.values()),
            "year": today.year,
            "month": today.month,
        },
    )
