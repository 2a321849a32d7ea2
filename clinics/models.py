"""The organisation tree: Province (省) → City (市) → County (县) → Township (乡镇, with its 卫生院) → Clinic (村卫生室).

The province and city levels only read: their officials compare counties (省/市卫健委的绩效评价); all work is
done at the county and below. A county may stand alone (no city), as a single-county installation does.

Glossary:
- 常住人口 resident population; 户籍人口 registered (hukou) population;
- 参合人口 people insured by the new rural cooperative medical scheme (新农合);
- 新农合门诊统筹定点 designated outpatient-pooling point of 新农合;
- 基本药物零差率销售 selling essential drugs at zero markup.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clinics.roles import Role

code_validator = RegexValidator(r"^[A-Za-z0-9_-]+$", _("编码只能包含字母、数字、下划线和连字符。"))


class Province(models.Model):
    code = models.CharField(_("编码"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("省名"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("省")
        verbose_name_plural = _("省")
        ordering = ["code"]

    def __str__(self):
        return self.name


class City(models.Model):
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="cities", verbose_name=_("省"))
    code = models.CharField(_("编码"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("市名"), max_length=50)

    class Meta:
        verbose_name = _("市")
        verbose_name_plural = _("市")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["province", "name"], name="city_unique_name_in_province")]

    def __str__(self):
        return self.name


class County(models.Model):  # type: ignore[django-manager-missing]  # NoticePage.county: Wagtail pages are untyped
    city = models.ForeignKey(
        City, null=True, blank=True, on_delete=models.PROTECT, related_name="counties", verbose_name=_("市")
    )
    code = models.CharField(_("编码"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("县名"), max_length=50)
    health_bureau_name = models.CharField(_("卫健局名称"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("县")
        verbose_name_plural = _("县")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Township(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="townships", verbose_name=_("县"))
    code = models.CharField(_("编码"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("乡镇名称"), max_length=50)
    health_center_name = models.CharField(_("卫生院名称"), max_length=100)
    remote = models.BooleanField(_("偏远地区"), default=False)

    class Meta:
        verbose_name = _("乡镇")
        verbose_name_plural = _("乡镇")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="township_unique_name_in_county")]

    def __str__(self):
        return self.name


class Clinic(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("正常运行")
        SUSPENDED = "suspended", _("暂停服务")
        CLOSED = "closed", _("已撤销")

    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="clinics", verbose_name=_("乡镇"))
    code = models.CharField(_("编码"), max_length=30, unique=True, validators=[code_validator])
    name = models.CharField(_("卫生室名称"), max_length=100)
    village = models.CharField(_("行政村"), max_length=50)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    opened_on = models.DateField(_("开办日期"), null=True, blank=True)
    ncms_designated = models.BooleanField(_("新农合门诊统筹定点"), default=False)
    zero_markup = models.BooleanField(_("实行基本药物零差率"), default=True)
    remote = models.BooleanField(_("偏远地区"), default=False)

    class Meta:
        verbose_name = _("村卫生室")
        verbose_name_plural = _("村卫生室")
        ordering = ["code"]

    def __str__(self):
        return self.name


class ClinicPopulation(models.Model):
    """Service population of a clinic in one year (服务人口)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="populations", verbose_name=_("村卫生室"))
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    resident = models.PositiveIntegerField(_("常住人口"), default=0)
    registered = models.PositiveIntegerField(_("户籍人口"), default=0)
    insured = models.PositiveIntegerField(_("参合人口"), default=0)
    aged_65_plus = models.PositiveIntegerField(_("65岁及以上老年人"), default=0)
    children_0_6 = models.PositiveIntegerField(_("0-6岁儿童"), default=0)

    class Meta:
        verbose_name = _("服务人口")
        verbose_name_plural = _("服务人口")
        ordering = ["clinic__code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "year"], name="population_one_per_clinic_year"),
            models.CheckConstraint(
                condition=Q(aged_65_plus__lte=models.F("resident")) & Q(children_0_6__lte=models.F("resident")),
                name="population_subgroups_within_resident",
            ),
        ]

    def __str__(self):
        return f"{self.clinic} {self.year}"


