"""Resident-level verification (抽查核实): the month's sample of service records per clinic and item, drawn by
the system with a recorded seed, and the outcome of each call (电话回访) or visit (入户核实).

Authenticity rate (真实率) = 属实 ÷ (属实 + 不属实 + 服务内容不符); 无法联系 and 拒绝 are left out of the
denominator and replaced from the sample's reserve list after the rule's number of attempts.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

__all__ = ["SampleEntry", "SamplingRule", "VerificationSample"]


class SamplingRule(models.Model):
    """A county's yearly sampling rule. Without one, the defaults below apply (and the sample page says so)."""

    class UncheckedBasis(models.TextChoices):
        DECLARED = "declared", _("按申报数")
        HISTORICAL_RATE = "historical", _("按历史真实率")

    county = models.ForeignKey("clinics.County", on_delete=models.CASCADE, verbose_name=_("县"))
    year = models.PositiveSmallIntegerField(_("年度"))
    share = models.DecimalField(
        _("抽查比例"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0500"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
    )
    minimum = models.PositiveSmallIntegerField(_("每项最少抽查"), default=3)
    maximum = models.PositiveSmallIntegerField(_("每项最多抽查"), default=20)
    reserve = models.PositiveSmallIntegerField(_("备选人数"), default=3)
    max_attempts = models.PositiveSmallIntegerField(
        _("联系不上的尝试次数"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    # Risk-based selection: the share of clinics checked in each band (1 = every clinic).
    high_risk_share = models.DecimalField(
        _("高风险卫生室抽查比例"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    medium_risk_share = models.DecimalField(
        _("中风险卫生室抽查比例"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    low_risk_share = models.DecimalField(
        _("低风险卫生室抽查比例"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    unchecked_basis = models.CharField(
        _("未抽中卫生室的核实数"), max_length=12, choices=UncheckedBasis.choices, default=UncheckedBasis.DECLARED
    )

    class Meta:
        verbose_name = _("抽查规则")
        verbose_name_plural = _("抽查规则")
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="one_sampling_rule_per_county_year"),
            models.CheckConstraint(condition=Q(minimum__lte=F("maximum")), name="sampling_minimum_within_maximum"),
        ]

    def __str__(self):
        return f"{self.county} {self.year}"


class VerificationSample(models.Model):
    """The sample of one clinic's records of one item in one month. Drawn once: a redraw keeps the old sample
    (``superseded_by``) and needs a reason; only the current one (``superseded_by`` empty) counts."""

    class RiskBand(models.TextChoices):
        LOW = "low", _("低风险")
        MEDIUM = "medium", _("中风险")
        HIGH = "high", _("高风险")

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="verification_samples", verbose_name=_("村卫生室")
    )
    item = models.ForeignKey("programs.ServiceItem", on_delete=models.PROTECT, verbose_name=_("服务项目"))
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    seed = models.BigIntegerField(_("随机种子"))
    record_count = models.PositiveIntegerField(_("当月记录数"))
    size = models.PositiveSmallIntegerField(_("抽查人数"))
    risk_band = models.CharField(_("风险等级"), max_length=10, choices=RiskBand.choices, default=RiskBand.LOW)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("抽取人")
    )
    drawn_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_samples",
        verbose_name=_("回访人"),
    )
    redraw_reason = models.CharField(_("重新抽取原因"), max_length=200, blank=True)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces", verbose_name=_("被替换为")
    )

    class Meta:
        verbose_name = _("核实抽样")
        verbose_name_plural = _("核实抽样")
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "item", "year", "month"],
                condition=Q(superseded_by__isnull=True),
                name="one_current_sample_per_clinic_item_month",
            ),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="sample_month_range"),
        ]
        indexes = [models.Index(fields=["year", "month", "clinic"], name="sample_period_clinic")]

    def __str__(self):
        return f"{self.clinic} · {self.item} · {self.year}-{self.month:02d}"


class SampleEntry(models.Model):
    """A record in a sample: in the sample proper (``reserve`` false) or on its reserve list, in drawn order."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("属实")
        NOT_CONFIRMED = "not_confirmed", _("不属实")
        CONTENT_MISMATCH = "mismatch", _("服务内容不符")
        UNREACHABLE = "unreachable", _("无法联系")
        REFUSED = "refused", _("拒绝")

    # Outcomes that count in the authenticity rate's denominator; the other two are replaced from the reserve.
    COUNTED = (Outcome.CONFIRMED, Outcome.NOT_CONFIRMED, Outcome.CONTENT_MISMATCH)

    sample = models.ForeignKey(VerificationSample, on_delete=models.CASCADE, related_name="entries")
    record = models.ForeignKey("programs.ServiceRecord", on_delete=models.PROTECT, related_name="sample_entries")
    position = models.PositiveSmallIntegerField(_("序号"))
    reserve = models.BooleanField(_("备选"), default=False)
    outcome = models.CharField(_("核实结果"), max_length=15, choices=Outcome.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(_("联系次数"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    called_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    dispute_note = models.CharField(_("申诉理由"), max_length=500, blank=True)
    disputed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("抽查记录")
        verbose_name_plural = _("抽查记录")
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "record"], name="record_once_per_sample"),
            models.UniqueConstraint(fields=["sample", "position"], name="sample_position_unique"),
        ]

    def __str__(self):
        return f"{self.sample} #{self.position}"
