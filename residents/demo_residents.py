"""Demo data for the residents register: a sample of each clinic's residents with the key-population flags,
valid ID numbers (check digit) and mobile numbers, encrypted as the register keeps them."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from clinics import audit as history
from clinics.demo import person_name
from clinics.models import Clinic
from residents.models import Resident, ResidentRegistration
from residents.services import numbers_for
from residents.validation import check_digit, check_id_number

RESIDENTS_PER_CLINIC = 120


def _id_number(region: str, birth: date, sequence: int, sex: str) -> str:
    # The 17th digit is odd for men; the three-digit sequence ends with it.
    order = sequence * 2 + (1 if sex == "M" else 0)
    first_17 = f"{region}{birth:%Y%m%d}{order % 1000:03d}"
    return first_17 + check_digit(first_17)


def seed(ctx):
    rng = ctx.rng
    clinics = list(Clinic.objects.filter(township__county=ctx.county).order_by("code"))
    year = ctx.year
    on = min(date(year, 7, 1), timezone.localdate())  # ages as of mid-year; no one born in the future
    residents, flags_of = [], []
    sequence = 0
    for clinic_index, clinic in enumerate(clinics):
        region = f"3201{clinic_index % 90 + 10:02d}"
        for _ in range(RESIDENTS_PER_CLINIC):
            sequence += 1
            kind = rng.choices(["elderly", "child", "maternal", "adult"], weights=[40, 15, 5, 40])[0]
            if kind == "elderly":
                birth = on - timedelta(days=rng.randint(65 * 365 + 20, 90 * 365))
            elif kind == "child":
                birth = on - timedelta(days=rng.randint(30, 6 * 365))
            elif kind == "maternal":
                birth = on - timedelta(days=rng.randint(21 * 365, 36 * 365))
            else:
                birth = on - timedelta(days=rng.randint(18 * 365, 64 * 365))
            sex = "F" if kind == "maternal" else rng.choice("MF")
            number = _id_number(region, birth, sequence, sex)
            phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
            resident = Resident(name=person_name(rng))
            numbers_for(check_id_number(number), phone).apply(resident)  # birth date and sex come from the number
            residents.append(resident)
            elderly = kind == "elderly"
            flags_of.append(
                (
                    clinic,
                    {
                        "elderly": elderly,
                        "hypertension": (elderly and rng.random() < 0.45) or (kind == "adult" and rng.random() < 0.1),
                        "diabetes": (elderly and rng.random() < 0.2) or (kind == "adult" and rng.random() < 0.04),
                        "severe_mental_disorder": kind == "adult" and rng.random() < 0.02,
                        "tuberculosis": kind in ("adult", "elderly") and rng.random() < 0.005,
                        "maternal": kind == "maternal",
                        "child": kind == "child",
                    },
                )
            )
    Resident.objects.bulk_create(residents, batch_size=2000)
    ids = dict(Resident.objects.values_list("id_number_hash", "pk"))
    registrations = [
        ResidentRegistration(
            resident_id=ids[resident.id_number_hash],
            clinic=clinic,
            year=year,
            village_group=f"{rng.randint(1, 8)}组",
            **flags,
        )
        for resident, (clinic, flags) in zip(residents, flags_of, strict=True)
    ]
    ResidentRegistration.objects.bulk_create(registrations, batch_size=2000)
    history.record_bulk_create(
        ResidentRegistration,
        ResidentRegistration.objects.filter(year=year, clinic__in=clinics).order_by("pk"),
        ["resident", "clinic", "year", *ResidentRegistration.FLAGS],
    )
    ctx.stdout.write(f"辖区居民：{len(residents)} 人（每个村卫生室 {RESIDENTS_PER_CLINIC} 人），{year} 年登记。")
