"""Wagtail admin of the essential-drug feature: catalogue, purchases, sales, stock, expiring batches,
markup violations (with per-clinic totals for a period)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django_filters import DateFromToRangeFilter, ModelChoiceFilter
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSetGroup

from clinics import selectors as org
from core.admin.viewsets import ScopedEditView, ScopedModelViewSet
from core.forms import add_service_errors
from programs.forms import ViolationPeriodForm
from programs.models import Drug, DrugPurchase, DrugSale, DrugStock, DrugViolation, ExpiringBatch
from programs.selectors import drugs as selectors
from programs.services import drugs as services


class SavedThroughServiceCreateView(generic.CreateView):
    """A create view whose record is written by a service (``save_through_service``); a ValidationError
    shows on the form (``core.forms.add_service_errors``) and nothing is written."""

    def save_through_service(self, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def form_valid(self, form):
        self.form = form
        try:
            self.object = self.save_through_service(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.save_action()


class ReadOnlyEditView(ScopedEditView):
    """Purchases and sales change stock; they are not edited in place (a new record corrects them)."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST":
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _townships(request):
    return org.townships_for(request.user) if request else None


def _clinics(request):
    return org.clinics_for(request.user) if request else None


class ClinicDateFilterSet(WagtailFilterSet):
    clinic__township = ModelChoiceFilter(label=_("乡镇"), queryset=_townships)
    clinic = ModelChoiceFilter(label=_("村卫生室"), queryset=_clinics)
    date = DateFromToRangeFilter(label=_("日期"), widget=DateRangePickerWidget)


class SaleFilterSet(ClinicDateFilterSet):
    class Meta:
        model = DrugSale
        fields = ["clinic__township", "clinic", "date"]


class ViolationFilterSet(ClinicDateFilterSet):
    class Meta:
        model = DrugViolation
        fields = ["clinic__township", "clinic", "date"]


class PurchaseFilterSet(ClinicDateFilterSet):
    class Meta:
        model = DrugPurchase
        fields = ["clinic__township", "clinic", "date"]


class StockFilterSet(WagtailFilterSet):
    clinic__township = ModelChoiceFilter(label=_("乡镇"), queryset=_townships)
    clinic = ModelChoiceFilter(label=_("村卫生室"), queryset=_clinics)

    class Meta:
        model = DrugStock
        fields = ["clinic__township", "clinic"]


# --------------------------------------------------------------------------- catalogue


class DrugCreateView(SavedThroughServiceCreateView):
    def save_through_service(self, data):
        return services.save_drug(
            **{
                k: data[k]
                for k in ("code", "generic_name", "dosage_form", "specification", "unit", "category", "active")
            }
        )


