"""Village-doctor portal pages of the essential-drug feature (mobile first)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics.portal.access import doctor_required
from core.validation import (
    StrictDateField,
    StrictDecimalField,
    StrictIntegerField,
    ascii_int_or,
    limits_of,
    parse_date,
)
from programs.models import Drug, DrugSale
from programs.selectors import drugs as selectors
from programs.services import drugs as services


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class SaleForm(forms.Form):
    """Limits are the model fields' (as in the import widgets and ``services.record_sale``); the date
    rules (not in the future, not before the first purchase, ...) are the service's."""

    drug = StrictIntegerField(
        widget=forms.HiddenInput,
        limits=limits_of(Drug._meta.pk),
        error_messages={"required": gettext_lazy("请先选择药品。")},
        messages={"invalid": gettext_lazy("请先选择药品。"), "digits": gettext_lazy("请先选择药品。")},
    )
    date = StrictDateField(
        label=gettext_lazy("销售日期"),
        min_date=None,
        max_date=None,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": gettext_lazy("请填写日期。")},
    )
    quantity = StrictIntegerField(
        label=gettext_lazy("数量"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        limits=services.QUANTITY_LIMITS,
        error_messages={"required": gettext_lazy("请填写数量。")},
        messages={"invalid": gettext_lazy("数量必须是整数。")},
    )
    unit_price = StrictDecimalField(
        label=gettext_lazy("单价（元）"),
        limits=services.SALE_PRICE_LIMITS,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        error_messages={"required": gettext_lazy("请填写单价。")},
        messages={
            "invalid": gettext_lazy("单价必须是数字。"),
            "max_decimal_places": gettext_lazy("单价最多保留 2 位小数。"),
        },
    )


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
    q = request.GET.get("q", "").strip()
    results = list(selectors.search_drugs(q)) if q else []
    for drug in results:
        drug.stock_row = stock_by_drug.get(drug.pk)  # type: ignore[attr-defined]  # for the template
    chosen = None
    drug_id = request.POST.get("drug") or request.GET.get("drug")
    if ascii_int_or(drug_id, None) is not None:
        row = stock_by_drug.get(int(drug_id))
        chosen = row.drug if row else None
    if request.method == "POST":
        form = SaleForm(request.POST)
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
                _attach(form, exc)
            else:
                text = _("已记录：%(drug)s %(qty)s%(unit)s，单价 %(price)s 元。") % {
                    "drug": sale.drug.generic_name,
                    "qty": sale.quantity,
                    "unit": sale.drug.unit,
                    "price": sale.unit_price,
                }
                if sale.overcharge > 0:
                    messages.warning(
                        request,
                        text
                        + _("售价高于进价 %(cost)s 元，违反零差率销售，已报告乡镇卫生院。") % {"cost": sale.unit_cost},
                    )
                else:
                    messages.success(request, text)
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
    errors: list[str] = []
    day = request.POST.get("date") or timezone.localdate().isoformat()
    if request.method == "POST":
        lines = []
        for row in stock:
            qty = request.POST.get(f"qty_{row.drug_id}", "").strip()
            if not qty:
                continue
            lines.append(
                services.SaleLine(
                    drug=row.drug, quantity=qty, unit_price=request.POST.get(f"price_{row.drug_id}", "").strip()
                )
            )
        try:
            on = parse_date(day, required=True, min_date=None, max_date=None)
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            try:
                sales = services.record_daily_sales(clinic=clinic, on=on, lines=lines, user=request.user)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                over = [s for s in sales if s.overcharge > 0]
                messages.success(request, _("已记录 %(d)s 的销售 %(n)s 笔。") % {"d": on, "n": len(sales)})
                if over:
                    messages.warning(request, _("其中 %(n)s 笔售价高于进价，已报告乡镇卫生院。") % {"n": len(over)})
                return redirect("portal_drugs:home")
    return render(
        request,
        "programs/drugs/portal_daily.html",
        {"stock": stock, "errors": errors, "day": day, "post": request.POST, "page_title": _("按日汇总录入")},
    )
