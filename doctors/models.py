"""Village doctors (乡村医生), their licences (乡村医生执业证书) and the five-year renewal (再注册),
trainings with attendance and exam scores, and the biennial assessment of doctors.

Glossary: 执业证书 licence · 再注册 renewal · 变更注册 change of clinic · 注销 cancellation ·
培训记录 training record · 考试记录 written exam · 口试记录 oral exam · 考核 assessment.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import Clinic, County, Township
from core.versioning import Versioned
from doctors.validators import validate_id_number, validate_mobile

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Qualification(models.TextChoices):
    VILLAGE = "village", _("乡村医生执业证书")
    ASSISTANT = "assistant", _("执业助理医师")
    PHYSICIAN = "physician", _("执业医师")


class TrainingRule(models.Model):
    """The county's yearly training requirement (default: at least 2 sessions and 2 weeks a year)."""

    county = models.OneToOneField(County, on_delete=models.CASCADE, related_name="training_rule", verbose_name=_("县"))
    min_sessions = models.PositiveSmallIntegerField(_("每年最少培训次数"), default=2)
    min_days = models.PositiveSmallIntegerField(_("每年最少培训天数"), default=14, help_text=_("两周即 14 天"))

    class Meta:
        verbose_name = _("培训要求")
        verbose_name_plural = _("培训要求")

    def __str__(self):
        return _("%(county)s：每年至少 %(s)s 次、%(d)s 天") % {
            "county": self.county,
            "s": self.min_sessions,
            "d": self.min_days,
        }


