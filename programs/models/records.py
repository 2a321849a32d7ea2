"""Service records (服务记录): one row per service a clinic delivered — which resident, which item, which day.
They make a monthly report's declared counts checkable down to the resident: the verification sample is drawn
from them (programs.models.sampling).

A record carries the resident's ID number as a keyed hash and masked (residents.crypto), whether or not it
matched the register; an unmatched record is kept and flagged (``resident`` is empty) so the township sees it.
Tables that grow by millions of rows a year are indexed by clinic and date (see the README's 'Data volumes').
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["RecordColumnMapping", "ServiceRecord"]


class ServiceRecord(models.Model):
    class Source(models.TextChoices):
        IMPORT = "import", _("公卫系统导入")
        PORTAL = "portal", _("村医录入")

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="service_records", verbose_name=_("村卫生室")
    )
    item = models.ForeignKey("programs.ServiceItem", on_delete=models.PROTECT, verbose_name=_("服务项目"))
    service_date = models.DateField(_("服务日期"))
    resident = models.ForeignKey(
        "residents.Resident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
        verbose_name=_("居民"),
    )
    resident_name = models.CharField(_("居民姓名"), max_length=50)
    id_number_hash = models.CharField(_("身份证号索引"), max_length=64, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    doctor = models.ForeignKey(
        "doctors.VillageDoctor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_records",
        verbose_name=_("服务医生"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        constraints = [
            # The same resident, item and day twice is a duplicate, however it came in.
            models.UniqueConstraint(
                fields=["id_number_hash", "item", "service_date"], name="one_record_per_resident_item_day"
            ),
            models.CheckConstraint(condition=~Q(id_number_hash=""), name="record_has_resident_hash"),
        ]
        indexes = [
            models.Index(fields=["clinic", "service_date", "item"], name="record_clinic_date_item"),
            models.Index(fields=["resident", "service_date"], name="record_resident_date"),
        ]

    def __str__(self):
        return f"{self.resident_name} · {self.item_id} · {self.service_date}"

    @property
    def matched(self) -> bool:
        return self.resident_id is not None


class RecordColumnMapping(models.Model):
    """How a county's provincial public-health system names the columns of its monthly export: saved once, used
    by every later import of service records for that county. ``columns`` maps our field to their header."""

    county = models.OneToOneField(
        "clinics.County", on_delete=models.CASCADE, related_name="record_column_mapping", verbose_name=_("县")
    )
    columns = models.JSONField(_("列对应"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("修改人")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("服务记录列对应")
        verbose_name_plural = _("服务记录列对应")

    def __str__(self):
        return str(self.county)
