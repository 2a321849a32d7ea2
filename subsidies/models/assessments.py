"""Assessment of village clinics (绩效考核): score sheets, quarterly assessments, inspections (督导检查)
with rectification (整改), satisfaction surveys (满意度) and appeals (申诉).

Glossary: 扣分 deduction; 每次扣分 points per occurrence; 满分 an item's maximum; 指标 indicator;
达标 target; 复查 re-inspection; 未整改 unrectified (deducts double in the next assessment).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.versioning import Versioned
from programs.models import Complaint
from subsidies import scoring
from subsidies.fields import DecimalPlaces

__all__ = [
    "Appeal",
    "Assessment",
    "AssessmentEntry",
    "AssessmentEvidence",
    "Finding",
    "Inspection",
    "SatisfactionSurvey",
    "ScoreItem",
    "ScoreSheet",
]

POINTS: DecimalPlaces = {"max_digits": 6, "decimal_places": 2}
COMPLAINT_KINDS = dict(Complaint.Kind.choices)


class ScoreSheet(models.Model):
    county = models.ForeignKey("clinics.County", on_delete=models.PROTECT, verbose_name=_("县"))
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("考核评分表")
        verbose_name_plural = _("考核评分表")
        ordering = ["-year", "-version"]
        constraints = [models.UniqueConstraint(fields=["county", "year", "version"], name="sheet_unique_version")]

    def __str__(self):
        return f"{self.name}（{self.year} 第{self.version}版）"


class ScoreItem(models.Model):
    class Category(models.TextChoices):
        PUBLIC_HEALTH = "public_health", _("公共卫生服务完成情况")
        MEDICAL = "medical", _("基本医疗")
        DRUGS = "drugs", _("药品管理")
        FINANCE = "finance", _("财务管理")
        SATISFACTION = "satisfaction", _("服务态度与满意度")
        RECORDS = "records", _("制度与档案")

    class Mode(models.TextChoices):
        DEDUCTION = "deduction", _("按次扣分")
        INDICATOR = "indicator", _("按指标完成率")
        PASS_FAIL = "pass_fail", _("达标 / 不达标")
        MANUAL = "manual", _("人工评分")
        SATISFACTION = "satisfaction", _("低于全县平均满意度扣分")
        MINIMUM = "minimum", _("每年至少完成次数，少一次扣分")
        RATE = "rate", _("按比率（分子 ÷ 分母）")
        COMPLAINTS = "complaints", _("按属实投诉扣分")

    # The denominators a rate item may divide by: a figure of the clinic's service population (服务人口), or a
    # count of the year's residents register (residents.ResidentRegistration: everyone, or one key population).
    class Denominator(models.TextChoices):
        RESIDENT = "resident", _("常住人口")
        AGED_65_PLUS = "aged_65_plus", _("65岁及以上老年人（人口统计）")
        CHILDREN_0_6 = "children_0_6", _("0-6岁儿童（人口统计）")
        REGISTER_TOTAL = "register_total", _("居民登记：全部居民")
        REGISTER_ELDERLY = "register_elderly", _("居民登记：65岁以上老年人")
        REGISTER_HYPERTENSION = "register_hypertension", _("居民登记：高血压患者")
        REGISTER_DIABETES = "register_diabetes", _("居民登记：2型糖尿病患者")
        REGISTER_MENTAL = "register_severe_mental_disorder", _("居民登记：严重精神障碍患者")
        REGISTER_TUBERCULOSIS = "register_tuberculosis", _("居民登记：肺结核患者")
        REGISTER_MATERNAL = "register_maternal", _("居民登记：孕产妇")
        REGISTER_CHILD = "register_child", _("居民登记：0-6岁儿童")

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="items", verbose_name=_("评分表"))
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("考核内容"), max_length=200)
    max_points = models.DecimalField(_("满分"), validators=[MinValueValidator(0)], **POINTS)
    mode = models.CharField(_("评分方式"), max_length=20, choices=Mode.choices)
    points_per_occurrence = models.DecimalField(
        _("每次扣分"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("按次扣分：每发现一次扣的分；满意度：每低 1 个百分点扣的分；每年至少完成次数：每少一次扣的分"),
        **POINTS,
    )
    indicator = models.CharField(
        _("指标"),
        max_length=20,
        blank=True,
        help_text=_(
            "按指标：all 表示全部服务项目任务完成率，或填服务项目编码（如 PH09）；按比率：分子的服务项目编码；"
            "按属实投诉扣分：投诉类别（如 attitude 服务态度），不填为全部类别"
        ),
    )
    target = models.DecimalField(
        _("目标值"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("1"),
        help_text=_("按指标、按比率：达到该值得满分（1 表示 100%）；每年至少完成次数：全年应完成的次数（整数）"),
    )
    lower_is_better = models.BooleanField(
        _("越低越好"),
        default=False,
        help_text=_("按指标、按比率：勾选表示数值越低越好（如差错率），不超过目标值得满分，超过按 目标 ÷ 实际 得分"),
    )
    denominator = models.CharField(
        _("分母"),
        max_length=40,
        blank=True,
        choices=Denominator.choices,
        help_text=_("按比率：分子是“指标”所填服务项目本年累计核实数，分母从这里选"),
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核项目")
        verbose_name_plural = _("考核项目")
        ordering = ["sheet", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "code"], name="scoreitem_unique_code"),
            models.CheckConstraint(
                condition=Q(points_per_occurrence__lte=F("max_points")), name="scoreitem_per_le_max"
            ),
            models.CheckConstraint(condition=Q(target__gt=0), name="scoreitem_target_positive"),
            models.CheckConstraint(
                condition=~Q(mode="rate") | (~Q(indicator="") & ~Q(denominator="")),
                name="scoreitem_rate_has_parts",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_complaint_kind_display(self) -> str:
        """A complaints item's kind (its ``indicator``) in words."""
        return str(COMPLAINT_KINDS.get(self.indicator, self.indicator))

    def rule_problems(self) -> dict[str, str | Promise]:
        """What makes this item's parameters unusable for its mode, by field — the one rule the admin form
        (``clean``) and the score-sheet import (``complete_row``) both apply."""
        problems: dict[str, str | Promise] = {}
        if self.mode == self.Mode.RATE:
            if not self.indicator:
                problems["indicator"] = _("按比率的项目要填分子：服务项目编码（如 PH05）")
            if not self.denominator:
                problems["denominator"] = _("按比率的项目要选分母")
        elif self.denominator:
            problems["denominator"] = _("只有按比率的项目才有分母")
        if (
            self.mode == self.Mode.MINIMUM
            and self.target is not None
            and self.target != self.target.to_integral_value()
        ):
            problems["target"] = _("每年至少完成次数的目标值应是整数（全年应完成的次数）")
        if self.mode == self.Mode.COMPLAINTS and self.indicator and self.indicator not in COMPLAINT_KINDS:
            problems["indicator"] = _("投诉类别应为以下之一：%(kinds)s，或不填（全部类别）") % {
                "kinds": "、".join(f"{value}（{label}）" for value, label in COMPLAINT_KINDS.items())
            }
        if self.mode in (self.Mode.MINIMUM, self.Mode.COMPLAINTS) and not self.points_per_occurrence:
            problems["points_per_occurrence"] = _("要填每次扣的分（每少一次、每件属实投诉）")
        return problems

    def clean(self):
        super().clean()
        problems = self.rule_problems()
        if problems:
            raise ValidationError(problems)

    @property
    def input_field(self) -> str | None:
        """The entry field an assessor fills for this item; None for the satisfaction item, which is computed
        from the quarter's survey."""
        return INPUT_FIELDS[self.mode]


