"""The offline portal's entry kinds and pages of programs (registered in ``ProgramsConfig.ready``).

An entry queued on the phone is replayed with the same form and service as the online page
(``programs.portal.reports.report_form``, ``programs.portal.drugs.sell``): refusals are the same Chinese messages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Clinic
from clinics.selectors import get_scope
from core.forms import form_refusal
from programs.forms import ReportForm, ReportMonthForm, SaleForm
from programs.portal.drugs import sale_recorded_message
from programs.portal.reports import default_month
from programs.selectors import drugs as drug_selectors
from programs.selectors import reports as report_selectors
from programs.services import drugs as drug_services
from programs.services import reports as report_services


def _clinic_of(user: Any) -> Clinic:
    clinic_id = get_scope(user).clinic_id
    if clinic_id is None:
        raise PermissionDenied
    return Clinic.objects.get(pk=clinic_id)


def replay_report(*, user: Any, params: dict[str, Any], fields: dict[str, str]) -> str:
    """A monthly report saved as a draft (保存草稿) or submitted (提交给卫生院) offline."""
    month_form = ReportMonthForm({key: str(value) for key, value in params.items()})
    if not month_form.is_valid():
        raise form_refusal(month_form)
    year, month = month_form.cleaned_data["year"], month_form.cleaned_data["month"]
    form = ReportForm(fields, items=list(report_selectors.active_items()))
    if not form.is_valid():
        raise form_refusal(form)
    submit = form.cleaned_data["submit"]
    try:
        report_services.save_report(
            user=user,
            year=year,
            month=month,
            counts=form.counts(),
            submit=submit,
            confirmed_warnings=form.cleaned_data["confirm"],
        )
    except report_services.NeedsConfirmation as exc:
        raise ValidationError(
            _("有些数字明显高于平时，请核对：%(warnings)s 确认无误请点“修改”，勾选“我已核对”后再提交。")
            % {"warnings": "；".join(w.message for w in exc.warnings)}
        ) from exc
    values = {"year": year, "month": month}
    if submit:
        return _("%(year)s年%(month)s月服务月报已提交，等待乡镇卫生院核实。") % values
    return _("%(year)s年%(month)s月服务月报草稿已保存。") % values


def replay_sale(*, user: Any, params: dict[str, Any], fields: dict[str, str]) -> str:
    """One drug sale recorded offline."""
    form = SaleForm(fields)
    if not form.is_valid():
        raise form_refusal(form)
    data = form.cleaned_data
    sale = drug_services.record_sale(
        clinic=_clinic_of(user),
        drug=data["drug"],
        on=data["date"],
        quantity=data["quantity"],
        unit_price=data["unit_price"],
        user=user,
    )
    return sale_recorded_message(sale)


def pages(*, user: Any, clinic: Clinic) -> list[str]:
    """This month's report form, quotas and progress, the drug list with stock and a sale form per drug in stock."""
    year, month = default_month(timezone.localdate())
    sell = reverse("portal_drugs:sell")
    in_stock = [row.drug_id for row in drug_selectors.clinic_stock(clinic.pk) if row.quantity > 0]
    return [
        reverse("portal_reports:index"),
        reverse("portal_reports:report", args=[year, month]),
        reverse("portal_reports:progress"),
        reverse("portal_drugs:home"),
        sell,
        *[f"{sell}?drug={drug_id}" for drug_id in in_stock],
    ]
