"""Scoped reads of village doctors, licences, renewals and trainings.

``practice_permission`` and ``doctor_counts`` are the contract other apps rely on (docs/INTERFACES.md).
A login with no VillageDoctor record may not submit services ("未在乡村医生名册中登记，请联系乡镇卫生院").
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, F, Min, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from clinics.models import UserScope
from clinics.roles import Role
from clinics.selectors import get_scope, id_filter, restrict
from doctors import rules
from doctors.models import (
    DoctorAssessment,
    Licence,
    LicenceReminder,
    OutboxMessage,
    PortalMessage,
    RenewalApplication,
    TrainingAttendance,
    TrainingRule,
    TrainingSession,
    VillageDoctor,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from clinics.selectors import AnyUser, ClinicIds

# Licence states under which a doctor may practise while the licence's term covers the day.
PRACTISING_STATES = (Licence.Status.VALID, Licence.Status.RENEWAL_PENDING, Licence.Status.RENEWED)


@dataclass(frozen=True)
class PracticePermission:
    allowed: bool
    reason: str = ""


def _licence_covers(licence: Licence, on: date) -> bool:
    return licence.status in PRACTISING_STATES and licence.issued_on <= on <= licence.expires_on


def permission_for_doctor(doctor: VillageDoctor | None, licences: list[Licence], on: date) -> PracticePermission:
    """The rule behind ``practice_permission``, on already-loaded rows (licences newest first)."""
    if doctor is None:
        return PracticePermission(False, _("未在乡村医生名册中登记，请联系乡镇卫生院"))
    if doctor.status != VillageDoctor.Status.PRACTISING:
        return PracticePermission(
            False, _("您的执业状态为“%(s)s”，不能上报服务数据。") % {"s": doctor.get_status_display()}
        )
    if any(_licence_covers(lic, on) for lic in licences):
        return PracticePermission(True)
    started = [lic for lic in licences if lic.issued_on <= on]
    if not started:
        return PracticePermission(False, _("没有有效的乡村医生执业证书，不能上报服务数据。"))
    latest = started[0]
    if latest.status == Licence.Status.CANCELLED:
        return PracticePermission(
            False,
            _("执业证书 %(n)s 已注销（%(r)s），不能上报服务数据。")
            % {"n": latest.number, "r": latest.get_cancel_reason_display()},
        )
    if latest.status == Licence.Status.REFUSED:
        return PracticePermission(False, _("执业证书 %(n)s 再注册未获批准，不能上报服务数据。") % {"n": latest.number})
    return PracticePermission(
        False,
        _("执业证书 %(n)s 已于 %(d)s 过期，不能上报服务数据。请尽快办理注册。")
        % {"n": latest.number, "d": latest.expires_on.isoformat()},
    )


def practice_permission(*, user: AnyUser, on: date) -> PracticePermission:
    """Whether this village-doctor login may submit service reports on that date (two queries)."""
    if user is None or not user.is_authenticated:
        return PracticePermission(False, _("请先登录。"))
    doctor = (
        VillageDoctor.objects.filter(user_id=user.pk)
        .prefetch_related(Prefetch("licences", queryset=Licence.objects.order_by("-issued_on", "-pk")))
        .first()
    )
    return permission_for_doctor(doctor, list(doctor.licences.all()) if doctor else [], on)


def doctor_counts(*, clinic_ids: ClinicIds, on: date) -> dict[int, int]:
    """Practising doctors per clinic on that day: status 在岗执业 and a licence whose term covers the day.
    Counts by the doctor's current clinic. Clinics without any are absent. One query."""
    rows = (
        VillageDoctor.objects.filter(clinic_id__in=id_filter(clinic_ids), status=VillageDoctor.Status.PRACTISING)
        .filter(Q(licences__status__in=PRACTISING_STATES, licences__issued_on__lte=on, licences__expires_on__gte=on))
        .values("clinic_id")
        .annotate(n=Count("id", distinct=True))
    )
    return {row["clinic_id"]: row["n"] for row in rows}