# The entry field each scoring mode is scored with (the score page, appeals and the score import agree on it).
INPUT_FIELDS: dict[str, str | None] = {
    ScoreItem.Mode.DEDUCTION: "occurrences",
    ScoreItem.Mode.INDICATOR: "achieved",
    ScoreItem.Mode.PASS_FAIL: "passed",
    ScoreItem.Mode.MANUAL: "manual_score",
    ScoreItem.Mode.SATISFACTION: None,
    ScoreItem.Mode.MINIMUM: "achieved",  # the number done this year, a whole number
    ScoreItem.Mode.RATE: "achieved",  # the rate, read from the data when the assessment starts (may be corrected)
    ScoreItem.Mode.COMPLAINTS: None,  # counted from the complaints register (founded, received in the quarter)
}


class Assessment(Versioned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="assessments", verbose_name=_("村卫生室")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.PROTECT, verbose_name=_("评分表"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    total_score = models.DecimalField(_("得分"), null=True, blank=True, **POINTS)
    notes = models.TextField(_("考核意见"), blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("考核人")
    )
    assessed_on = models.DateField(_("考核日期"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("季度考核")
        verbose_name_plural = _("季度考核")
        ordering = ["-year", "-quarter", "clinic__code"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "year", "quarter"], name="assessment_one_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="assessment_quarter_1_4"),
            models.CheckConstraint(
                condition=Q(total_score__isnull=True) | Q(total_score__gte=0, total_score__lte=100),
                name="assessment_score_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.clinic} {self.year}年第{self.quarter}季度"


class AssessmentEntry(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(ScoreItem, on_delete=models.PROTECT, verbose_name=_("考核项目"))
    occurrences = models.PositiveSmallIntegerField(_("发现次数"), default=0)
    doubled_occurrences = models.PositiveSmallIntegerField(_("未整改加倍次数"), default=0)
    achieved = models.DecimalField(_("完成值"), max_digits=8, decimal_places=4, null=True, blank=True)
    passed = models.BooleanField(_("达标"), null=True, blank=True)
    manual_score = models.DecimalField(_("人工评分"), null=True, blank=True, **POINTS)
    reason = models.TextField(_("扣分理由"), blank=True)
    # A judgement score (评分人调整) replaces what the item's formula gives, never without a reason: the clinic
    # reads both on its score page and statement.
    override_score = models.DecimalField(_("调整得分"), null=True, blank=True, **POINTS)
    override_reason = models.TextField(_("调整理由"), blank=True)
    score = models.DecimalField(_("得分"), default=0, **POINTS)
    deduction = models.DecimalField(_("扣分"), default=0, **POINTS)

    class Meta:
        verbose_name = _("考核明细")
        verbose_name_plural = _("考核明细")
        ordering = ["item__sort_order", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="entry_one_per_item"),
            models.CheckConstraint(
                condition=Q(override_score__isnull=True) | ~Q(override_reason=""), name="entry_override_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(override_score__isnull=True) | Q(override_score__gte=0), name="entry_override_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.assessment} {self.item}"

    @property
    def due(self) -> int:
        """A yearly-minimum item: how many were due by the end of the assessed quarter (⌈N × quarter ÷ 4⌉)."""
        return scoring.due_by_quarter(self.item.target, self.assessment.quarter)


class AssessmentEvidence(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to="assessments/%Y/")
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考核佐证材料")
        verbose_name_plural = _("考核佐证材料")

    def __str__(self):
        return self.description or self.file.name

    @property
    def download_name(self) -> str:
        """The uploaded file's own name (without the folder it is stored in)."""
        return self.file.name.rsplit("/", 1)[-1]


class Inspection(models.Model):
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("村卫生室")
    )
    inspected_on = models.DateField(_("检查日期"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人")
    )
    notes = models.TextField(_("检查情况"), blank=True)

    class Meta:
        verbose_name = _("督导检查")
        verbose_name_plural = _("督导检查")
        ordering = ["-inspected_on"]

    def __str__(self):
        return f"{self.clinic} {self.inspected_on}"


class Finding(models.Model):
    class Status(models.TextChoices):
        NONE = "none", _("无需整改")
        OPEN = "open", _("待整改")
        RECTIFIED = "rectified", _("已整改")
        UNRECTIFIED = "unrectified", _("复查未整改")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    item_code = models.CharField(_("对应考核项目编号"), max_length=20, blank=True)
    description = models.TextField(_("发现的问题"))
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    status = models.CharField(_("整改状态"), max_length=12, choices=Status.choices, default=Status.NONE)
    reinspected_on = models.DateField(_("复查日期"), null=True, blank=True)
    applied_to = models.ForeignKey(
        Assessment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="doubled_findings",
        verbose_name=_("已在该次考核中加倍扣分"),
    )

    class Meta:
        verbose_name = _("检查发现")
        verbose_name_plural = _("检查发现")
        ordering = ["inspection", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="none") | Q(deadline__isnull=False), name="finding_rectification_has_deadline"
            )
        ]

    def __str__(self):
        return self.description[:40]


class SatisfactionSurvey(models.Model):
    """Phone follow-up of villagers' satisfaction for a clinic and quarter."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, verbose_name=_("村卫生室"))
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    surveyed = models.PositiveIntegerField(_("回访人数"), validators=[MinValueValidator(1)])
    satisfied = models.PositiveIntegerField(_("满意人数"))

    class Meta:
        verbose_name = _("满意度回访")
        verbose_name_plural = _("满意度回访")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "year", "quarter"], name="survey_one_per_quarter"),
            models.CheckConstraint(
                condition=Q(satisfied__lte=F("surveyed")) & Q(surveyed__gte=1), name="survey_satisfied_le_surveyed"
            ),
        ]

    def __str__(self):
        return f"{self.clinic} {self.year}Q{self.quarter}"

    @property
    def rate(self) -> Decimal:
        return Decimal(self.satisfied) / Decimal(self.surveyed)


class Appeal(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        ACCEPTED = "accepted", _("已采纳")
        REJECTED = "rejected", _("已驳回")

    entry = models.ForeignKey(
        AssessmentEntry, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("申诉的考核项目")
    )
    comment = models.TextField(_("申诉理由"))
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("申诉时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("考核申诉")
        verbose_name_plural = _("考核申诉")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.entry}: {self.get_status_display()}"