class UserScope(models.Model):
    """Ties a user to the one place they serve; the scope selectors read only this."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scope", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("省"))
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("市"))
    county = models.ForeignKey(County, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("县"))
    township = models.ForeignKey(Township, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("乡镇"))
    clinic = models.ForeignKey(Clinic, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("村卫生室"))

    class Meta:
        verbose_name = _("用户范围")
        verbose_name_plural = _("用户范围")
        constraints = [
            models.CheckConstraint(
                name="userscope_place_matches_role",
                condition=(
                    Q(role=Role.VILLAGE_DOCTOR, clinic__isnull=False, township__isnull=True, county__isnull=True)
                    | Q(role=Role.TOWNSHIP_STAFF, township__isnull=False, clinic__isnull=True, county__isnull=True)
                    | Q(
                        role__in=[Role.COUNTY_ADMIN, Role.NOTICE_EDITOR, Role.NOTICE_MODERATOR],
                        county__isnull=False,
                        township__isnull=True,
                        clinic__isnull=True,
                    )
                    | Q(role=Role.CITY_OFFICIAL, city__isnull=False, county__isnull=True, township__isnull=True)
                    | Q(role=Role.PROVINCE_OFFICIAL, province__isnull=False, county__isnull=True, township__isnull=True)
                )
                & (Q(role=Role.CITY_OFFICIAL) | Q(city__isnull=True))
                & (Q(role=Role.PROVINCE_OFFICIAL) | Q(province__isnull=True))
                & (Q(role=Role.VILLAGE_DOCTOR) | Q(clinic__isnull=True)),
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.place}"

    @property
    def place(self):
        return self.clinic or self.township or self.county or self.city or self.province


class ImportJob(models.Model):
    """A large import checked and run in the background (db_worker), with progress for the admin's bar.

    Check first (nothing written), then, after the user confirms, import — still all-or-nothing."""

    class State(models.TextChoices):
        CHECKING = "checking", _("检查中")
        CHECKED = "checked", _("检查通过，待确认")
        INVALID = "invalid", _("有错误，未导入")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("失败")

    class Failure(models.TextChoices):
        INTERRUPTED = "interrupted", _("后台任务进程中断，未写入任何数据，可重新导入。")
        ERROR = "error", _("后台任务出错，未写入任何数据，可重新导入。")

    RUNNING_STATES: tuple[str, ...] = (State.CHECKING, State.IMPORTING)

    resource = models.CharField(_("数据类型"), max_length=50)
    filename = models.CharField(_("文件名"), max_length=200)
    stored_file = models.CharField(max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.CHECKING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    # Written by the worker while it checks or imports (clinics.tasks); a running job whose heartbeat
    # stopped lost its worker (clinics.services.fail_stale_import_jobs). None: not started yet.
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    failure = models.CharField(_("失败原因"), max_length=20, choices=Failure.choices, blank=True)
    failed_phase = models.CharField(max_length=10, choices=State.choices, blank=True)  # what a retry redoes

    class Meta:
        verbose_name = _("后台导入")
        verbose_name_plural = _("后台导入")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.resource} {self.filename}"

    @property
    def stored_path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / "imports" / self.stored_file

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.processed_rows / self.total_rows)) if self.total_rows else 0


class OfflineEntry(models.Model):
    """An entry a doctor made on the phone while offline (a report, a sale, a read receipt, …), sent later by the
    portal's sync endpoint. Its client-made UUID is accepted once: the first answer (saved, or refused with the
    reason) is kept, and a retried request gets that answer again instead of being replayed."""

    class Status(models.TextChoices):
        SAVED = "saved", _("已保存")
        REFUSED = "refused", _("被退回")

    entry_id = models.UUIDField(_("记录编号"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=40)
    status = models.CharField(_("结果"), max_length=10, choices=Status.choices)
    message = models.TextField(_("答复"), blank=True)
    received_at = models.DateTimeField(_("收到时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("离线录入记录")
        verbose_name_plural = _("离线录入记录")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["entry_id"], name="offline_entry_accepted_once")]

    def __str__(self):
        return f"{self.kind} {self.entry_id}"


# The change history (django-auditlog, ``AUDITLOG_LOGENTRY_MODEL``): which models are audited and how an entry
# finds its clinic, township and county is in ``clinics.audit``; who, why and through what in ``core.audit``.
# ``log_create`` asks the fillers registered here (by clinics.audit) for those columns.
ENTRY_FILLERS: list[Callable[[models.Model, dict[str, Any]], None]] = []


class AuditEntryManager(LogEntryManager):
    def log_create(self, instance, force_log: bool = False, **kwargs):
        for fill in ENTRY_FILLERS:
            fill(instance, kwargs)
        return super().log_create(instance, force_log=force_log, **kwargs)


class AuditEntry(AbstractLogEntry):
    """One change of one object (修改记录): the user, the time, each field's before and after (``changes``), the
    reason, the source (import file, job) and the place it belongs to, so that a list of history is scoped in
    SQL like every other list. Entries of one action share ``cid``."""

    # The places are kept as ids without a database constraint: history outlives what it describes (the entry of
    # a clinic's deletion still names the clinic's id, and its township's list still finds it).
    clinic = models.ForeignKey(
        Clinic,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("村卫生室"),
    )
    township = models.ForeignKey(
        Township,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("乡镇"),
    )
    county = models.ForeignKey(
        County,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("县"),
    )
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    # The object whose page shows this entry too (a report for its lines, an assessment for its entries).
    parent_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    parent_id = models.BigIntegerField(null=True, blank=True)

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("修改记录")
        verbose_name_plural = _("修改记录")
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_entry_object"),
            models.Index(fields=["parent_type", "parent_id"], name="audit_entry_parent"),
        ]