class VillageDoctor(models.Model):
    class Status(models.TextChoices):
        PRACTISING = "practising", _("在岗执业")
        SUSPENDED = "suspended", _("暂停执业")
        LEFT = "left", _("离岗")
        DEREGISTERED = "deregistered", _("已注销注册")

    name = models.CharField(_("姓名"), max_length=30)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number = models.CharField(
        _("身份证号"),
        max_length=18,
        unique=True,
        validators=[validate_id_number],
        error_messages={"unique": _("该身份证号已登记过乡村医生。")},
    )
    mobile = models.CharField(_("手机号"), max_length=11, validators=[validate_mobile])
    email = models.EmailField(_("电子邮箱"), blank=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="doctors", verbose_name=_("村卫生室"))
    qualification = models.CharField(
        _("执业资格"), max_length=20, choices=Qualification.choices, default=Qualification.VILLAGE
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PRACTISING)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="village_doctor",
        verbose_name=_("登录账号"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # Set by services.reset_doctor_password: its change-history entry says who reset the login and when (the
    # password itself is never recorded).
    password_reset_at = models.DateTimeField(_("最近一次重置密码"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("乡村医生")
        verbose_name_plural = _("乡村医生")
        ordering = ["clinic__code", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        from doctors.validators import id_birth_date

        self.id_number = (self.id_number or "").strip().upper()
        self.mobile = (self.mobile or "").strip()
        errors: dict[str, StrOrPromise] = {}
        born = id_birth_date(self.id_number) if len(self.id_number) == 18 else None
        if born and self.birth_date and born != self.birth_date:
            errors["birth_date"] = _("出生日期与身份证号不一致（身份证号中为 %(d)s）。") % {"d": born.isoformat()}
        if len(self.id_number) == 18 and self.id_number[16].isdigit() and self.gender:
            expected = Gender.MALE if int(self.id_number[16]) % 2 else Gender.FEMALE
            if expected != self.gender:
                errors["gender"] = _("性别与身份证号不一致。")
        if errors:
            raise ValidationError(errors)

    @property
    def masked_id_number(self) -> str:
        return f"{self.id_number[:4]}{'*' * 10}{self.id_number[-4:]}" if len(self.id_number) == 18 else "****"


class ClinicMove(models.Model):
    """A change of clinic (变更注册); the history of where a doctor has practised."""

    doctor = models.ForeignKey(
        VillageDoctor, on_delete=models.CASCADE, related_name="moves", verbose_name=_("乡村医生")
    )
    from_clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", verbose_name=_("原卫生室"))
    to_clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", verbose_name=_("新卫生室"))
    moved_on = models.DateField(_("变更日期"))
    reason = models.CharField(_("变更原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("变更注册")
        verbose_name_plural = _("变更注册")
        ordering = ["-moved_on", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(from_clinic=F("to_clinic")), name="move_changes_clinic")]

    def __str__(self):
        return f"{self.doctor} {self.from_clinic} → {self.to_clinic}"


class Licence(Versioned):
    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        RENEWAL_PENDING = "renewal_pending", _("再注册审核中")
        RENEWED = "renewed", _("已换发新证")
        EXPIRED = "expired", _("已过期")
        REFUSED = "refused", _("再注册未通过")
        CANCELLED = "cancelled", _("已注销")

    class CancelReason(models.TextChoices):
        DEATH = "death", _("死亡")
        CRIMINAL = "criminal", _("受刑事处罚")
        SUSPENDED = "suspended", _("中止执业活动满二年")
        FAILED_ASSESSMENT = "failed_assessment", _("考核不合格")

    doctor = models.ForeignKey(
        VillageDoctor, on_delete=models.PROTECT, related_name="licences", verbose_name=_("乡村医生")
    )
    number = models.CharField(
        _("证书编号"), max_length=40, unique=True, error_messages={"unique": _("证书编号已存在，不能重复。")}
    )
    type = models.CharField(_("证书类型"), max_length=20, choices=Qualification.choices, default=Qualification.VILLAGE)
    issued_on = models.DateField(_("发证日期"))
    expires_on = models.DateField(_("有效期至"), blank=True, help_text=_("留空则按发证日期起 5 年自动计算"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.VALID)
    cancel_reason = models.CharField(_("注销原因"), max_length=30, choices=CancelReason.choices, blank=True)
    status_note = models.CharField(_("说明"), max_length=300, blank=True)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successor", verbose_name=_("上一本证书")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("执业证书")
        verbose_name_plural = _("执业证书")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gt=F("issued_on")), name="licence_expiry_after_issue"),
            models.CheckConstraint(
                condition=Q(
                    status="cancelled", cancel_reason__in=["death", "criminal", "suspended", "failed_assessment"]
                )
                | (~Q(status="cancelled") & Q(cancel_reason="")),
                name="licence_cancel_reason_iff_cancelled",
            ),
        ]

    def __str__(self):
        return self.number

    def clean(self):
        from doctors.rules import licence_expiry

        if self.issued_on and not self.expires_on:
            self.expires_on = licence_expiry(self.issued_on)
        if self.issued_on and self.expires_on and self.expires_on <= self.issued_on:
            raise ValidationError({"expires_on": _("有效期至必须晚于发证日期。")})


class RenewalApplication(Versioned):
    """再注册申请: doctor (or staff) applies → township reviews and forwards → county decides."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待卫生院审核")
        FORWARDED = "forwarded", _("待卫健局审批")
        RETURNED = "returned", _("卫生院退回")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    OPEN = (Status.SUBMITTED, Status.FORWARDED)

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="renewals", verbose_name=_("执业证书"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    applied_on = models.DateField(_("申请日期"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("申请人")
    )
    on_behalf = models.BooleanField(_("工作人员代为申请"), default=False)
    applicant_note = models.CharField(_("申请说明"), max_length=500, blank=True)
    eligibility = models.JSONField(_("资格审查结果"), default=dict, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("卫生院审核人"),
    )
    forwarded_on = models.DateField(_("报送卫健局日期"), null=True, blank=True)
    review_note = models.CharField(_("卫生院意见"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    decision_reason = models.CharField(_("审批意见"), max_length=500, blank=True)
    new_licence = models.OneToOneField(
        Licence, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("新证书")
    )

    class Meta:
        verbose_name = _("再注册申请")
        verbose_name_plural = _("再注册申请")
        ordering = ["-applied_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence"],
                condition=Q(status__in=["submitted", "forwarded"]),
                name="renewal_one_open_per_licence",
            ),
            models.CheckConstraint(
                condition=~Q(status="forwarded") | Q(forwarded_on__isnull=False), name="renewal_forwarded_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(new_licence__isnull=False), name="renewal_approved_has_licence"
            ),
        ]

    def __str__(self):
        return _("%(licence)s 再注册（%(date)s）") % {"licence": self.licence, "date": self.applied_on}


class TrainingSession(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="training_sessions", verbose_name=_("县"))
    township = models.ForeignKey(
        Township,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_sessions",
        verbose_name=_("举办乡镇"),
        help_text=_("县级培训留空"),
    )
    code = models.CharField(_("培训编号"), max_length=30, unique=True, error_messages={"unique": _("培训编号已存在。")})
    topic = models.CharField(_("培训主题"), max_length=200)
    organiser = models.CharField(_("主办单位"), max_length=100)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    hours = models.DecimalField(
        _("学时"), max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="training_end_after_start"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.topic}"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


SCORE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class TrainingAttendance(models.Model):
    """培训记录 with the written exam (考试记录) and oral exam (口试记录) scores."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("培训")
    )
    doctor = models.ForeignKey(
        VillageDoctor, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("乡村医生")
    )
    attended = models.BooleanField(_("出勤"), default=True)
    written_score = models.DecimalField(
        _("笔试成绩"), max_digits=5, decimal_places=1, null=True, blank=True, validators=SCORE_VALIDATORS
    )
    oral_score = models.DecimalField(
        _("口试成绩"), max_digits=5, decimal_places=1, null=True, blank=True, validators=SCORE_VALIDATORS
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("培训出勤")
        verbose_name_plural = _("培训出勤")
        ordering = ["session", "doctor"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "doctor"],
                name="attendance_once_per_session",
                violation_error_message=_("该医生在这次培训中已有记录。"),
            ),
            models.CheckConstraint(
                condition=Q(written_score__isnull=True) | Q(written_score__gte=0, written_score__lte=100),
                name="attendance_written_0_100",
            ),
            models.CheckConstraint(
                condition=Q(oral_score__isnull=True) | Q(oral_score__gte=0, oral_score__lte=100),
                name="attendance_oral_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.session} · {self.doctor}"


class DoctorAssessment(models.Model):
    """Biennial assessment (两年一次考核). A failed doctor may be re-assessed within 6 months; failing
    the re-assessment cancels the licence (reason: failed assessment)."""

    class Result(models.TextChoices):
        PASSED = "passed", _("合格")
        FAILED = "failed", _("不合格")

    doctor = models.ForeignKey(
        VillageDoctor, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("乡村医生")
    )
    assessed_on = models.DateField(_("考核日期"))
    score = models.DecimalField(
        _("考核得分"), max_digits=5, decimal_places=1, null=True, blank=True, validators=SCORE_VALIDATORS
    )
    result = models.CharField(_("考核结果"), max_length=10, choices=Result.choices)
    is_reassessment = models.BooleanField(_("补考（再次考核）"), default=False)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("医生考核")
        verbose_name_plural = _("医生考核")
        ordering = ["-assessed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["doctor", "assessed_on"],
                name="assessment_once_a_day",
                violation_error_message=_("该医生在这一天已有考核记录。"),
            ),
        ]

    def __str__(self):
        return f"{self.doctor} {self.assessed_on} {self.get_result_display()}"


class LicenceReminder(models.Model):
    """A reminder sent 90, 30 or 7 days before a licence expires (by ``manage.py licence_reminders``)."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("执业证书"))
    days_before = models.PositiveSmallIntegerField(_("提前天数"))
    sent_on = models.DateField(_("提醒日期"))
    emailed_to = models.CharField(_("已发邮件至"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("到期提醒")
        verbose_name_plural = _("到期提醒")
        ordering = ["-sent_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["licence", "days_before"], name="reminder_once_per_threshold")]

    def __str__(self):
        return _("%(licence)s 到期前 %(d)s 天提醒") % {"licence": self.licence, "d": self.days_before}


class PortalMessage(models.Model):
    """站内消息: a message to a doctor's login, shown on the portal home until the doctor marks it read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_messages", verbose_name=_("村医账号")
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="portal_messages", verbose_name=_("村卫生室")
    )
    title = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=200, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发送人"),
    )
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="doctors_message_unread")]

    def __str__(self):
        return self.title