class DrugEditView(generic.EditView):
    object: Drug

    def form_valid(self, form):
        self.form = form
        try:
            original = Drug.objects.get(pk=self.object.pk)
            self.object = services.save_drug(
                drug=original,
                **{
                    k: form.cleaned_data[k]
                    for k in ("code", "generic_name", "dosage_form", "specification", "unit", "category", "active")
                },
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.save_action()


class DrugViewSet(ScopedModelViewSet):
    model = Drug
    icon = "pick"
    menu_label = _("基本药物目录")
    url_prefix = "drugs/catalogue"
    add_view_class = DrugCreateView
    edit_view_class = DrugEditView
    list_display = [
        "code",
        "generic_name",
        "dosage_form",
        "specification",
        "unit",
        "category",
        "pinyin_initials",
        "active",
    ]
    list_filter = ["category", "active"]
    search_fields = ["code", "generic_name", "pinyin_initials"]
    form_fields = ["code", "generic_name", "dosage_form", "specification", "unit", "category", "active"]
    data_resource = "drugs"
    copy_view_enabled = False

    def scope_queryset(self, queryset, user):
        return queryset  # the national catalogue is the same for everyone


# --------------------------------------------------------------------------- purchases and sales


class PurchaseCreateView(SavedThroughServiceCreateView):
    def save_through_service(self, data):
        return services.record_purchase(
            clinic=data["clinic"],
            drug=data["drug"],
            on=data["date"],
            batch_no=data["batch_no"],
            expiry=data["expiry"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            user=self.request.user,
        )


class PurchaseViewSet(ScopedModelViewSet):
    model = DrugPurchase
    icon = "download"
    menu_label = _("药品采购")
    url_prefix = "drugs/purchases"
    scope_paths = {"clinic": "clinic"}
    scoped_choices = {"clinic": org.clinics_for, "drug": lambda user: Drug.objects.filter(active=True)}
    add_view_class = PurchaseCreateView
    edit_view_class = ReadOnlyEditView
    list_display = ["date", "clinic", "drug", "batch_no", "expiry", "quantity", "unit_price", "amount"]
    list_select_related = ("clinic", "drug")
    filterset_class = PurchaseFilterSet
    search_fields = ["batch_no", "drug__generic_name", "drug__pinyin_initials", "clinic__name"]
    form_fields = ["clinic", "drug", "date", "batch_no", "expiry", "quantity", "unit_price"]
    data_resource = "drug_purchases"
    copy_view_enabled = False


class SaleCreateView(SavedThroughServiceCreateView):
    def save_through_service(self, data):
        return services.record_sale(
            clinic=data["clinic"],
            drug=data["drug"],
            on=data["date"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            user=self.request.user,
        )


class SaleViewSet(ScopedModelViewSet):
    model = DrugSale
    icon = "upload"
    menu_label = _("药品销售")
    url_prefix = "drugs/sales"
    scope_paths = {"clinic": "clinic"}
    scoped_choices = {"clinic": org.clinics_for, "drug": lambda user: Drug.objects.filter(active=True)}
    add_view_class = SaleCreateView
    edit_view_class = ReadOnlyEditView
    list_display = ["date", "clinic", "drug", "quantity", "unit_cost", "unit_price", "overcharge", "source"]
    list_select_related = ("clinic", "drug")
    filterset_class = SaleFilterSet
    search_fields = ["drug__generic_name", "drug__pinyin_initials", "clinic__name"]
    form_fields = ["clinic", "drug", "date", "quantity", "unit_price"]
    data_resource = "drug_sales"
    copy_view_enabled = False


# --------------------------------------------------------------------------- township lists


class StockViewSet(ScopedModelViewSet):
    model = DrugStock
    icon = "table"
    menu_label = _("药品库存")
    url_prefix = "drugs/stock"
    scope_paths = {"clinic": "clinic"}
    list_display = ["clinic", "drug", "quantity", "last_purchase_price", "updated_at"]
    list_select_related = ("clinic", "drug")
    filterset_class = StockFilterSet
    search_fields = ["drug__generic_name", "drug__pinyin_initials", "clinic__name"]
    form_fields = ["quantity"]
    data_resource = "drug_stock"
    copy_view_enabled = False
    edit_view_class = ReadOnlyEditView


class ExpiringViewSet(ScopedModelViewSet):
    model = ExpiringBatch
    icon = "warning"
    menu_label = _("近效期批次")
    url_prefix = "drugs/expiring"
    list_display = ["expiry", "clinic", "drug", "batch_no", "quantity", "date"]
    list_select_related = ("clinic", "drug")
    search_fields = ["batch_no", "drug__generic_name", "clinic__name"]
    form_fields = ["batch_no"]
    data_resource = "drug_expiring"
    copy_view_enabled = False
    edit_view_class = ReadOnlyEditView

    def scope_queryset(self, queryset, user):
        return queryset.filter(pk__in=selectors.expiring_batches_for(user).values("pk"))


class ViolationViewSet(ScopedModelViewSet):
    model = DrugViolation
    icon = "warning"
    menu_label = _("加价销售（违规）")
    url_prefix = "drugs/violations"
    scope_paths = {"clinic": "clinic"}
    list_display = ["date", "clinic", "drug", "quantity", "unit_cost", "unit_price", "overcharge"]
    list_select_related = ("clinic", "drug")
    filterset_class = ViolationFilterSet
    search_fields = ["drug__generic_name", "clinic__name"]
    form_fields = ["date"]
    data_resource = "drug_violations"
    copy_view_enabled = False
    edit_view_class = ReadOnlyEditView


class DrugsGroup(ViewSetGroup):
    menu_label = _("基本药物")
    menu_icon = "pick"
    menu_order = 320
    items = (DrugViewSet, PurchaseViewSet, SaleViewSet, StockViewSet, ExpiringViewSet, ViolationViewSet)


# --------------------------------------------------------------------------- violation totals per period


class ViolationTotalsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "programs/drugs/violation_totals.html"
    page_title = _("加价销售汇总")
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("programs.view_drugviolation"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        initial = {"start": date(today.year, 1, 1), "end": today}
        form = ViolationPeriodForm(self.request.GET or None, initial=initial)
        start, end = initial["start"], initial["end"]
        if form.is_bound and form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        rows = selectors.violation_totals(self.request.user, start=start, end=end) if not form.errors else []
        context.update(
            form=form,
            rows=rows,
            start=start,
            end=end,
            total=sum((r.overcharge_total for r in rows), start=selectors.ZERO),
            count=sum(r.violation_count for r in rows),
            list_url=reverse(ViolationViewSet().get_url_name("index")),
        )
        return context
