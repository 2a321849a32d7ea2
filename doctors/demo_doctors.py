"""Demo village doctors: one per doctor login (valid licence, trained, assessed), plus doctors
without logins whose licences expire within 90 days, have lapsed or are under renewal, and a year
of quarterly county trainings with attendance. Dates are relative to the demo's reference day
(today when the demo year is the current year, else 30 June of the demo year)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from clinics.demo import person_name
from clinics.models import Clinic
from doctors import rules
from doctors.models import (
    DoctorAssessment,
    Gender,
    Licence,
    RenewalApplication,
    TrainingAttendance,
    TrainingRule,
    TrainingSession,
    VillageDoctor,
)
from doctors.validators import id_check_digit

TOPICS = [
    "高血压患者健康管理规范",
    "2型糖尿病患者健康管理",
    "0-6岁儿童健康管理",
    "孕产妇健康管理",
    "老年人健康体检",
    "传染病及突发公共卫生事件报告",
    "基本药物合理使用",
    "中医药健康管理",
    "严重精神障碍患者管理",
    "肺结核患者健康管理",
]


def _id_number(rng, born: date, gender: str, region: str = "410102") -> str:
    seq = rng.randint(0, 49) * 2 + (1 if gender == Gender.MALE else 0)
    first17 = f"{region}{born:%Y%m%d}{rng.randint(1, 9)}{seq:02d}"
    return first17 + id_check_digit(first17)


def _mobile(rng) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def reference_day(year: int) -> date:
    today = timezone.localdate()
    return today if today.year == year else date(year, 6, 30)


def seed(ctx) -> None:
    rng = ctx.rng
    today = reference_day(ctx.year)
    county = ctx.county
    TrainingRule.objects.create(county=county, min_sessions=2, min_days=14)
    used_ids: set[str] = set()
    numbers = iter(range(1, 100000))

    def new_doctor(clinic, user=None, name=None):
        gender = rng.choice([Gender.MALE, Gender.FEMALE])
        born = date(rng.randint(1962, 1992), rng.randint(1, 12), rng.randint(1, 28))
        while True:
            id_number = _id_number(rng, born, gender)
            if id_number not in used_ids:
                used_ids.add(id_number)
                break
        return VillageDoctor.objects.create(
            name=name or (user.first_name if user and user.first_name else person_name(rng)),
            gender=gender,
            birth_date=born,
            id_number=id_number,
            mobile=_mobile(rng),
            clinic=clinic,
            user=user,
            email=f"{user.username}@example.com" if user else "",
        )

    def licence(doctor, issued_on, **extra):
        return Licence.objects.create(
            doctor=doctor,
            number=f"{county.code}{issued_on.year}{next(numbers):05d}",
            type=doctor.qualification,
            issued_on=issued_on,
            expires_on=rules.licence_expiry(issued_on),
            **extra,
        )

    def issued_for_expiry_in(days):
        expires = today + timedelta(days=days)
        return rules.add_years(expires + timedelta(days=1), -rules.LICENCE_YEARS)

    doctors = []
    # One doctor per login; doc001's licence is in its renewal window so the workflow can be tried.
    logins = get_user_model().objects.filter(scope__clinic__township__county=county).select_related("scope")
    for user in logins.order_by("username"):
        doctor = new_doctor(user.scope.clinic, user)
        days = 45 if user.username == "doc001" else rng.randint(200, 1700)
        licence(doctor, issued_for_expiry_in(days))
        doctors.append(doctor)
    # Doctors without logins in the first townships: expiring soon, lapsed, under renewal.
    clinics = list(Clinic.objects.filter(township__county=county).order_by("code")[:8])
    extra = []
    for i, clinic in enumerate(clinics):
        doctor = new_doctor(clinic)
        extra.append(doctor)
        doctors.append(doctor)
        if i in (0, 1, 2):  # expiring within 90 days
            licence(doctor, issued_for_expiry_in([12, 60, 85][i]))
        elif i == 3:  # lapsed
            licence(doctor, issued_for_expiry_in(-20), status=Licence.Status.EXPIRED)
        elif i in (4, 5):  # renewal pending: one waiting for the township, one forwarded and overdue
            lic = licence(doctor, issued_for_expiry_in(40 if i == 4 else 25), status=Licence.Status.RENEWAL_PENDING)
            forwarded = today - timedelta(days=18) if i == 5 else None
            RenewalApplication.objects.create(
                licence=lic,
                applied_on=today - timedelta(days=20 if i == 5 else 3),
                status=RenewalApplication.Status.FORWARDED if forwarded else RenewalApplication.Status.SUBMITTED,
                forwarded_on=forwarded,
                eligibility={"eligible": True, "checks": []},
                applicant_note="申请再注册" if i == 4 else "",
            )
        elif i == 6:  # cancelled after failing the re-assessment
            licence(
                doctor,
                issued_for_expiry_in(700),
                status=Licence.Status.CANCELLED,
                cancel_reason=Licence.CancelReason.FAILED_ASSESSMENT,
                status_note="再次考核不合格",
            )
        else:
            licence(doctor, issued_for_expiry_in(rng.randint(400, 1500)))

    # Quarterly county trainings of 5 days each for the last five years (those already started).
    sessions = []
    for year in range(today.year - 5, today.year + 1):
        for q, (month, day) in enumerate([(3, 10), (6, 10), (9, 10), (12, 1)], start=1):
            start = date(year, month, day)
            if start > today:
                continue
            sessions.append(
                TrainingSession.objects.create(
                    county=county,
                    code=f"{county.code}-PX{year}{q}",
                    topic=TOPICS[(year * 4 + q) % len(TOPICS)],
                    organiser=county.health_bureau_name or county.name,
                    start_date=start,
                    end_date=start + timedelta(days=4),
                    hours=Decimal("32.0"),
                )
            )
    behind = {d.pk for d in extra[2:4]} | {doctors[i].pk for i in range(3, len(doctors), 11)}
    rows = []
    for doctor in doctors:
        first = doctor.licences.order_by("issued_on").first().issued_on
        for session in sessions:
            if session.start_date < first or (doctor.pk in behind and session.start_date.year == today.year):
                continue
            rows.append(
                TrainingAttendance(
                    session=session,
                    doctor=doctor,
                    attended=True,
                    written_score=Decimal(rng.randint(60, 98)),
                    oral_score=Decimal(rng.randint(60, 98)),
                )
            )
        result = DoctorAssessment.Result.PASSED
        DoctorAssessment.objects.create(
            doctor=doctor,
            assessed_on=today - timedelta(days=rng.randint(60, 500)),
            score=Decimal(rng.randint(70, 96)),
            result=result,
        )
    TrainingAttendance.objects.bulk_create(rows)