def licensed_by_county(*, user: AnyUser, county_ids: Iterable[int], on: date) -> dict[int, tuple[int, int]]:
    """County id → (practising doctors whose licence covers that day, practising doctors), in the user's scope,
    counted by each doctor's current clinic and status. One query."""
    covered = Q(licences__status__in=PRACTISING_STATES, licences__issued_on__lte=on, licences__expires_on__gte=on)
    rows = (
        doctors_for(user)
        .filter(clinic__township__county_id__in=list(county_ids), status=VillageDoctor.Status.PRACTISING)
        .order_by()
        .values("clinic__township__county_id")
        .annotate(licensed=Count("id", filter=covered, distinct=True), doctors=Count("id", distinct=True))
        .values_list("clinic__township__county_id", "licensed", "doctors")
    )
    return {county: (licensed, doctors) for county, licensed, doctors in rows}


# --------------------------------------------------------------------------- scoped querysets


def doctors_for(user: AnyUser) -> QuerySet[VillageDoctor]:
    return restrict(VillageDoctor.objects.select_related("clinic__township"), user, clinic="clinic")


def licences_for(user: AnyUser) -> QuerySet[Licence]:
    return restrict(Licence.objects.select_related("doctor__clinic__township"), user, clinic="doctor__clinic")


def renewals_for(user: AnyUser) -> QuerySet[RenewalApplication]:
    return restrict(
        RenewalApplication.objects.select_related("licence__doctor__clinic__township"),
        user,
        clinic="licence__doctor__clinic",
    )


def sessions_for(user: AnyUser) -> QuerySet[TrainingSession]:
    """County sessions of the user's county, and township sessions of the user's township(s)."""
    scope = get_scope(user)
    qs = TrainingSession.objects.select_related("county", "township")
    if scope.sees_everything:
        return qs
    if scope.level is None:
        return qs.none()
    qs = qs.filter(county_id=scope.county_id)  # type: ignore[misc]  # a scope with a level has a county
    if scope.level in ("township", "clinic"):
        qs = qs.filter(Q(township__isnull=True) | Q(township_id=scope.township_id))
    return qs


def attendances_for(user: AnyUser) -> QuerySet[TrainingAttendance]:
    return restrict(
        TrainingAttendance.objects.select_related("session", "doctor__clinic"), user, clinic="doctor__clinic"
    )


def assessments_for(user: AnyUser) -> QuerySet[DoctorAssessment]:
    return restrict(DoctorAssessment.objects.select_related("doctor__clinic"), user, clinic="doctor__clinic")


def reminders_for(user: AnyUser) -> QuerySet[LicenceReminder]:
    return restrict(
        LicenceReminder.objects.select_related("licence__doctor__clinic"), user, clinic="licence__doctor__clinic"
    )


def doctor_for_user(user: User) -> VillageDoctor | None:
    return VillageDoctor.objects.select_related("clinic__township__county").filter(user_id=user.pk).first()


# --------------------------------------------------------------------------- training compliance


@dataclass(frozen=True)
class Rule:
    min_sessions: int = 2
    min_days: int = 14


def rule_for_county(county_id: int) -> Rule:
    row = TrainingRule.objects.filter(county_id=county_id).first()
    return Rule(row.min_sessions, row.min_days) if row else Rule()


def rules_for_counties(county_ids: Iterable[int]) -> dict[int, Rule]:
    found = {
        r.county_id: Rule(r.min_sessions, r.min_days) for r in TrainingRule.objects.filter(county_id__in=county_ids)
    }
    return defaultdict(Rule, found)


@dataclass
class TrainingTotals:
    sessions: int = 0
    days: int = 0
    hours: float = 0

    def meets(self, rule: Rule) -> bool:
        return self.sessions >= rule.min_sessions and self.days >= rule.min_days


def _attended(doctor_ids: Iterable[int], start: date, end: date) -> QuerySet[Any, tuple[int, date, date, Decimal]]:
    """Attended sessions starting in [start, end] of these doctors: (doctor_id, start_date, days, hours)."""
    return TrainingAttendance.objects.filter(
        doctor_id__in=doctor_ids, attended=True, session__start_date__gte=start, session__start_date__lte=end
    ).values_list("doctor_id", "session__start_date", "session__end_date", "session__hours")


