"""Import-export resources of the essential-drug feature. Purchases and sales go through the
services, so imported rows update stock, are refused below zero stock and are checked for markup."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from import_export import fields

from clinics.models import Clinic
from core.dataio import (
    ChoiceWidget,
    CodeForeignKeyWidget,
    ScopedResource,
    StrictDateWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
    register,
)
from programs.models import Drug, DrugPurchase, DrugSale, DrugStock, DrugViolation, ExpiringBatch
from programs.selectors.drugs import EXPIRY_WARNING_DAYS
from programs.services import drugs as services

CLINIC = {"clinic": ""}


def _clinic_field():
    return fields.Field(
        attribute="clinic",
        column_name="卫生室编码",
        widget=CodeForeignKeyWidget(Clinic, label="村卫生室", scope_paths=CLINIC),
    )


def _drug_field():
    return fields.Field(attribute="drug", column_name="药品编码", widget=CodeForeignKeyWidget(Drug, label="药品"))


def _as_field_errors(exc: ValidationError, key: str = "date") -> ValidationError:
    return exc if hasattr(exc, "error_dict") else ValidationError({key: exc.messages})


@register
class DrugResource(ScopedResource):
    name = "drugs"
    import_permission = "programs.add_drug"
    export_permission = "programs.view_drug"

    code = fields.Field(attribute="code", column_name="药品编码")
    generic_name = fields.Field(attribute="generic_name", column_name="通用名")
    dosage_form = fields.Field(attribute="dosage_form", column_name="剂型")
    specification = fields.Field(attribute="specification", column_name="规格")
    unit = fields.Field(attribute="unit", column_name="单位")
    category = fields.Field(attribute="category", column_name="类别", widget=ChoiceWidget(Drug.Category.choices))
    pinyin = fields.Field(attribute="pinyin_initials", column_name="拼音首字母", readonly=True)

    class Meta:
        model = Drug
        fields = ("code", "generic_name", "dosage_form", "specification", "unit", "category", "pinyin")
        import_id_fields = ("code",)
        skip_diff = True

    def save_instance(self, instance, is_create, row, **kwargs):
        existing = None if is_create else Drug.objects.get(pk=instance.pk)
        services.save_drug(
            code=instance.code,
            generic_name=instance.generic_name,
            dosage_form=instance.dosage_form,
            specification=instance.specification,
            unit=instance.unit,
            category=instance.category,
            drug=existing,
        )


@register
class DrugPurchaseResource(ScopedResource):
    name = "drug_purchases"
    scope_paths = {"clinic": "clinic"}
    import_permission = "programs.add_drugpurchase"
    export_permission = "programs.view_drugpurchase"

    clinic = _clinic_field()
    drug = _drug_field()
    drug_name = fields.Field(attribute="drug__generic_name", column_name="药品名称", readonly=True)
    date = fields.Field(attribute="date", column_name="采购日期", widget=StrictDateWidget(required=True))
    batch_no = fields.Field(attribute="batch_no", column_name="批号")
    expiry = fields.Field(attribute="expiry", column_name="有效期至", widget=StrictDateWidget(required=True))
    quantity = fields.Field(attribute="quantity", column_name="数量", widget=StrictIntegerWidget(required=True))
    unit_price = fields.Field(
        attribute="unit_price", column_name="进价（元）", widget=StrictDecimalWidget(required=True)
    )

    class Meta:
        model = DrugPurchase
        fields = ("clinic", "drug", "drug_name", "date", "batch_no", "expiry", "quantity", "unit_price")
        import_id_fields = ()
        skip_diff = True

    def get_queryset(self):
        return super().get_queryset().select_related("clinic", "drug")

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            created = services.record_purchase(
                clinic=instance.clinic,
                drug=instance.drug,
                on=instance.date,
                batch_no=instance.batch_no or "",
                expiry=instance.expiry,
                quantity=instance.quantity,
                unit_price=instance.unit_price,
                user=self.user,
            )
        except ValidationError as exc:
            raise _as_field_errors(exc) from None
        instance.pk = created.pk


@register
class DrugSaleResource(ScopedResource):
    name = "drug_sales"
    scope_paths = {"clinic": "clinic"}
    import_permission = "programs.add_drugsale"
    export_permission = "programs.view_drugsale"

    clinic = _clinic_field()
    drug = _drug_field()
    drug_name = fields.Field(attribute="drug__generic_name", column_name="药品名称", readonly=True)
    date = fields.Field(attribute="date", column_name="销售日期", widget=StrictDateWidget(required=True))
    quantity = fields.Field(attribute="quantity", column_name="数量", widget=StrictIntegerWidget(required=True))
    unit_price = fields.Field(
        attribute="unit_price", column_name="售价（元）", widget=StrictDecimalWidget(required=True)
    )
    unit_cost = fields.Field(attribute="unit_cost", column_name="进价（元）", readonly=True)
    overcharge = fields.Field(attribute="overcharge", column_name="加价金额（元）", readonly=True)

    class Meta:
        model = DrugSale
        fields = ("clinic", "drug", "drug_name", "date", "quantity", "unit_price", "unit_cost", "overcharge")
        import_id_fields = ()
        skip_diff = True

    def get_queryset(self):
        return super().get_queryset().select_related("clinic", "drug")

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            created = services.record_sale(
                clinic=instance.clinic,
                drug=instance.drug,
                on=instance.date,
                quantity=instance.quantity,
                unit_price=instance.unit_price,
                user=self.user,
                source=DrugSale.Source.IMPORT,
            )
        except ValidationError as exc:
            raise _as_field_errors(exc) from None
        instance.pk = created.pk


class _ExportOnly(ScopedResource):
    scope_paths = {"clinic": "clinic"}
    import_permission = None

    def get_queryset(self):
        return super().get_queryset().select_related("clinic__township", "drug")


@register
class DrugStockResource(_ExportOnly):
    name = "drug_stock"
    export_permission = "programs.view_drugstock"

    township = fields.Field(attribute="clinic__township__name", column_name="乡镇")
    clinic = fields.Field(attribute="clinic__name", column_name="村卫生室")
    code = fields.Field(attribute="drug__code", column_name="药品编码")
    drug = fields.Field(attribute="drug__generic_name", column_name="通用名")
    spec = fields.Field(attribute="drug__specification", column_name="规格")
    unit = fields.Field(attribute="drug__unit", column_name="单位")
    quantity = fields.Field(attribute="quantity", column_name="库存数量")
    price = fields.Field(attribute="last_purchase_price", column_name="最近进价（元）")

    class Meta:
        model = DrugStock
        fields = ("township", "clinic", "code", "drug", "spec", "unit", "quantity", "price")


@register
class DrugViolationResource(_ExportOnly):
    name = "drug_violations"
    export_permission = "programs.view_drugviolation"

    township = fields.Field(attribute="clinic__township__name", column_name="乡镇")
    clinic = fields.Field(attribute="clinic__name", column_name="村卫生室")
    date = fields.Field(attribute="date", column_name="销售日期", widget=StrictDateWidget())
    drug = fields.Field(attribute="drug__generic_name", column_name="药品")
    quantity = fields.Field(attribute="quantity", column_name="数量")
    unit_cost = fields.Field(attribute="unit_cost", column_name="进价（元）")
    unit_price = fields.Field(attribute="unit_price", column_name="售价（元）")
    overcharge = fields.Field(attribute="overcharge", column_name="加价金额（元）")

    class Meta:
        model = DrugViolation
        fields = ("township", "clinic", "date", "drug", "quantity", "unit_cost", "unit_price", "overcharge")


@register
class ExpiringBatchResource(_ExportOnly):
    name = "drug_expiring"
    export_permission = "programs.view_expiringbatch"

    township = fields.Field(attribute="clinic__township__name", column_name="乡镇")
    clinic = fields.Field(attribute="clinic__name", column_name="村卫生室")
    drug = fields.Field(attribute="drug__generic_name", column_name="药品")
    batch_no = fields.Field(attribute="batch_no", column_name="批号")
    expiry = fields.Field(attribute="expiry", column_name="有效期至", widget=StrictDateWidget())
    quantity = fields.Field(attribute="quantity", column_name="采购数量")

    class Meta:
        model = ExpiringBatch
        fields = ("township", "clinic", "drug", "batch_no", "expiry", "quantity")

    def get_queryset(self):
        limit = timezone.localdate() + timedelta(days=EXPIRY_WARNING_DAYS)
        return (
            super()
            .get_queryset()
            .filter(expiry__lte=limit, drug__stocks__clinic=F("clinic"), drug__stocks__quantity__gt=0)
        )
