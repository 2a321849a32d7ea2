"""The complaints register (每诉必录): every complaint of a resident about a clinic — heard on a verification call,
at the township health center, or on the county's hotline — is recorded with its source, answered within the
county's deadline in working hours (an answer after it is flagged late), and closed as founded (属实) or unfounded
(不属实). Founded complaints feed the clinic's assessment where the county's score sheet has a complaints item.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.versioning import Versioned

__all__ = ["Complaint", "ComplaintRule"]

DEFAULT_ANSWER_HOURS = 40  # five working days


class ComplaintRule(models.Model):
    """A county's deadline for answering a complaint. Without one, DEFAULT_ANSWER_HOURS applies."""

    county = models.OneToOneField(
        "clinics.County", on_delete=models.CASCADE, related_name="complaint_rule", verbose_name=_("县")
    )
    answer_within_hours = models.PositiveSmallIntegerField(
        _("答复时限（工作小时）"),
        default=DEFAULT_ANSWER_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("按工作日 8:00–12:00、14:00–18:00 计算，节假日不计；40 即 5 个工作日"),
    )

    class Meta:
        verbose_name = _("投诉答复时限")
        verbose_name_plural = _("投诉答复时限")
        constraints = [
            models.CheckConstraint(
                condition=Q(answer_within_hours__gte=1, answer_within_hours__lte=720), name="complaintrule_hours_range"
            )
        ]

    def __str__(self):
        return _("%(county)s：%(h)s 个工作小时内答复") % {"county": self.county, "h": self.answer_within_hours}


class Complaint(Versioned):
    class Source(models.TextChoices):
        CALL = "call", _("核实回访中发现")
        TOWNSHIP = "township", _("卫生院受理")
        HOTLINE = "hotline", _("县卫健局热线")
        OTHER = "other", _("其他渠道")

    class Kind(models.TextChoices):
        ATTITUDE = "attitude", _("服务态度")
        FEES = "fees", _("乱收费、药品加价")
        FALSE_SERVICE = "false_service", _("虚报或未提供服务")
        QUALITY = "quality", _("服务质量")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待答复")
        ANSWERED = "answered", _("已答复，待办结")
        CLOSED = "closed", _("已办结")

    class Finding(models.TextChoices):
        FOUNDED = "founded", _("属实")
        UNFOUNDED = "unfounded", _("不属实")

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("被投诉的村卫生室")
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    kind = models.CharField(_("投诉类别"), max_length=20, choices=Kind.choices)
    received_at = models.DateTimeField(_("受理时间"))
    due_at = models.DateTimeField(_("答复期限"), editable=False)
    complainant = models.CharField(
        _("投诉人"), max_length=50, blank=True, help_text=_("可不填；村医看到的是遮挡后的姓名")
    )
    description = models.TextField(_("投诉内容"), max_length=2000)
    sample_entry = models.ForeignKey(
        "programs.SampleEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="complaints",
        verbose_name=_("来自核实回访"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, editable=False)
    answer = models.TextField(_("答复内容"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True, editable=False)
    finding = models.CharField(_("核实结论"), max_length=10, choices=Finding.choices, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉登记")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["clinic", "received_at"], name="complaint_clinic_received")]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("received_at")), name="complaint_due_after_received"
            ),
            # An answered or closed complaint has its answer; a closed one its finding, and only a closed one.
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="complaint_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=(Q(status="closed") & ~Q(finding="") & Q(closed_at__isnull=False))
                | (~Q(status="closed") & Q(finding="") & Q(closed_at__isnull=True)),
                name="complaint_closed_has_finding",
            ),
        ]

    def __str__(self):
        day = timezone.localtime(self.received_at) if self.received_at else None
        return _("%(clinic)s %(day)s 的投诉") % {"clinic": self.clinic, "day": f"{day:%Y-%m-%d}" if day else ""}

    @property
    def late(self) -> bool:
        """Answered after the deadline, or still unanswered past it."""
        if self.answered_at is not None:
            return self.answered_at > self.due_at
        return timezone.now() > self.due_at

    @property
    def masked_complainant(self) -> str:
        """The complainant's name as the clinic reads it: the surname only (王**)."""
        name = self.complainant.strip()
        return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
