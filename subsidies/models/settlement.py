"""Subsidy policy (补助政策) and settlement (结算) of village clinics.

Glossary: 人均补助标准 per-capita rate; 村级比例 village share; 工分 work points; 质量系数 quality
coefficient; 偏远系数 equity coefficient for remote clinics; 预拨 advance; 追回 recovery; 公示 public announcement.
"""

from decimal import Decimal
from itertools import pairwise

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import GreaterThan, LessThan
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.versioning import Versioned
from subsidies.fields import DecimalPlaces, JSONDocumentField

__all__ = [
    "Advance",
    "AdvanceBatch",
    "PolicyItem",
    "SettlementLine",
    "SettlementRun",
    "StatementBatch",
    "SubsidyPolicy",
]


def period_label(year: int, *, quarter: int | None = None, month: int | None = None) -> str:
    """A settlement or advance period as people say it (2026年第1季度 / 2026年3月 / 2026年度), in the active language."""
    if quarter:
        return gettext("%(y)s年第%(q)s季度") % {"y": year, "q": quarter}
    if month:
        return gettext("%(y)s年%(m)s月") % {"y": year, "m": month}
    return gettext("%(y)s年度") % {"y": year}


def validate_quality_bands(value) -> None:
    """The quality bands (质量系数分档) a settlement can use: a list of [minimum score 0–100, share paid 0–1] with an
    optional grade name; no minimum twice, and a higher band never pays a smaller share. The same rule on the
    admin form, an import and a service, so a run never meets a band it cannot read."""
    if value in (None, ""):
        return
    if not isinstance(value, list):
        raise ValidationError(gettext('质量系数分档要写成列表，如 [[90, 1.0, "优秀"], [60, 0.8, "合格"]]。'))
    bands = []
    for number, band in enumerate(value, start=1):
        where = {"n": number}
        if not isinstance(band, list) or len(band) not in (2, 3):
            raise ValidationError(
                gettext("第 %(n)s 档要写成 [最低分, 拨付比例] 或 [最低分, 拨付比例, 等级名称]。") % where
            )
        try:
            if isinstance(band[0], bool) or isinstance(band[1], bool):
                raise TypeError
            minimum, share = Decimal(str(band[0])), Decimal(str(band[1]))
        except (ArithmeticError, TypeError, ValueError):
            raise ValidationError(gettext("第 %(n)s 档的最低分和拨付比例必须是数字。") % where) from None
        if not minimum.is_finite() or not 0 <= minimum <= 100:
            raise ValidationError(gettext("第 %(n)s 档的最低分必须在 0 到 100 之间。") % where)
        if not share.is_finite() or not 0 <= share <= 1:
            raise ValidationError(gettext("第 %(n)s 档的拨付比例必须在 0 到 1 之间（1 表示全额拨付）。") % where)
        if len(band) == 3 and (not isinstance(band[2], str) or not 0 < len(band[2].strip()) <= 10):
            raise ValidationError(gettext("第 %(n)s 档的等级名称要写成 10 个字以内的文字，如“优秀”。") % where)
        bands.append((minimum, share))
    minimums = [m for m, _s in bands]
    if len(set(minimums)) != len(minimums):
        raise ValidationError(gettext("质量系数分档中有两档的最低分相同。"))
    ordered = sorted(bands, reverse=True)
    for (high, high_share), (low, low_share) in pairwise(ordered):
        if high_share < low_share:
            raise ValidationError(
                gettext("%(h)s 分及以上的拨付比例（%(hs)s）小于 %(l)s 分及以上的（%(ls)s）：分数高的档不能拨得更少。")
                % {"h": _plain(high), "hs": _plain(high_share), "l": _plain(low), "ls": _plain(low_share)}
            )


MONEY: DecimalPlaces = {"max_digits": 14, "decimal_places": 2}
RATE: DecimalPlaces = {"max_digits": 8, "decimal_places": 4}
SHARE_VALIDATORS = [
    MinValueValidator(0, _("预拨比例不能为负数。")),
    MaxValueValidator(1, _("预拨比例不能超过 1（即 100%%）。")),
]
SHARE_SUM = F("advance_q1_share") + F("advance_q2_share") + F("advance_q3_share") + F("advance_q4_share")


