"""Essential drugs sold at zero markup (基本药物零差率销售): catalogue, purchases, sales, stock.

Stock is one row per clinic and drug (``DrugStock``), changed only by the services under a row lock,
with a check constraint that it never goes below zero. Each sale keeps the purchase price it was
compared with, so the markup check (``overcharge``) can be shown and re-computed later.
"""

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

__all__ = ["Drug", "DrugPurchase", "DrugSale", "DrugStock", "DrugViolation", "ExpiringBatch"]


class Drug(models.Model):
    class Category(models.TextChoices):
        ANTI_INFECTIVE = "anti_infective", _("抗微生物药")
        CARDIOVASCULAR = "cardiovascular", _("心血管系统用药")
        RESPIRATORY = "respiratory", _("呼吸系统用药")
        DIGESTIVE = "digestive", _("消化系统用药")
        ANALGESIC = "analgesic", _("解热镇痛、抗炎药")
        ENDOCRINE = "endocrine", _("内分泌系统用药")
        NERVOUS = "nervous", _("神经系统用药")
        ALLERGY = "allergy", _("抗变态反应药")
        VITAMIN = "vitamin", _("维生素、矿物质类药")
        FLUID = "fluid", _("调节水、电解质及酸碱平衡药")
        EXTERNAL = "external", _("皮肤科及外用药")
        TCM = "tcm", _("中成药")
        OTHER = "other", _("其他")

    code = models.CharField(_("药品编码"), max_length=30, unique=True)
    generic_name = models.CharField(_("通用名"), max_length=100)
    dosage_form = models.CharField(_("剂型"), max_length=30)
    specification = models.CharField(_("规格"), max_length=60)
    unit = models.CharField(_("单位"), max_length=10, help_text=_("最小销售单位，如 盒、瓶、支、片"))
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, default=Category.OTHER)
    pinyin_initials = models.CharField(_("拼音首字母"), max_length=100, db_index=True, editable=False)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("基本药物")
        verbose_name_plural = _("基本药物目录")
        ordering = ["pinyin_initials", "code"]

    def __str__(self):
        return f"{self.generic_name} {self.specification}（{self.dosage_form}）"


class DrugStock(models.Model):
    """Current stock of one drug at one clinic = purchases − sales (kept by the services)."""

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="drug_stocks", verbose_name=_("村卫生室")
    )
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="stocks", verbose_name=_("药品"))
    quantity = models.IntegerField(_("库存数量"), default=0)
    last_purchase_price = models.DecimalField(_("最近进价（元）"), max_digits=10, decimal_places=2)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("药品库存")
        verbose_name_plural = _("药品库存")
        ordering = ["clinic__code", "drug__pinyin_initials"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "drug"], name="drugstock_one_per_clinic_drug"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="drugstock_never_negative",
                violation_error_message=_("库存不能小于 0。"),
            ),
        ]

    def __str__(self):
        return f"{self.clinic} {self.drug.generic_name}：{self.quantity}"


class DrugPurchase(models.Model):
    """A purchase through the township (统一采购配送)."""

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="drug_purchases", verbose_name=_("村卫生室")
    )
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("药品"))
    date = models.DateField(_("采购日期"))
    batch_no = models.CharField(_("批号"), max_length=40)
    expiry = models.DateField(_("有效期至"))
    quantity = models.PositiveIntegerField(_("数量"))
    unit_price = models.DecimalField(_("进价（元）"), max_digits=10, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("录入人"),
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("药品采购")
        verbose_name_plural = _("药品采购")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="drugpurchase_quantity_positive",
                violation_error_message=_("采购数量必须大于 0。"),
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gt=0),
                name="drugpurchase_price_positive",
                violation_error_message=_("采购单价必须大于 0。"),
            ),
            models.CheckConstraint(
                condition=Q(expiry__gt=F("date")),
                name="drugpurchase_expiry_after_date",
                violation_error_message=_("有效期必须晚于采购日期。"),
            ),
        ]
        indexes = [models.Index(fields=["clinic", "date"]), models.Index(fields=["expiry"])]

    def __str__(self):
        return f"{self.clinic} {self.drug.generic_name} {self.batch_no}"

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(Decimal("0.01"))


class DrugSale(models.Model):
    class Source(models.TextChoices):
        SINGLE = "single", _("逐笔录入")
        DAILY = "daily", _("按日汇总")
        IMPORT = "import", _("导入")

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="drug_sales", verbose_name=_("村卫生室")
    )
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="sales", verbose_name=_("药品"))
    date = models.DateField(_("销售日期"))
    quantity = models.PositiveIntegerField(_("数量"))
    unit_price = models.DecimalField(_("售价（元）"), max_digits=10, decimal_places=2)
    unit_cost = models.DecimalField(
        _("进价（元）"), max_digits=10, decimal_places=2, help_text=_("销售时该药最近一次采购的进价，用于零差率核对")
    )
    overcharge = models.DecimalField(_("加价金额（元）"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    source = models.CharField(_("录入方式"), max_length=10, choices=Source.choices, default=Source.SINGLE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("录入人"),
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("药品销售")
        verbose_name_plural = _("药品销售")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="drugsale_quantity_positive",
                violation_error_message=_("销售数量必须大于 0。"),
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="drugsale_price_not_negative",
                violation_error_message=_("销售单价不能为负数。"),
            ),
            models.CheckConstraint(condition=Q(overcharge__gte=0), name="drugsale_overcharge_not_negative"),
        ]
        indexes = [models.Index(fields=["clinic", "date"]), models.Index(fields=["overcharge"])]

    def __str__(self):
        return f"{self.clinic} {self.date} {self.drug.generic_name} × {self.quantity}"

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(Decimal("0.01"))

    @property
    def is_violation(self) -> bool:
        return self.unit_price > self.unit_cost


class ViolationManager(models.Manager["DrugViolation"]):
    def get_queryset(self) -> models.QuerySet["DrugViolation"]:
        return super().get_queryset().filter(overcharge__gt=0)


class DrugViolation(DrugSale):
    """Sales priced above the purchase price (加价销售), as the township sees them."""

    objects: ClassVar[ViolationManager] = ViolationManager()

    class Meta:
        proxy = True
        verbose_name = _("加价销售（违规）")
        verbose_name_plural = _("加价销售（违规）")
        ordering = ["-date", "-pk"]


class ExpiringBatch(DrugPurchase):
    """Purchased batches, listed by expiry for the township (近效期批次)."""

    class Meta:
        proxy = True
        verbose_name = _("近效期批次")
        verbose_name_plural = _("近效期批次")
        ordering = ["expiry", "pk"]
