"""The residents register (辖区居民): who lives in a clinic's area, with the key-population flags of the national
basic public-health service specification. ID and phone numbers are kept encrypted (residents.crypto): a
keyed hash to match and search, a masked form to show, the cipher text for the one page that must show them
whole (the call list of the staff member assigned to the sample, residents.selectors.whole_phone)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["PersonalDataAccess", "Resident", "ResidentRegistration"]


class Resident(models.Model):
    """One person, whichever clinic serves them this year. Identified by the ID number's keyed hash."""

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    name = models.CharField(_("姓名"), max_length=50)
    id_number_hash = models.CharField(_("身份证号索引"), max_length=64, unique=True, editable=False)
    id_number_encrypted = models.TextField(_("身份证号（加密）"), editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone_hash = models.CharField(_("电话索引"), max_length=64, blank=True, db_index=True, editable=False)
    phone_encrypted = models.TextField(_("电话（加密）"), blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=12, blank=True, editable=False)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("辖区居民")
        constraints = [models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="resident_sex_known")]

    def __str__(self):
        return f"{self.name}（{self.id_number_masked}）"


class ResidentRegistration(models.Model):
    """A resident on a clinic's register for one year, with that year's key-population flags. A move to another
    clinic changes ``clinic`` (the change history keeps where they were and when)."""

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("居民")
    )
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="resident_registrations", verbose_name=_("村卫生室")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    village_group = models.CharField(_("村民小组"), max_length=50, blank=True)
    elderly = models.BooleanField(_("65岁以上老年人"), default=False)
    hypertension = models.BooleanField(_("高血压"), default=False)
    diabetes = models.BooleanField(_("2型糖尿病"), default=False)
    severe_mental_disorder = models.BooleanField(_("严重精神障碍"), default=False)
    tuberculosis = models.BooleanField(_("肺结核"), default=False)
    maternal = models.BooleanField(_("孕产妇"), default=False)
    child = models.BooleanField(_("0–6岁儿童"), default=False)

    # The flags in the order of the specification; the import, the register's filters and denominators read it.
    FLAGS = ("elderly", "hypertension", "diabetes", "severe_mental_disorder", "tuberculosis", "maternal", "child")

    class Meta:
        verbose_name = _("居民登记")
        verbose_name_plural = _("居民登记")
        constraints = [
            models.UniqueConstraint(fields=["resident", "year"], name="one_registration_per_resident_year"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="registration_year_range"),
        ]
        indexes = [models.Index(fields=["clinic", "year"], name="registration_clinic_year")]

    def __str__(self):
        return f"{self.resident} · {self.year}"

    @classmethod
    def flag_label(cls, flag: str) -> str:
        """The Chinese name of a key-population flag (its field's verbose name)."""
        field = cls._meta.get_field(flag)
        assert isinstance(field, models.BooleanField)
        return str(field.verbose_name)


class PersonalDataAccess(models.Model):
    """Who saw residents' whole numbers, or exported their personal data, when, and which residents
    (个人信息保护法). Written only by residents.services.record_access; the county reads it."""

    class Kind(models.TextChoices):
        WHOLE_PHONE = "whole_phone", _("查看完整电话")
        WHOLE_ID = "whole_id", _("查看完整身份证号")
        EXPORT = "export", _("导出个人信息")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("用户")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    page = models.CharField(_("页面或文件"), max_length=200)
    county = models.ForeignKey("clinics.County", null=True, on_delete=models.SET_NULL, verbose_name=_("县"))
    residents = models.ManyToManyField(Resident, related_name="+", verbose_name=_("居民"))
    resident_count = models.PositiveIntegerField(_("人数"), default=0)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} · {self.resident_count}"
