"""Monthly reporting periods of a township (报表期).

A period is *open* (doctors submit), *closed* (township verifies), then *locked* (settled): locked data
changes only through a recorded correction. Periods without a row are open.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["PeriodTransition", "ReportingPeriod"]


class ReportingPeriod(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("填报中")
        CLOSED = "closed", _("已截止（审核中）")
        LOCKED = "locked", _("已锁定（已结算）")

    township = models.ForeignKey(
        "clinics.Township", on_delete=models.PROTECT, related_name="periods", verbose_name=_("乡镇")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    reopened_until = models.DateField(
        _("补报截止日期"), null=True, blank=True, help_text=_("乡镇卫生院重新开放后允许补报的最后一天")
    )

    class Meta:
        verbose_name = _("报表期")
        verbose_name_plural = _("报表期")
        ordering = ["-year", "-month", "township__code"]
        constraints = [
            models.UniqueConstraint(fields=["township", "year", "month"], name="period_one_per_township_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="period_month_1_12"),
        ]

    def __str__(self):
        return f"{self.township} {self.year}年{self.month}月"


class PeriodTransition(models.Model):
    """Who moved a period from one state to another, when and why."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=10, choices=ReportingPeriod.State.choices)
    to_state = models.CharField(max_length=10, choices=ReportingPeriod.State.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("报表期状态变更")
        verbose_name_plural = _("报表期状态变更")
        ordering = ["at"]

    def __str__(self):
        return f"{self.period}: {self.from_state} → {self.to_state}"
