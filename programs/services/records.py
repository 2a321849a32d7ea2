"""Changes to service records (服务记录): a village doctor's quick entry. The import of the provincial system's
export is the ``service_records`` resource (programs.resources.records); both apply the date rules below."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Clinic, County
from clinics.selectors import can_administer_county, can_manage_clinic, get_scope
from core import audit
from doctors.selectors import doctor_for_user
from programs.models import RecordColumnMapping, ReportingPeriod, ServiceItem, ServiceRecord
from programs.selectors import periods as period_selectors
from programs.selectors.records import RECORD_COLUMNS
from programs.services.reports import check_report_month
from residents.models import Resident

if TYPE_CHECKING:
    from django.contrib.auth.models import User

__all__ = ["add_record", "check_service_date", "duplicate_message", "period_message", "save_column_mapping"]

State = ReportingPeriod.State


def duplicate_message(*, name: str, item: str, on: date) -> str:
    return _("%(name)s %(date)s 的“%(item)s”已有记录，同一居民同一天同一项目只记一次。") % {
        "name": name,
        "date": on.isoformat(),
        "item": item,
    }


def period_message(*, on: date, state: str) -> str | None:
    """Why a month refuses new records (locked by a settlement, or closed by the township); None when open."""
    if state == State.LOCKED:
        return _("%(y)s年%(m)s月已结算锁定，不能再录入该月的服务记录。") % {"y": on.year, "m": on.month}
    if state == State.CLOSED:
        return _("%(y)s年%(m)s月已关账，不能再录入该月的服务记录。如需补录，请联系乡镇卫生院重新开放。") % {
            "y": on.year,
            "m": on.month,
        }
    return None


def check_service_date(*, service_date: date, opened_on: date | None, today: date) -> None:
    """A service date: a real month of the reporting years, not after today, not before the clinic opened."""
    check_report_month(year=service_date.year, month=service_date.month, today=today)
    if service_date > today:
        raise ValidationError(_("服务日期不能晚于今天。"))
    if opened_on is not None and service_date < opened_on:
        raise ValidationError(_("服务日期早于该卫生室的开办日期（%(d)s）。") % {"d": opened_on.isoformat()})


@transaction.atomic
def add_record(
    *,
    user: User,
    clinic: Clinic,
    item: ServiceItem,
    service_date: date,
    resident: Resident,
    note: str = "",
    today: date | None = None,
) -> ServiceRecord:
    """A village doctor records one service to a resident of the register (source 村医录入)."""
    today = today or timezone.localdate()
    scope = get_scope(user)
    if scope.is_doctor:
        if scope.clinic_id != clinic.pk:
            raise PermissionDenied
    elif not can_manage_clinic(user, clinic):
        raise PermissionDenied
    if not item.active:
        raise ValidationError({"item": _("该服务项目已停用。")})
    try:
        check_service_date(service_date=service_date, opened_on=clinic.opened_on, today=today)
    except ValidationError as exc:
        raise ValidationError({"service_date": exc.messages}) from None
    state = period_selectors.period_state(
        township_id=clinic.township_id, year=service_date.year, month=service_date.month
    )
    refusal = period_message(on=service_date, state=state)
    if refusal:
        raise ValidationError({"service_date": refusal})
    if ServiceRecord.objects.filter(
        id_number_hash=resident.id_number_hash, item=item, service_date=service_date
    ).exists():
        raise ValidationError(duplicate_message(name=resident.name, item=item.name, on=service_date), code="duplicate")
    doctor = doctor_for_user(user) if scope.is_doctor else None
    record = ServiceRecord(
        clinic=clinic,
        item=item,
        service_date=service_date,
        resident=resident,
        resident_name=resident.name,
        id_number_hash=resident.id_number_hash,
        id_number_masked=resident.id_number_masked,
        doctor=doctor,
        note=note.strip(),
        source=ServiceRecord.Source.PORTAL,
        created_by=user,
    )
    with audit.action(user=user):
        try:
            with transaction.atomic():  # a concurrent entry of the same service: the constraint decides
                record.save()
        except IntegrityError:
            raise ValidationError(
                duplicate_message(name=resident.name, item=item.name, on=service_date), code="duplicate"
            ) from None
    return record


@transaction.atomic
def save_column_mapping(*, user: User, county: County, columns: dict[str, str]) -> RecordColumnMapping:
    """The county's names for our import columns (ours → theirs); a column left as ours is not stored."""
    if not can_administer_county(user, county.pk):
        raise PermissionDenied
    unknown = set(columns) - set(RECORD_COLUMNS)
    if unknown:
        raise ValidationError(_("没有这些列：%(cols)s") % {"cols": "、".join(sorted(unknown))})
    theirs = [v.strip() for v in columns.values()]
    if any(not v for v in theirs) or len(set(theirs)) != len(theirs):
        raise ValidationError(_("每一列都要填写，且不能有两列同名。"))
    with audit.action(user=user):
        mapping, _created = RecordColumnMapping.objects.select_for_update().get_or_create(county=county)
        mapping.columns = {k: v.strip() for k, v in columns.items() if v.strip() != k}
        mapping.updated_by = user
        mapping.save()
    return mapping