class SubsidyPolicy(Versioned):
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

    class AdvanceMethod(models.TextChoices):
        NONE = "none", _("不预拨")
        QUARTERLY_SHARE = "quarterly_share", _("按季度比例预拨")
        MONTHLY_FIXED = "monthly_fixed", _("每月固定预拨")

    county = models.ForeignKey("clinics.County", on_delete=models.PROTECT, verbose_name=_("县"))
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    per_capita_rate = models.DecimalField(_("人均补助标准（元/人·年）"), validators=[MinValueValidator(0)], **MONEY)
    village_share = models.DecimalField(
        _("村级任务比例"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("如 0.4 表示 40% 的任务和资金由村卫生室承担"),
        **RATE,
    )
    method = models.CharField(_("公共卫生补助方式"), max_length=12, choices=Method.choices, default=Method.UNIT_PRICE)
    quota_cap = models.DecimalField(
        _("任务数封顶倍数"),
        default=Decimal("1.2"),
        validators=[MinValueValidator(0)],
        help_text=_("按单价计算时，每项最多按 任务数 × 该倍数 计补助"),
        **RATE,
    )
    quality_threshold = models.DecimalField(
        _("考核合格分"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(60),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    quality_bands = models.JSONField(
        _("质量系数分档"),
        default=list,
        blank=True,
        validators=[validate_quality_bands],
        help_text=_(
            "可选，每档写成 [最低分, 拨付比例, 等级名称]（等级名称可省略），"
            '如 [[90, 1.0, "优秀"], [80, 0.9, "合格"], [60, 0.8, "基本合格"]]；留空则系数 = 得分 ÷ 100'
        ),
    )
    drug_method = models.CharField(
        _("基本药物补助方式"), max_length=12, choices=DrugMethod.choices, default=DrugMethod.PER_RESIDENT
    )
    drug_amount = models.DecimalField(
        _("基本药物补助标准"),
        validators=[MinValueValidator(0)],
        help_text=_("元/人·年、元/室·年、元/人（医生）·年，或原加成率（如 0.15）"),
        **MONEY,
    )
    violation_deduction = models.DecimalField(
        _("每次加价销售扣款（元）"), default=0, validators=[MinValueValidator(0)], **MONEY
    )
    gap_tolerance = models.DecimalField(
        _("核实差异容忍度"),
        null=True,
        blank=True,
        help_text=_("可选，如 0.05：申报数与核实数相差超过 5% 的项目不予补助"),
        **RATE,
    )
    remote_coefficient = models.DecimalField(
        _("偏远地区系数"), default=Decimal(1), validators=[MinValueValidator(0)], **RATE
    )
    budget_cap = models.DecimalField(
        _("预算上限（元）"),
        null=True,
        blank=True,
        help_text=_("可选：结算合计超过时按比例压缩，合计正好等于上限"),
        **MONEY,
    )
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    notice_url = models.URLField(_("政策文件链接"), blank=True)
    # The advance schedule (预拨计划). Quarterly shares are fractions of the advance basis: the clinic's
    # share of the year's public-health funds, 人均补助标准 × 村级任务比例 × 服务人口 (known at the start of
    # the year for every clinic, new ones included). A county's quarter is one pool split by population.
    advance_method = models.CharField(
        _("预拨方式"),
        max_length=16,
        choices=AdvanceMethod.choices,
        default=AdvanceMethod.NONE,
        help_text=_(
            "按季度比例：每季度预拨“人均补助标准 × 村级任务比例 × 服务人口”的一定比例；"
            "每月固定：每个村卫生室每月预拨固定金额。预拨款在结算时扣除。"
        ),
    )
    advance_q1_share = models.DecimalField(
        _("第一季度预拨比例"), default=0, help_text=_("如 0.25 表示 25%"), validators=SHARE_VALIDATORS, **RATE
    )
    advance_q2_share = models.DecimalField(_("第二季度预拨比例"), default=0, validators=SHARE_VALIDATORS, **RATE)
    advance_q3_share = models.DecimalField(_("第三季度预拨比例"), default=0, validators=SHARE_VALIDATORS, **RATE)
    advance_q4_share = models.DecimalField(_("第四季度预拨比例"), default=0, validators=SHARE_VALIDATORS, **RATE)
    advance_monthly_amount = models.DecimalField(
        _("每月固定预拨（元/室）"), default=0, validators=[MinValueValidator(0, _("每月预拨金额不能为负数。"))], **MONEY
    )

    class Meta:
        verbose_name = _("补助政策")
        verbose_name_plural = _("补助政策")
        ordering = ["-year", "county"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "name"], name="policy_unique_name"),
            models.CheckConstraint(
                condition=Q(quality_threshold__gte=0, quality_threshold__lte=100),
                name="policy_threshold_0_100",
                violation_error_message=_("考核合格分必须在 0 到 100 分之间。"),
            ),
            models.CheckConstraint(
                condition=Q(advance_method__in=["none", "quarterly_share", "monthly_fixed"]),
                name="policy_advance_method_valid",
                violation_error_message=_("预拨方式无效。"),
            ),
            models.CheckConstraint(
                condition=Q(
                    advance_q1_share__gte=0,
                    advance_q1_share__lte=1,
                    advance_q2_share__gte=0,
                    advance_q2_share__lte=1,
                    advance_q3_share__gte=0,
                    advance_q3_share__lte=1,
                    advance_q4_share__gte=0,
                    advance_q4_share__lte=1,
                ),
                name="policy_advance_shares_0_1",
                violation_error_message=_("各季度预拨比例必须在 0 到 1 之间。"),
            ),
            # ≤ 1 on exact 4-place fractions; the half-step margin absorbs SQLite's floating-point sums.
            models.CheckConstraint(
                condition=LessThan(SHARE_SUM, Decimal("1.00005")),
                name="policy_advance_shares_sum_le_1",
                violation_error_message=_("四个季度的预拨比例合计不能超过 1（100%%）。"),
            ),
            models.CheckConstraint(
                condition=Q(advance_monthly_amount__gte=0),
                name="policy_advance_monthly_nonneg",
                violation_error_message=_("每月预拨金额不能为负数。"),
            ),
            models.CheckConstraint(  # type: ignore[call-overload]  # Q | lookup is a valid condition
                condition=~Q(advance_method="quarterly_share") | GreaterThan(SHARE_SUM, 0),
                name="policy_advance_quarterly_needs_share",
                violation_error_message=_("按季度比例预拨时，至少要有一个季度的预拨比例大于 0。"),
            ),
            models.CheckConstraint(
                condition=~Q(advance_method="monthly_fixed") | Q(advance_monthly_amount__gt=0),
                name="policy_advance_monthly_needs_amount",
                violation_error_message=_("每月固定预拨时，每月预拨金额必须大于 0。"),
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.name}"

    def clean(self):
        """The schedule's cross-field rules as errors on the fields concerned (the database checks the same)."""
        super().clean()
        shares = [self.advance_q1_share, self.advance_q2_share, self.advance_q3_share, self.advance_q4_share]
        if any(s is None for s in shares) or self.advance_monthly_amount is None:
            return
        errors = {}
        total = sum(shares, Decimal(0))
        if total > 1:
            errors["advance_q4_share"] = gettext("四个季度的预拨比例合计不能超过 1（100%%），现在是 %(t)s。") % {
                "t": total.normalize()
            }
        if self.advance_method == self.AdvanceMethod.QUARTERLY_SHARE and total <= 0:
            errors["advance_q1_share"] = gettext("按季度比例预拨时，至少要有一个季度的预拨比例大于 0。")
        if self.advance_method == self.AdvanceMethod.MONTHLY_FIXED and self.advance_monthly_amount <= 0:
            errors["advance_monthly_amount"] = gettext("每月固定预拨时，每月预拨金额必须大于 0。")
        if errors:
            raise ValidationError(errors)

    @property
    def advance_shares(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return (self.advance_q1_share, self.advance_q2_share, self.advance_q3_share, self.advance_q4_share)

    @property
    def advance_schedule_display(self) -> str:
        """The schedule in one Chinese sentence (policy list, advance page)."""
        if self.advance_method == self.AdvanceMethod.QUARTERLY_SHARE:
            parts = "，".join(
                gettext("第%(q)s季度 %(p)s%%") % {"q": q, "p": _percent(share)}
                for q, share in enumerate(self.advance_shares, start=1)
            )
            return gettext("按季度比例预拨（基数：人均补助标准 × 村级任务比例 × 服务人口）：%(parts)s") % {
                "parts": parts
            }
        if self.advance_method == self.AdvanceMethod.MONTHLY_FIXED:
            return gettext("每月固定预拨 %(a)s 元/室") % {"a": self.advance_monthly_amount}
        return gettext("不预拨")

    advance_schedule_display.fget.short_description = _("预拨计划")  # type: ignore[attr-defined]  # read by the admin


# What a county sets on a policy beside its county, year and name, in the order of the policy form; the admin
# form and the policies import take the same fields.
POLICY_PARAMETERS = (
    "status",
    "per_capita_rate",
    "village_share",
    "method",
    "quota_cap",
    "quality_threshold",
    "quality_bands",
    "drug_method",
    "drug_amount",
    "violation_deduction",
    "gap_tolerance",
    "remote_coefficient",
    "budget_cap",
    "effective_from",
    "notice_url",
    "advance_method",
    "advance_q1_share",
    "advance_q2_share",
    "advance_q3_share",
    "advance_q4_share",
    "advance_monthly_amount",
)


def _percent(share) -> str:
    return _plain(Decimal(share) * 100)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


class PolicyItem(models.Model):
    policy = models.ForeignKey(
        SubsidyPolicy, on_delete=models.CASCADE, related_name="items", verbose_name=_("补助政策")
    )
    item = models.ForeignKey("programs.ServiceItem", on_delete=models.PROTECT, verbose_name=_("服务项目"))
    unit_price = models.DecimalField(_("单价（元）"), validators=[MinValueValidator(0)], **MONEY)
    work_points = models.DecimalField(_("工分"), validators=[MinValueValidator(0)], max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("政策项目标准")
        verbose_name_plural = _("政策项目标准")
        constraints = [models.UniqueConstraint(fields=["policy", "item"], name="policyitem_unique")]

    def __str__(self):
        return f"{self.policy} {self.item}"


class AdvanceBatch(models.Model):
    """One generation of a county's scheduled advances for a quarter or a month (按政策生成预拨款):
    who generated it, when, from which policy, and the schedule amount. At most one per county and period,
    so generating twice never pays twice."""

    county = models.ForeignKey("clinics.County", on_delete=models.PROTECT, verbose_name=_("县"))
    policy = models.ForeignKey(SubsidyPolicy, on_delete=models.PROTECT, verbose_name=_("补助政策"))
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True)
    month = models.PositiveSmallIntegerField(_("月份"), null=True, blank=True)
    method = models.CharField(_("预拨方式"), max_length=16, choices=SubsidyPolicy.AdvanceMethod.choices)
    paid_on = models.DateField(_("拨付日期"))
    total = models.DecimalField(_("预拨合计（元）"), **MONEY)
    clinic_count = models.PositiveIntegerField(_("村卫生室数"), default=0)
    basis = models.JSONField(_("计算依据"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("生成人"),
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预拨批次")
        verbose_name_plural = _("预拨批次")
        ordering = ["-year", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__isnull=False, month__isnull=True, quarter__gte=1, quarter__lte=4)
                | Q(quarter__isnull=True, month__isnull=False, month__gte=1, month__lte=12),
                name="advancebatch_quarter_or_month",
                violation_error_message=_("预拨期间必须是一个季度（1–4）或一个月份（1–12）。"),
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0),
                name="advancebatch_total_nonneg",
                violation_error_message=_("预拨合计不能为负数。"),
            ),
            models.UniqueConstraint(
                fields=["county", "year", "quarter"],
                condition=Q(quarter__isnull=False),
                name="advancebatch_once_per_quarter",
                violation_error_message=_("该县该季度的预拨款已经生成过。"),
            ),
            models.UniqueConstraint(
                fields=["county", "year", "month"],
                condition=Q(month__isnull=False),
                name="advancebatch_once_per_month",
                violation_error_message=_("该县该月份的预拨款已经生成过。"),
            ),
        ]

    def __str__(self):
        return gettext("%(county)s%(period)s预拨") % {
            "county": self.county,
            "period": period_label(self.year, quarter=self.quarter, month=self.month),
        }


class Advance(models.Model):
    """A payment made ahead of settlement (预拨), deducted from the settlement of the period it is dated in.
    Recorded by hand, or generated from the policy's schedule (then ``batch`` says by whom and when)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, verbose_name=_("村卫生室"))
    paid_on = models.DateField(_("拨付日期"))
    amount = models.DecimalField(_("金额（元）"), validators=[MinValueValidator(0)], **MONEY)
    reference = models.CharField(_("凭证号"), max_length=50, blank=True)
    batch = models.ForeignKey(
        AdvanceBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="advances",
        verbose_name=_("预拨批次"),
        help_text=_("按政策预拨计划生成时的批次；手工登记的为空"),
    )

    class Meta:
        verbose_name = _("预拨款")
        verbose_name_plural = _("预拨款")
        ordering = ["-paid_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "clinic"],
                name="advance_once_per_batch",
                violation_error_message=_("同一批次中每个村卫生室只预拨一次。"),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="advance_amount_nonneg",
                violation_error_message=_("预拨金额不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.clinic} {self.paid_on} {self.amount}"


class SettlementRun(Versioned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿（测算中）")
        CONFIRMED = "confirmed", _("卫生院已确认")
        APPROVED = "approved", _("卫健局已审批")
        ANNOUNCED = "announced", _("已公示")
        PAID = "paid", _("已拨付")
        # The township (or the county) said no to a draft, with its reason: the run is kept as it was, read-only,
        # and a new one is prepared once the data are put right.
        REJECTED = "rejected", _("已驳回（作废）")

    county = models.ForeignKey("clinics.County", on_delete=models.PROTECT, verbose_name=_("县"))
    township = models.ForeignKey(
        "clinics.Township",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("乡镇"),
        help_text=_("留空为全县"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True, help_text=_("留空为全年"))
    policy = models.ForeignKey(SubsidyPolicy, on_delete=models.PROTECT, verbose_name=_("补助政策"))
    adjusts = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustments",
        verbose_name=_("更正的结算"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("制表人")
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    payment_reference = models.CharField(_("拨付凭证号"), max_length=60, blank=True)
    # The last decision's comment: why the county returned the run (shown to the township), or the
    # township's / county's note on confirming / approving.
    confirm_comment = models.TextField(_("卫生院确认意见"), blank=True)
    approve_comment = models.TextField(_("卫健局审批意见"), blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("退回人"),
    )
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    total_public_health = models.DecimalField(_("公共卫生补助合计"), default=0, **MONEY)
    total_drug = models.DecimalField(_("药品补助合计"), default=0, **MONEY)
    total_deductions = models.DecimalField(_("扣款合计"), default=0, **MONEY)
    total_advances = models.DecimalField(_("已预拨合计"), default=0, **MONEY)
    total_balance = models.DecimalField(_("应拨合计"), default=0, **MONEY)
    scale_factor = models.DecimalField(_("预算压缩比例"), null=True, blank=True, max_digits=12, decimal_places=10)
    # The policy check of the figures the run was computed from (subsidies.selectors.policy_check): what it pays
    # nothing for. A run with warnings is confirmed only by someone who says they checked them.
    warnings = models.JSONField(_("政策检查提醒"), default=list, blank=True)
    warnings_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认知晓提醒的人"),
    )

    class Meta:
        verbose_name = _("补助结算")
        verbose_name_plural = _("补助结算")
        ordering = ["-year", "-quarter", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4), name="run_quarter_1_4"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("prepared_by")),
                name="run_approver_not_preparer",
            ),
        ]

    def __str__(self):
        place = self.township.name if self.township is not None else self.county.name
        period = period_label(self.year, quarter=self.quarter)
        if self.adjusts_id:
            return gettext("%(place)s%(period)s更正结算") % {"place": place, "period": period}
        return gettext("%(place)s%(period)s结算") % {"place": place, "period": period}

    @property
    def locked(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.ANNOUNCED, self.Status.PAID)

    @property
    def is_rejected(self) -> bool:
        return self.status == self.Status.REJECTED

    @property
    def is_returned(self) -> bool:
        """A draft the county sent back (its reason in ``return_comment``)."""
        return self.status == self.Status.DRAFT and bool(self.return_comment)


class SettlementLine(models.Model):
    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="lines")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, verbose_name=_("村卫生室"))
    public_health = models.DecimalField(_("公共卫生补助"), **MONEY)
    drug_subsidy = models.DecimalField(_("基本药物补助"), **MONEY)
    deductions = models.DecimalField(_("扣款"), **MONEY)
    advances = models.DecimalField(_("已预拨"), **MONEY)
    balance = models.DecimalField(_("应拨（负数为追回）"), **MONEY)
    previous_balance = models.DecimalField(_("上次测算应拨"), null=True, blank=True, **MONEY)
    explanation = JSONDocumentField(_("计算过程"), default=dict)

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