def yearly_training(*, doctor_ids: Iterable[int], year: int) -> dict[int, TrainingTotals]:
    """Attended sessions and days per doctor in a calendar year (one query)."""
    totals: dict[int, TrainingTotals] = defaultdict(TrainingTotals)
    for doctor_id, start, end, hours in _attended(doctor_ids, date(year, 1, 1), date(year, 12, 31)):
        t = totals[doctor_id]
        t.sessions += 1
        t.days += (end - start).days + 1
        t.hours += float(hours)
    return totals


@dataclass
class ComplianceRow:
    doctor: VillageDoctor
    totals: TrainingTotals
    rule: Rule

    @property
    def compliant(self) -> bool:
        return self.totals.meets(self.rule)

    @property
    def sessions_missing(self) -> int:
        return max(self.rule.min_sessions - self.totals.sessions, 0)

    @property
    def days_missing(self) -> int:
        return max(self.rule.min_days - self.totals.days, 0)


def training_compliance(*, user: AnyUser, year: int, only_behind: bool = False) -> list[ComplianceRow]:
    """Each in-scope practising doctor's compliance with their county's training rule in a year (3 queries)."""
    doctors = list(
        doctors_for(user)
        .filter(status=VillageDoctor.Status.PRACTISING)
        .select_related("clinic__township")
        .order_by("clinic__township__code", "clinic__code", "name")
    )
    totals = yearly_training(doctor_ids=[d.pk for d in doctors], year=year)
    county_rules = rules_for_counties({d.clinic.township.county_id for d in doctors})
    rows = [
        ComplianceRow(d, totals.get(d.pk, TrainingTotals()), county_rules[d.clinic.township.county_id]) for d in doctors
    ]
    return [r for r in rows if not r.compliant] if only_behind else rows


# --------------------------------------------------------------------------- renewal eligibility


@dataclass
class Check:
    label: str
    ok: bool
    detail: str


