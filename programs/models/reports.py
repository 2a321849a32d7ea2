"""National basic public-health services (国家基本公共卫生服务): the item catalogue, county prices,
yearly quotas (任务数) and monthly service reports from village doctors with township verification.

Glossary: 申报数 declared count; 核实数 verified count; 真实率 authenticity rate of a verification
sample; 电话回访 phone follow-up; 入户核实 home visit; 工分 work points; 退回 returned to the doctor.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.versioning import Versioned

__all__ = ["Quota", "ServiceItem", "ServiceItemPrice", "ServiceReport", "ServiceReportLine"]


class ServiceItem(models.Model):
    class Category(models.TextChoices):
        RECORDS = "records", _("居民健康档案管理")
        EDUCATION = "education", _("健康教育")
        VACCINATION = "vaccination", _("预防接种")
        CHILDREN = "children", _("0-6岁儿童健康管理")
        MATERNAL = "maternal", _("孕产妇健康管理")
        ELDERLY = "elderly", _("老年人健康管理")
        HYPERTENSION = "hypertension", _("高血压患者健康管理")
        DIABETES = "diabetes", _("2型糖尿病患者健康管理")
        MENTAL = "mental", _("严重精神障碍患者管理")
        TUBERCULOSIS = "tuberculosis", _("肺结核患者健康管理")
        TCM = "tcm", _("中医药健康管理")
        INFECTIOUS = "infectious", _("传染病及突发公共卫生事件报告和处理")
        SUPERVISION = "supervision", _("卫生监督协管")

    class Basis(models.TextChoices):
        NONE = "", _("无")
        RESIDENT = "resident", _("常住人口")
        AGED_65_PLUS = "aged_65_plus", _("65岁及以上老年人")
        CHILDREN_0_6 = "children_0_6", _("0-6岁儿童")

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("服务项目"), max_length=100)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    unit = models.CharField(_("单位"), max_length=20, default="人次")
    population_basis = models.CharField(_("对应人群"), max_length=20, choices=Basis.choices, blank=True, default="")
    max_per_person_per_year = models.PositiveSmallIntegerField(
        _("每人每年最多次数"),
        null=True,
        blank=True,
        help_text=_("填写后，全年核实数超过“对应人群 × 次数”即为不可能的数字"),
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceItemPrice(models.Model):
    """What the county pays per unit of an item in a year, and its work points (工分)."""

    county = models.ForeignKey("clinics.County", on_delete=models.CASCADE, verbose_name=_("县"))
    year = models.PositiveSmallIntegerField(_("年度"))
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="prices", verbose_name=_("服务项目"))
    unit_price = models.DecimalField(
        _("单价（元）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    work_points = models.DecimalField(_("工分"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("项目单价与工分")
        verbose_name_plural = _("项目单价与工分")
        ordering = ["-year", "item__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "item"], name="price_one_per_county_year_item"),
            models.CheckConstraint(condition=Q(unit_price__gte=0) & Q(work_points__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.item}"


class Quota(models.Model):
    """Yearly task count (任务数) of a clinic for an item."""

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="quotas", verbose_name=_("村卫生室")
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, verbose_name=_("服务项目"))
    year = models.PositiveSmallIntegerField(_("年度"))
    target = models.PositiveIntegerField(_("任务数"))

    class Meta:
        verbose_name = _("年度任务")
        verbose_name_plural = _("年度任务")
        ordering = ["clinic__code", "item__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "item", "year"], name="quota_one_per_clinic_item_year")
        ]

    def __str__(self) -> str:
        return f"{self.clinic} {self.item} {self.year}"


class ServiceReport(Versioned):
    """A clinic's monthly service report (月报)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交，待核实")
        RETURNED = "returned", _("已退回，待修改")
        VERIFIED = "verified", _("已核实")

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="service_reports", verbose_name=_("村卫生室")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("提交人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("核实人"),
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务月报")
        verbose_name_plural = _("服务月报")
        ordering = ["-year", "-month", "clinic__code"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "year", "month"], name="report_one_per_clinic_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="report_month_1_12"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic} {self.year}年{self.month}月"


class ServiceReportLine(models.Model):
    class Method(models.TextChoices):
        PHONE = "phone", _("电话回访")
        HOME_VISIT = "home", _("入户核实")

    report = models.ForeignKey(ServiceReport, on_delete=models.CASCADE, related_name="lines", verbose_name=_("月报"))
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, verbose_name=_("服务项目"))
    declared_count = models.PositiveIntegerField(_("申报数"), default=0)
    sample_method = models.CharField(_("核实方式"), max_length=10, choices=Method.choices, blank=True)
    sample_checked = models.PositiveIntegerField(_("抽查数"), null=True, blank=True)
    sample_confirmed = models.PositiveIntegerField(_("属实数"), null=True, blank=True)
    verified_count = models.PositiveIntegerField(_("核实数"), null=True, blank=True)

    class Meta:
        verbose_name = _("月报明细")
        verbose_name_plural = _("月报明细")
        ordering = ["item__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["report", "item"], name="line_one_per_report_item"),
            models.CheckConstraint(
                condition=Q(sample_confirmed__lte=F("sample_checked")), name="line_confirmed_le_checked"
            ),
            models.CheckConstraint(
                condition=Q(verified_count__lte=F("declared_count")), name="line_verified_le_declared"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.item}"
