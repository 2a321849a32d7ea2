"""Village-doctor portal pages of the essential-drug feature (mobile first)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.portal.access import doctor_required
from core.forms import add_service_errors
from programs.forms import DailySalesForm, DrugSearchForm, SaleForm
from programs.models import DrugSale
from programs.selectors import drugs as selectors
from programs.services import drugs as services


@doctor_required
def home(request):
    stock = list(selectors.clinic_stock(request.clinic.pk))
    sales = list(DrugSale.objects.filter(clinic=request.clinic).select_related("drug")[:20])
    return render(
        request, "programs/drugs/portal_home.html", {"stock": stock, "sales": sales, "page_title": _("基本药物")}
    )


@doctor_required
def sell(request):
    clinic = request.clinic
    stock_by_drug = {s.drug_id: s for s in selectors.clinic_stock(clinic.pk)}
    search = DrugSearchForm(request.GET)
    q = search.value("q")
    results = list(selectors.search_drugs(q)) if q else []
    for drug in results:
        drug.stock_row = stock_by_drug.get(drug.pk)  # type: ignore[attr-defined]  # for the template
    # What can be sold first; the search box's example is a drug this clinic has in stock.
    results.sort(key=lambda drug: not (drug.stock_row and drug.stock_row.quantity > 0))  # type: ignore[attr-defined]
    example = next((row.drug for row in stock_by_drug.values() if row.quantity > 0), None)
    form = SaleForm(request.POST) if request.method == "POST" else None
    if form is not None:
        form.is_valid()
    # The drug being sold: the posted one, else the one picked from the results (an invalid id: none).
    drug_id = (form.cleaned_data.get("drug") if form is not None else None) or search.value("drug")
    row = stock_by_drug.get(drug_id) if drug_id is not None else None
    chosen = row.drug if row else None
    if form is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                sale = services.record_sale(
                    clinic=clinic,
                    drug=data["drug"],
                    on=data["date"],
                    quantity=data["quantity"],
                    unit_price=data["unit_price"],
                    user=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                (messages.warning if sale.overcharge > 0 else messages.success)(request, sale_recorded_message(sale))
                return redirect("portal_drugs:home")
    else:
        initial: dict[str, Any] = {"date": timezone.localdate()}
        if chosen:
            initial.update(drug=chosen.pk, unit_price=stock_by_drug[chosen.pk].last_purchase_price)
        form = SaleForm(initial=initial)
    return render(
        request,
        "programs/drugs/portal_sell.html",
        {
            "form": form,
            "q": q,
            "results": results,
            "example": example,
            "chosen": chosen,
            "chosen_stock": stock_by_drug.get(chosen.pk) if chosen else None,
            "page_title": _("录入销售"),
        },
    )


@doctor_required
def daily(request):
    """A day's sales as one summary: one row per drug in stock, fill in what was sold."""
    clinic = request.clinic
    stock = [s for s in selectors.clinic_stock(clinic.pk) if s.quantity > 0]
    form = DailySalesForm(request.POST if request.method == "POST" else None, stock=stock)
    if form.is_bound and form.is_valid():
        on = form.cleaned_data["date"]
        try:
            sales = services.record_daily_sales(clinic=clinic, on=on, lines=form.lines(), user=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            over = [s for s in sales if s.overcharge > 0]
            messages.success(request, _("已记录 %(d)s 的销售 %(n)s 笔。") % {"d": on, "n": len(sales)})
            if over:
                messages.warning(request, _("其中 %(n)s 笔售价高于进价，已报告乡镇卫生院。") % {"n": len(over)})
            return redirect("portal_drugs:home")
    day = form["date"].value() if form.is_bound else timezone.localdate().isoformat()
    return render(
        request,
        "programs/drugs/portal_daily.html",
        {"stock": stock, "form": form, "rows": form.rows(), "day": day, "page_title": _("按日汇总录入")},
    )


def sale_recorded_message(sale: DrugSale) -> str:
    """What the doctor is told about a recorded sale, online and when an offline sale is replayed."""
    text = _("已记录：%(drug)s %(qty)s%(unit)s，单价 %(price)s 元。") % {
        "drug": sale.drug.generic_name,
        "qty": sale.quantity,
        "unit": sale.drug.unit,
        "price": sale.unit_price,
    }
    if sale.overcharge > 0:
        text += _("售价高于进价 %(cost)s 元，违反零差率销售，已报告乡镇卫生院。") % {"cost": sale.unit_cost}
    return text
