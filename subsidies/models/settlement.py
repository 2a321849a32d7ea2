"""Subsidy policy (补助政策) and settlement (结算) of village clinics.

Glossary: 人均补助标准 per-capita rate; 村级比例 village share; 工分 work points; 质量系数 quality
coefficient; 偏远系数 equity coefficient for remote clinics; 预拨 advance; 追回 recovery; 公示 public announcement.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["SubsidyPolicy", "PolicyItem", "Advance", "SettlementRun", "SettlementLine", "StatementBatch"]

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 8, "decimal_places": 4}


class SubsidyPolicy(models.Model):
    class Method(models.TextChoices):
        UNIT_PRICE = "unit_price", _("按项目单价")
        WORK_POINTS = "work_points", _("按工分")

    class DrugMethod(models.TextChoices):
        PER_RESIDENT = "per_resident", _("按服务人口")
        PER_CLINIC = "per_clinic", _("按村卫生室定额")
        PER_DOCTOR = "per_doctor", _("按乡村医生定额")
        MARKUP_RATE = "markup_rate", _("按采购额 × 原加成率")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿（可模拟测算）")
        ACTIVE = "active", _("已发布")

    county = models.ForeignKey("clinics.County", on_delete=models.PROTECT, verbose_name=_("县"))
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    per_capita_rate = models.DecimalField(_("人均补助标准（元/人·年）"), validators=[MinValueValidator(0)], **MONEY)
    village_share = models.DecimalField(_("村级任务比例"), validators=[MinValueValidator(0), MaxValueValidator(1)],
                                        help_text=_("如 0.4 表示 40% 的任务和资金由村卫生室承担"), **RATE)
    method = models.CharField(_("公共卫生补助方式"), max_length=12, choices=Method.choices, default=Method.UNIT_PRICE)
    quota_cap = models.DecimalField(_("任务数封顶倍数"), default=Decimal("1.2"), validators=[MinValueValidator(0)],
                                    help_text=_("按单价计算时，每项最多按 任务数 × 该倍数 计补助"), **RATE)
    quality_threshold = models.DecimalField(_("考核合格分"), max_digits=5, decimal_places=2, default=Decimal(60))
    quality_bands = models.JSONField(_("质量系数分档"), default=list, blank=True,
                                     help_text=_("可选，如 [[90, 1.0], [80, 0.9], [60, 0.8]]；留空则系数 = 得分 ÷ 100"))
    drug_method = models.CharField(_("基本药物补助方式"), max_length=12, choices=DrugMethod.choices,
                                   default=DrugMethod.PER_RESIDENT)
    drug_amount = models.DecimalField(_("基本药物补助标准"), validators=[MinValueValidator(0)],
                                      help_text=_("元/人·年、元/室·年、元/人（医生）·年，或原加成率（如 0.15）"), **MONEY)
    violation_deduction = models.DecimalField(_("每次加价销售扣款（元）"), default=0, validators=[MinValueValidator(0)],
                                              **MONEY)
    gap_tolerance = models.DecimalField(_("核实差异容忍度"), null=True, blank=True,
                                        help_text=_("可选，如 0.05：申报数与核实数相差超过 5% 的项目不予补助"), **RATE)
    remote_coefficient = models.DecimalField(_("偏远地区系数"), default=Decimal(1), validators=[MinValueValidator(0)],
                                             **RATE)
    budget_cap = models.DecimalField(_("预算上限（元）"), null=True, blank=True,
                                     help_text=_("可选：结算合计超过时按比例压缩，合计正好等于上限"), **MONEY)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    notice_url = models.URLField(_("政策文件链接"), blank=True)

    class Meta:
        verbose_name = _("补助政策")
        verbose_name_plural = _("补助政策")
        ordering = ["-year", "county"]
        constraints = [models.UniqueConstraint(fields=["county", "year", "name"], name="policy_unique_name")]

    def __str__(self):
        return f"{self.year} {self.name}"


class PolicyItem(models.Model):
    policy = models.ForeignKey(SubsidyPolicy, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey("programs.ServiceItem", on_delete=models.PROTECT, verbose_name=_("服务项目"))
    unit_price = models.DecimalField(_("单价（元）"), validators=[MinValueValidator(0)], **MONEY)
    work_points = models.DecimalField(_("工分"), validators=[MinValueValidator(0)], max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("政策项目标准")
        verbose_name_plural = _("政策项目标准")
        constraints = [models.UniqueConstraint(fields=["policy", "item"], name="policyitem_unique")]

    def __str__(self):
        return f"{self.policy} {self.item}"


class Advance(models.Model):
    """A payment made ahead of settlement (预拨), deducted from the next settlement."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, verbose_name=_("村卫生室"))
    paid_on = models.DateField(_("拨付日期"))
    amount = models.DecimalField(_("金额（元）"), validators=[MinValueValidator(0)], **MONEY)
    reference = models.CharField(_("凭证号"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("预拨款")
        verbose_name_plural = _("预拨款")
        ordering = ["-paid_on"]

    def __str__(self):
        return f"{self.clinic} {self.paid_on} {self.amount}"


class SettlementRun(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿（测算中）")
        CONFIRMED = "confirmed", _("卫生院已确认")
        APPROVED = "approved", _("卫健局已审批")
        ANNOUNCED = "announced", _("已公示")
        PAID = "paid", _("已拨付")

    county = models.ForeignKey("clinics.County", on_delete=models.PROTECT, verbose_name=_("县"))
    township = models.ForeignKey("clinics.Township", null=True, blank=True, on_delete=models.PROTECT,
                                 verbose_name=_("乡镇"), help_text=_("留空为全县"))
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True, help_text=_("留空为全年"))
    policy = models.ForeignKey(SubsidyPolicy, on_delete=models.PROTECT, verbose_name=_("补助政策"))
    adjusts = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="adjustments",
                                verbose_name=_("更正的结算"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("制表人"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("确认人"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("审批人"))
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    payment_reference = models.CharField(_("拨付凭证号"), max_length=60, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    total_public_health = models.DecimalField(_("公共卫生补助合计"), default=0, **MONEY)
    total_drug = models.DecimalField(_("药品补助合计"), default=0, **MONEY)
    total_deductions = models.DecimalField(_("扣款合计"), default=0, **MONEY)
    total_advances = models.DecimalField(_("已预拨合计"), default=0, **MONEY)
    total_balance = models.DecimalField(_("应拨合计"), default=0, **MONEY)
    scale_factor = models.DecimalField(_("预算压缩比例"), null=True, blank=True, max_digits=12, decimal_places=10)

    class Meta:
        verbose_name = _("补助结算")
        verbose_name_plural = _("补助结算")
        ordering = ["-year", "-quarter", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                                   name="run_quarter_1_4"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("prepared_by")),
                                   name="run_approver_not_preparer"),
        ]

    def __str__(self):
        period = f"{self.year}年第{self.quarter}季度" if self.quarter else f"{self.year}年度"
        place = self.township.name if self.township_id else self.county.name
        kind = "更正" if self.adjusts_id else ""
        return f"{place}{period}{kind}结算"

    @property
    def locked(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.ANNOUNCED, self.Status.PAID)


class SettlementLine(models.Model):
    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="lines")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, verbose_name=_("村卫生室"))
    public_health = models.DecimalField(_("公共卫生补助"), **MONEY)
    drug_subsidy = models.DecimalField(_("基本药物补助"), **MONEY)
    deductions = models.DecimalField(_("扣款"), **MONEY)
    advances = models.DecimalField(_("已预拨"), **MONEY)
    balance = models.DecimalField(_("应拨（负数为追回）"), **MONEY)
    previous_balance = models.DecimalField(_("上次测算应拨"), null=True, blank=True, **MONEY)
    explanation = models.JSONField(_("计算过程"), default=dict)

    class Meta:
        verbose_name = _("结算明细")
        verbose_name_plural = _("结算明细")
        ordering = ["clinic__code"]
        constraints = [models.UniqueConstraint(fields=["run", "clinic"], name="line_one_per_clinic")]

    def __str__(self):
        return f"{self.run} {self.clinic}"


class StatementBatch(models.Model):
    """A township's (or a run's) PDF statements built in the background, with progress for the admin."""

    class State(models.TextChoices):
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="statement_batches")
    township = models.ForeignKey("clinics.Township", null=True, blank=True, on_delete=models.PROTECT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.run} ({self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100