class OutboxMessage(models.Model):
    """发件箱: every reminder sent to a doctor, one row per channel and recipient, with its delivery state.

    ``topic`` names what the reminder is about (``report:2026-11``, ``notice:42``): the same clinic is not
    reminded of the same topic twice within ``settings.REMINDER_REPEAT_HOURS``."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("站内消息")
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="outbox_messages", verbose_name=_("村卫生室")
    )
    topic = models.CharField(_("提醒事项"), max_length=60)
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices)
    recipient_name = models.CharField(_("收件人"), max_length=60)
    address = models.CharField(_("手机号或邮箱"), max_length=254, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("村医账号"),
    )
    subject = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("内容"))
    portal_message = models.OneToOneField(
        PortalMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox",
        verbose_name=_("站内消息"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近一次错误"), max_length=500, blank=True)
    provider_id = models.CharField(_("服务商回执号"), max_length=100, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("提醒人"),
    )
    created_at = models.DateTimeField(_("提醒时间"), default=timezone.now)
    attempted_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("发件箱消息")
        verbose_name_plural = _("发件箱")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["clinic", "topic", "created_at"], name="doctors_outbox_topic"),
            models.Index(fields=["status", "attempted_at"], name="doctors_outbox_status"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient_name}：{self.subject}"
