"""Data for the sampling tests: residents with encrypted phones, their service records, a submitted report."""

from __future__ import annotations

from datetime import date

from programs.models import ServiceRecord, ServiceReport, ServiceReportLine
from residents import crypto
from residents.models import Resident


def id_number(clinic, item, n: int) -> str:
    return f"32{clinic.pk:04d}{item.pk:04d}{n:08d}"


def make_records(clinic, item, *, year=2026, month=3, count=10, start=0, phone_prefix="1380000") -> list[ServiceRecord]:
    """``count`` residents (phones 1380000xxxx) each with one record of ``item`` in the month."""
    records = []
    for n in range(start, start + count):
        number = id_number(clinic, item, n)
        phone = f"{phone_prefix}{n:04d}"
        resident, _new = Resident.objects.get_or_create(
            id_number_hash=crypto.keyed_hash(number),
            defaults={
                "name": f"居民{n}",
                "id_number_encrypted": crypto.encrypt(number),
                "id_number_masked": crypto.mask_id_number(number),
                "sex": "F",
                "birth_date": date(1950, 1, 1),
                "phone_hash": crypto.keyed_hash(phone),
                "phone_encrypted": crypto.encrypt(phone),
                "phone_masked": crypto.mask_phone(phone),
            },
        )
        records.append(
            ServiceRecord.objects.create(
                clinic=clinic,
                item=item,
                service_date=date(year, month, 1 + n % 28),
                resident=resident,
                resident_name=resident.name,
                id_number_hash=resident.id_number_hash,
                id_number_masked=resident.id_number_masked,
                source=ServiceRecord.Source.IMPORT,
            )
        )
    return records


def make_report(clinic, counts: dict, *, year=2026, month=3, status="submitted") -> ServiceReport:
    report, _new = ServiceReport.objects.get_or_create(
        clinic=clinic, year=year, month=month, defaults={"status": status}
    )
    for item, declared in counts.items():
        ServiceReportLine.objects.get_or_create(report=report, item=item, defaults={"declared_count": declared})
    return report