@dataclass
class Eligibility:
    checks: list[Check] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        return [c.detail for c in self.checks if not c.ok]

    def as_json(self) -> dict:
        return {
            "eligible": self.eligible,
            "checks": [{"label": c.label, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def assessment_state(assessments: list[DoctorAssessment], on: date) -> tuple[str, DoctorAssessment | None]:
    """'passed' (latest assessment passed), 'failed_pending' (failed, re-assessment still possible),
    'failed_final' (failed twice), 'none'. Assessments newest first, up to ``on``."""
    past = [a for a in assessments if a.assessed_on <= on]
    if not past:
        return "none", None
    latest = past[0]
    if latest.result == DoctorAssessment.Result.PASSED:
        return "passed", latest
    if latest.is_reassessment:
        return "failed_final", latest
    return "failed_pending", latest


def renewal_eligibility(*, licence: Licence, on: date) -> Eligibility:
    """The township's automatic check: the training rule met in every licence year so far, the latest
    biennial assessment passed (within 2 years), no open disqualification."""
    doctor = licence.doctor
    result = Eligibility()
    rule = rule_for_county(doctor.clinic.township.county_id)
    years = rules.full_years_between(licence.issued_on, min(on, licence.expires_on + timedelta(days=1)))
    rows = list(_attended([doctor.pk], licence.issued_on, on))
    short = []
    for k in range(years):
        start, end = (
            rules.add_years(licence.issued_on, k),
            rules.add_years(licence.issued_on, k + 1) - timedelta(days=1),
        )
        in_year = [(s, e) for _d, s, e, _h in rows if start <= s <= end]
        sessions, days = len(in_year), sum((e - s).days + 1 for s, e in in_year)
        if sessions < rule.min_sessions or days < rule.min_days:
            short.append(_("%(a)s 至 %(b)s：%(s)s 次、%(d)s 天") % {"a": start, "b": end, "s": sessions, "d": days})
    if short:
        result.checks.append(
            Check(
                _("培训"),
                False,
                _("培训未达标（要求每年至少 %(s)s 次、%(d)s 天）：%(list)s")
                % {"s": rule.min_sessions, "d": rule.min_days, "list": "；".join(short)},
            )
        )
    else:
        result.checks.append(
            Check(
                _("培训"),
                True,
                _("证书有效期内各年度培训均达标（%(y)s 个完整年度，每年至少 %(s)s 次、%(d)s 天）")
                % {"y": years, "s": rule.min_sessions, "d": rule.min_days},
            )
        )
    state, latest = assessment_state(list(doctor.assessments.order_by("-assessed_on", "-pk")), on)
    if latest is None:  # state "none"
        result.checks.append(Check(_("考核"), False, _("没有考核记录")))
    elif state == "passed" and latest.assessed_on > rules.add_years(on, -rules.ASSESSMENT_YEARS):
        result.checks.append(Check(_("考核"), True, _("最近一次考核 %(d)s 合格") % {"d": latest.assessed_on}))
    elif state == "passed":
        result.checks.append(
            Check(_("考核"), False, _("最近一次考核为 %(d)s，已超过两年，需重新考核") % {"d": latest.assessed_on})
        )
    else:
        result.checks.append(Check(_("考核"), False, _("最近一次考核 %(d)s 不合格") % {"d": latest.assessed_on}))
    problems = []
    if doctor.status != VillageDoctor.Status.PRACTISING:
        problems.append(_("执业状态为“%(s)s”") % {"s": doctor.get_status_display()})
    if licence.status not in (Licence.Status.VALID, Licence.Status.RENEWAL_PENDING):
        problems.append(_("证书状态为“%(s)s”") % {"s": licence.get_status_display()})
    if state == "failed_final":
        problems.append(_("再次考核不合格"))
    if problems:
        result.checks.append(Check(_("执业资格"), False, _("存在不予注册的情形：%(p)s") % {"p": "、".join(problems)}))
    else:
        result.checks.append(Check(_("执业资格"), True, _("无不予注册的情形")))
    return result


# --------------------------------------------------------------------------- work lists


def current_licences(user: AnyUser) -> QuerySet[Licence]:
    """Each in-scope doctor's licences that are not superseded (one row per doctor in practice)."""
    return (
        licences_for(user).exclude(status=Licence.Status.RENEWED).filter(doctor__status=VillageDoctor.Status.PRACTISING)
    )


def expiring_within(*, user: AnyUser, on: date, days: int = 90) -> QuerySet[Licence]:
    return (
        current_licences(user)
        .filter(status=Licence.Status.VALID, expires_on__gte=on, expires_on__lte=on + timedelta(days=days))
        .order_by("expires_on")
    )


def lapsed(*, user: AnyUser, on: date) -> QuerySet[Licence]:
    return (
        current_licences(user)
        .filter(
            Q(status=Licence.Status.EXPIRED)
            | Q(status__in=[Licence.Status.VALID, Licence.Status.RENEWAL_PENDING], expires_on__lt=on)
        )
        .order_by("expires_on")
    )


def renewal_pending(*, user: AnyUser) -> QuerySet[RenewalApplication]:
    return renewals_for(user).filter(status__in=RenewalApplication.OPEN).order_by("forwarded_on", "applied_on")


def days_left(application: RenewalApplication, on: date) -> int | None:
    if application.forwarded_on is None:
        return None
    return (rules.decision_deadline(application.forwarded_on) - on).days


def is_overdue(application: RenewalApplication, on: date) -> bool:
    left = days_left(application, on)
    return application.status == RenewalApplication.Status.FORWARDED and left is not None and left < 0


def licence_counts_by_township(
    *, user: AnyUser, township_ids: Iterable[int], on: date, days: int = 90
) -> dict[int, tuple[int, int]]:
    """Township id → (licences expiring within ``days``, licences lapsed), counted as the work list
    counts them (``expiring_within`` and ``lapsed``), in the user's scope. One query."""
    expiring = Q(status=Licence.Status.VALID, expires_on__gte=on, expires_on__lte=on + timedelta(days=days))
    lapsed_q = Q(status=Licence.Status.EXPIRED) | Q(
        status__in=[Licence.Status.VALID, Licence.Status.RENEWAL_PENDING], expires_on__lt=on
    )
    rows = (
        current_licences(user)
        .filter(doctor__clinic__township_id__in=list(township_ids))
        .values("doctor__clinic__township_id")
        .annotate(expiring=Count("id", filter=expiring), lapsed=Count("id", filter=lapsed_q))
        .values_list("doctor__clinic__township_id", "expiring", "lapsed")
    )
    return {tid: (expiring_n, lapsed_n) for tid, expiring_n, lapsed_n in rows}


# --------------------------------------------------------------------------- the to-do inbox (core.inbox)


@dataclass(frozen=True)
class RenewalInbox:
    submitted: int  # waiting for the township's review
    forwarded: int  # waiting for the county's decision
    first_forwarded_on: date | None  # the oldest forwarded application: its decision deadline comes first


def renewal_inbox(*, user: AnyUser) -> RenewalInbox:
    """Open renewal applications in the user's scope, by who must act next. One query."""
    row = renewals_for(user).aggregate(
        submitted=Count("id", filter=Q(status=RenewalApplication.Status.SUBMITTED)),
        forwarded=Count("id", filter=Q(status=RenewalApplication.Status.FORWARDED)),
        first=Min("forwarded_on", filter=Q(status=RenewalApplication.Status.FORWARDED)),
    )
    return RenewalInbox(row["submitted"] or 0, row["forwarded"] or 0, row["first"])


def licence_inbox(*, user: AnyUser, on: date, days: int = 90) -> tuple[int, int]:
    """(licences expiring within ``days``, licences lapsed) in the user's scope, counted as the work list
    counts them (``expiring_within``, ``lapsed``). One query."""
    expiring = Q(status=Licence.Status.VALID, expires_on__gte=on, expires_on__lte=on + timedelta(days=days))
    lapsed_q = Q(status=Licence.Status.EXPIRED) | Q(
        status__in=[Licence.Status.VALID, Licence.Status.RENEWAL_PENDING], expires_on__lt=on
    )
    row = current_licences(user).aggregate(expiring=Count("id", filter=expiring), lapsed=Count("id", filter=lapsed_q))
    return row["expiring"] or 0, row["lapsed"] or 0


def latest_own_renewal(*, user: AnyUser) -> RenewalApplication | None:
    """A doctor's most recent renewal application (None for anyone else or none yet). One query."""
    if user is None or not user.is_authenticated or not get_scope(user).is_doctor:
        return None
    return renewals_for(user).filter(licence__doctor__user_id=user.pk).order_by("-applied_on", "-pk").first()


personal_data = logging.getLogger("personal_data")


# --------------------------------------------------------------------------- reminders: contacts, messages, outbox
# Phone numbers are personal data (docs/DESIGN.md): masked wherever shown, whole only to the staff who must call
# (the clinic's own township), and every whole number shown is logged (logger "personal_data").


def mask_mobile(mobile: str) -> str:
    """138****5678; anything that is not 11 characters shows as ****."""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else "****"


def mask_email(address: str) -> str:
    """l***@example.com: the first letter and the domain tell addresses apart; anything else shows as ****."""
    name, at, domain = address.strip().partition("@")
    return f"{name[:1]}***@{domain}" if at and name and domain else "****"


def mask_emails(addresses: str) -> str:
    """A comma-separated list of addresses (a licence reminder's 已发邮件至), each masked."""
    return ", ".join(mask_email(address) for address in addresses.split(",") if address.strip())


def log_whole_contacts_shown(*, user: AnyUser, page: str, count: int) -> None:
    """The record the design asks for when a page showed ``count`` whole mobile numbers or e-mail addresses."""
    if count:
        personal_data.info(
            "%s: %s whole mobile numbers or e-mail addresses shown to user %s", page, count, getattr(user, "pk", None)
        )


def sees_whole_contacts(*, user: AnyUser, township_id: int) -> bool:
    """Only the staff of the clinic's own township contact its doctors: they see whole mobile numbers and e-mail
    addresses; everyone else sees them masked."""
    scope = get_scope(user)
    return scope.is_township_staff and scope.township_id == township_id


@dataclass(frozen=True)
class Contact:
    """Someone a reminder reaches: a doctor of the registry (with mobile and e-mail) or a doctor login."""

    name: str
    mobile: str = ""
    email: str = ""
    user_id: int | None = None
    doctor_id: int | None = None

    def shown_mobile(self, whole: bool) -> str:
        if not self.mobile:
            return ""
        return self.mobile if whole else mask_mobile(self.mobile)


def clinic_contacts(*, clinic_ids: Iterable[int], user_ids: Iterable[int] | None = None) -> dict[int, list[Contact]]:
    """Clinic id → the practising doctors of the registry and the active doctor logins without a registry record
    (two queries). ``user_ids`` narrows to those logins (a reminder to one doctor)."""
    ids = list(clinic_ids)
    only = set(user_ids) if user_ids is not None else None
    result: dict[int, list[Contact]] = {cid: [] for cid in ids}
    registered: set[int] = set()
    doctors = (
        VillageDoctor.objects.filter(clinic_id__in=ids, status=VillageDoctor.Status.PRACTISING)
        .select_related("user")
        .order_by("clinic_id", "name", "pk")
    )
    for doctor in doctors:
        if doctor.user_id:
            registered.add(doctor.user_id)
        if only is not None and doctor.user_id not in only:
            continue
        login = doctor.user if doctor.user and doctor.user.is_active else None
        result[doctor.clinic_id].append(
            Contact(
                name=doctor.name,
                mobile=doctor.mobile,
                email=doctor.email or (login.email if login else ""),
                user_id=login.pk if login else None,
                doctor_id=doctor.pk,
            )
        )
    logins = (
        UserScope.objects.filter(clinic_id__in=ids, role=Role.VILLAGE_DOCTOR, user__is_active=True)
        .select_related("user")
        .order_by("clinic_id", "user__username")
    )
    for row in logins:
        if row.user_id in registered or (only is not None and row.user_id not in only):
            continue
        assert row.clinic_id is not None  # a doctor's scope has a clinic
        name = row.user.get_full_name() or row.user.get_username()
        result[row.clinic_id].append(Contact(name=name, email=row.user.email, user_id=row.user_id))
    return result


def last_reminders(*, clinic_ids: Iterable[int], topic: str) -> dict[int, OutboxMessage]:
    """Clinic id → the newest outbox row of a reminder about ``topic`` (one query)."""
    rows = (
        OutboxMessage.objects.filter(clinic_id__in=list(clinic_ids), topic=topic)
        .select_related("triggered_by")
        .order_by("clinic_id", "-created_at", "-pk")
    )
    newest: dict[int, OutboxMessage] = {}
    for row in rows:
        newest.setdefault(row.clinic_id, row)
    return newest


def outbox_for(user: AnyUser) -> QuerySet[OutboxMessage]:
    return restrict(
        OutboxMessage.objects.select_related("clinic__township", "triggered_by"), user, clinic="clinic"
    ).order_by("-created_at", "-pk")


def messages_for_doctor(*, user: AnyUser) -> QuerySet[PortalMessage]:
    """The logged-in doctor's own portal messages, unread first, newest first."""
    if user is None or not user.is_authenticated or not get_scope(user).is_doctor:
        return PortalMessage.objects.none()
    return PortalMessage.objects.filter(user_id=user.pk).order_by(F("read_at").asc(nulls_first=True), "-created_at")


def unread_messages(*, user: AnyUser) -> QuerySet[PortalMessage]:
    return messages_for_doctor(user=user).filter(read_at__isnull=True)


def outbox_due(*, now: datetime, ignore_wait: bool = False) -> list[int]:
    """Ids of e-mail / SMS rows to try again: queued for over 5 minutes (the worker missed them) and failed ones
    whose wait is over (``OUTBOX_RETRY_MINUTES`` doubling per attempt), below ``OUTBOX_MAX_ATTEMPTS``."""
    queued = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.QUEUED, created_at__lte=now - timedelta(minutes=5)
    )
    failed = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.FAILED, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS
    ).values_list("pk", "attempts", "attempted_at")
    due = list(queued.values_list("pk", flat=True))
    for pk, attempts, attempted_at in failed:
        if ignore_wait or attempted_at is None or attempted_at + retry_delay(attempts) <= now:
            due.append(pk)
    return sorted(due)


def retry_delay(attempts: int) -> timedelta:
    """How long a message that failed ``attempts`` times waits before the next try."""
    return timedelta(minutes=settings.OUTBOX_RETRY_MINUTES * 2 ** max(0, attempts - 1))
