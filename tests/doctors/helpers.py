"""Builders of doctors, licences and trainings for the doctors tests (through real models/services)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from doctors import rules, services
from doctors.models import DoctorAssessment, Gender, Licence, TrainingSession, VillageDoctor
from doctors.validators import id_check_digit

_seq = iter(range(10, 10**9))


def id_number(born=date(1980, 5, 17), male=True, region="410102") -> str:
    n = (next(_seq) % 490) * 2 + (1 if male else 0)
    first17 = f"{region}{born:%Y%m%d}{n:03d}"
    return first17 + id_check_digit(first17)


def make_doctor(clinic, *, user=None, name="张建国", born=date(1980, 5, 17), male=True, **extra) -> VillageDoctor:
    doctor = VillageDoctor(
        name=name,
        gender=Gender.MALE if male else Gender.FEMALE,
        birth_date=born,
        id_number=id_number(born, male),
        mobile="13812345678",
        clinic=clinic,
        user=user,
        **extra,
    )
    doctor.full_clean()
    doctor.save()
    return doctor


def make_licence(doctor, *, issued_on=None, expires_in=None, today=None, number=None, **extra) -> Licence:
    """A licence issued on a date, or one expiring ``expires_in`` days after ``today``."""
    if issued_on is None:
        expires = (today or timezone.localdate()) + timedelta(days=expires_in)
        issued_on = rules.add_years(expires + timedelta(days=1), -rules.LICENCE_YEARS)
    licence = Licence(
        doctor=doctor,
        number=number or f"L{doctor.pk}-{issued_on:%Y%m%d}",
        issued_on=issued_on,
        expires_on=rules.licence_expiry(issued_on),
        **extra,
    )
    licence.full_clean()
    licence.save()
    return licence


def make_session(county, start, *, days=7, code=None, township=None) -> TrainingSession:
    return TrainingSession.objects.create(
        county=county,
        township=township,
        code=code or f"S{county.code}{start:%Y%m%d}{days}",
        topic="高血压患者健康管理",
        organiser="县卫健局",
        start_date=start,
        end_date=start + timedelta(days=days - 1),
        hours=Decimal("16"),
    )


def train_every_year(doctor, licence, *, sessions_per_year=2, days=7):
    """Attendance meeting the default rule in every licence year."""
    county = doctor.clinic.township.county
    for k in range(rules.LICENCE_YEARS):
        year_start = rules.add_years(licence.issued_on, k)
        for s in range(sessions_per_year):
            session = make_session(
                county, year_start + timedelta(days=30 + 60 * s), days=days, code=f"T{doctor.pk}-{k}-{s}"
            )
            services.record_attendance(session=session, doctor=doctor, user=None, written_score=80, oral_score=85)


def pass_assessment(doctor, on):
    return DoctorAssessment.objects.create(
        doctor=doctor, assessed_on=on, result=DoctorAssessment.Result.PASSED, score=Decimal("88")
    )


def eligible_doctor(clinic, *, user=None, today, expires_in=60, **kwargs):
    doctor = make_doctor(clinic, user=user, **kwargs)
    licence = make_licence(doctor, today=today, expires_in=expires_in)
    train_every_year(doctor, licence)
    pass_assessment(doctor, today - timedelta(days=100))
    return doctor, licence
