"""The doctor's quick entry of a service record (programs.services.records.add_record)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clinics.models import AuditEntry
from programs.models import ServiceRecord
from programs.services import periods
from programs.services.records import add_record
from tests.programs.records_helpers import id_number, make_resident

TODAY = date(2026, 12, 2)


def entry(org, services, resident, **kwargs):
    values = {
        "user": org.users.doctor,
        "clinic": org.ca1a,
        "item": services["PH09"],
        "service_date": date(2026, 11, 20),
        "resident": resident,
        "today": TODAY,
    }
    values.update(kwargs)
    return add_record(**values)


def test_doctor_records_a_service_to_a_resident_of_the_register(org, services):
    resident = make_resident("张三", id_number(1), clinic=org.ca1a)
    record = entry(org, services, resident, note=" 入户随访 ")
    assert record.source == ServiceRecord.Source.PORTAL and record.matched and record.note == "入户随访"
    assert record.id_number_masked == resident.id_number_masked and record.doctor.user == org.users.doctor


def test_an_entry_is_in_the_change_history_with_who_made_it(org, services):
    resident = make_resident("李四", id_number(2), clinic=org.ca1a)
    record = entry(org, services, resident)
    (created,) = AuditEntry.objects.filter(content_type__model="servicerecord", object_id=record.pk)
    assert created.actor == org.users.doctor and created.clinic_id == org.ca1a.pk
    assert "id_number_hash" not in (created.changes or {})  # the lookup hash is not history


def test_duplicate_is_refused_in_chinese(org, services):
    resident = make_resident("张三", id_number(1), clinic=org.ca1a)
    entry(org, services, resident)
    with pytest.raises(ValidationError) as refused:
        entry(org, services, resident)
    assert "已有记录" in refused.value.messages[0]
    assert ServiceRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("day", "words"),
    [(date(2026, 12, 3), "晚于今天"), (date(2027, 1, 1), "未来"), (date(1999, 1, 1), "年度")],
)
def test_dates_outside_the_rules_are_refused(org, services, day, words):
    resident = make_resident("张三", id_number(1), clinic=org.ca1a)
    with pytest.raises(ValidationError) as refused:
        entry(org, services, resident, service_date=day)
    assert words in " ".join(refused.value.messages)


def test_before_the_clinic_opened_is_refused(org, services):
    org.ca1a.opened_on = date(2026, 6, 1)
    org.ca1a.save(update_fields=["opened_on"])
    resident = make_resident("张三", id_number(1), clinic=org.ca1a)
    with pytest.raises(ValidationError) as refused:
        entry(org, services, resident, service_date=date(2026, 5, 31))
    assert "开办日期" in refused.value.messages[0]


def test_locked_and_closed_months_refuse_new_records(org, services):
    resident = make_resident("张三", id_number(1), clinic=org.ca1a)
    periods.lock_periods(township_ids=[org.ta1.pk], year=2026, months=[10], user=org.users.county)
    periods.close_period(township_id=org.ta1.pk, year=2026, month=9, user=org.users.county)
    with pytest.raises(ValidationError) as locked:
        entry(org, services, resident, service_date=date(2026, 10, 5))
    assert "锁定" in locked.value.messages[0]
    with pytest.raises(ValidationError) as closed:
        entry(org, services, resident, service_date=date(2026, 9, 5))
    assert "关账" in closed.value.messages[0]


def test_a_doctor_cannot_record_for_another_clinic(org, services):
    resident = make_resident("张三", id_number(1), clinic=org.ca1b)
    with pytest.raises(PermissionDenied):
        entry(org, services, resident, clinic=org.ca1b)
