"""Changes to village doctors, licences, renewals, trainings and assessments.

Every function is keyword-only and atomic, checks who may do it, and raises ``ValidationError`` with
a Chinese message on bad input (nothing is written then).
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Clinic
from clinics.roles import Role
from clinics.selectors import can_manage_clinic, get_scope
from clinics.services import assign_role, move_doctor_user_to_clinic
from core import audit, sms
from core.versioning import bump, check_version
from doctors import rules, selectors, tasks
from doctors.models import (
    DoctorAssessment,
    Licence,
    LicenceReminder,
    OutboxMessage,
    PortalMessage,
    RenewalApplication,
    TrainingAttendance,
    TrainingSession,
    VillageDoctor,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


def ensure_may_submit_services(*, user: User | None, on: date) -> None:
    """Raise ValidationError(reason) unless this doctor login may submit service reports on that day."""
    permission = selectors.practice_permission(user=user, on=on)
    if not permission.allowed:
        raise ValidationError(permission.reason)


def _ensure_staff_for(user: User | None, doctor: VillageDoctor) -> None:
    if user is None:  # trusted command-line / demo
        return
    if not can_manage_clinic(user, doctor.clinic):
        raise ValidationError(_("该医生不在您的管辖范围内。"))


# --------------------------------------------------------------------------- doctors

# No 0/O, 1/I/L: the clerk reads the temporary password out to the doctor, often over the phone.
TEMPORARY_PASSWORD_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TEMPORARY_PASSWORD_LENGTH = 10


@transaction.atomic
@audit.by_user
def reset_doctor_password(*, user: User, doctor: VillageDoctor) -> str:
    """A doctor who forgot the password gets a temporary one from the township (村医没有邮箱找回): returns it,
    to be shown once to the clerk and told to the doctor. The doctor's change history records who reset it and
    when; the password is stored only as Django's hash."""
    _ensure_staff_for(user, doctor)
    if doctor.user_id is None:
        raise ValidationError(_("该医生还没有登录账号，无需重置密码。"))
    login = get_user_model().objects.select_for_update().get(pk=doctor.user_id)
    if not login.is_active:
        raise ValidationError(_("该医生的登录账号已停用，不能重置密码。"))
    password = "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _i in range(TEMPORARY_PASSWORD_LENGTH))
    login.set_password(password)
    login.save(update_fields=["password"])
    doctor.password_reset_at = timezone.now()
    with audit.action(reason=_("卫生院重置登录密码")):
        doctor.save(update_fields=["password_reset_at"])
    return password


@transaction.atomic
def move_doctor(
    *, doctor: VillageDoctor, to_clinic: Clinic, moved_on: date, user: User | None = None, reason: str = ""
) -> VillageDoctor:
    """变更注册: move a doctor to another clinic, keep the history, and move their login's scope."""
    doctor = VillageDoctor.objects.select_for_update().select_related("clinic__township").get(pk=doctor.pk)
    if to_clinic.pk == doctor.clinic_id:
        raise ValidationError(_("新卫生室与原卫生室相同。"))
    if user is not None:
        _ensure_staff_for(user, doctor)
        if not can_manage_clinic(user, to_clinic):
            raise ValidationError(_("目标卫生室不在您的管辖范围内。"))
    doctor.moves.create(
        from_clinic_id=doctor.clinic_id, to_clinic=to_clinic, moved_on=moved_on, reason=reason, recorded_by=user
    )
    doctor.clinic = to_clinic
    doctor.save(update_fields=["clinic"])
    if doctor.user_id and doctor.user is not None:
        move_doctor_user_to_clinic(user=doctor.user, clinic=to_clinic)
    return doctor


@transaction.atomic
def link_login(*, doctor: VillageDoctor, login: User) -> VillageDoctor:
    """Tie a doctor to their portal login and give it the 村医 role at the doctor's clinic."""

    doctor.user = login
    doctor.full_clean(exclude=["clinic"])
    doctor.save(update_fields=["user"])
    assign_role(user=login, role=Role.VILLAGE_DOCTOR, clinic=doctor.clinic)
    return doctor


# --------------------------------------------------------------------------- licences


@transaction.atomic
def create_licence(
    *,
    doctor: VillageDoctor,
    number: str,
    issued_on: date,
    type: str | None = None,
    expires_on: date | None = None,
    user: User | None = None,
) -> Licence:
    _ensure_staff_for(user, doctor)
    licence = Licence(
        doctor=doctor,
        number=(number or "").strip(),
        type=type or doctor.qualification,
        issued_on=issued_on,
        expires_on=expires_on or rules.licence_expiry(issued_on),
    )
    licence.full_clean()
    licence.save()
    return licence


@transaction.atomic
def cancel_licence(*, licence: Licence, reason: str, note: str = "", user: User | None = None) -> Licence:
    """注销: death, criminal penalty, practice suspended 2 years, failed assessment."""
    licence = Licence.objects.select_for_update().select_related("doctor__clinic__township").get(pk=licence.pk)
    _ensure_staff_for(user, licence.doctor)
    if reason not in Licence.CancelReason.values:
        raise ValidationError({"cancel_reason": _("请选择注销原因。")})
    if licence.status == Licence.Status.CANCELLED:
        raise ValidationError(_("该证书已注销。"))
    licence.status = Licence.Status.CANCELLED
    licence.cancel_reason = reason
    licence.status_note = note
    with audit.action(user=user, reason=Licence.CancelReason(reason).label + (f"：{note}" if note else "")):
        licence.save(update_fields=["status", "cancel_reason", "status_note", *bump(licence, user)])
        for application in RenewalApplication.objects.select_for_update().filter(
            licence=licence, status__in=RenewalApplication.OPEN
        ):
            application.status, application.decision_reason = RenewalApplication.Status.REFUSED, _("证书已注销")
            application.save(update_fields=["status", "decision_reason", *bump(application, user)])
        if reason == Licence.CancelReason.DEATH:
            doctor = licence.doctor
            doctor.status = VillageDoctor.Status.DEREGISTERED
            doctor.save(update_fields=["status"])
    return licence


@transaction.atomic
def expire_lapsed_licences(*, on: date) -> int:
    """Mark licences whose term ended before ``on`` (and were not renewed) as expired."""
    lapsed = Licence.objects.select_for_update().filter(
        status__in=[Licence.Status.VALID, Licence.Status.RENEWAL_PENDING], expires_on__lt=on
    )
    count = 0
    with audit.action(reason=_("证书到期未再注册")):
        for licence in lapsed:  # one save each (a day's few), so the change history records them
            licence.status = Licence.Status.EXPIRED
            licence.save(update_fields=["status", *bump(licence, None)])
            count += 1
    return count


# --------------------------------------------------------------------------- renewal workflow


def _may_apply(user: User | None, doctor: VillageDoctor) -> bool:
    if user is None:
        return True
    scope = get_scope(user)
    if scope.is_doctor:
        return doctor.user_id == user.pk
    return can_manage_clinic(user, doctor.clinic)


@transaction.atomic
def apply_for_renewal(*, licence: Licence, user: User | None, on: date, note: str = "") -> RenewalApplication:
    """The doctor (or staff on their behalf) applies within the window: from 3 months before expiry
    through the expiry date."""
    licence = Licence.objects.select_for_update().select_related("doctor__clinic__township").get(pk=licence.pk)
    doctor = licence.doctor
    if not _may_apply(user, doctor):
        raise ValidationError(_("您不能为这位医生申请再注册。"))
    if (
        licence.status == Licence.Status.RENEWAL_PENDING
        or licence.renewals.filter(status__in=RenewalApplication.OPEN).exists()
    ):
        raise ValidationError(_("这本证书已有正在审核的再注册申请。"))
    if licence.status != Licence.Status.VALID:
        raise ValidationError(_("证书状态为“%(s)s”，不能申请再注册。") % {"s": licence.get_status_display()})
    opens = rules.renewal_window_opens(licence.expires_on)
    if on < opens:
        raise ValidationError(_("再注册申请自 %(d)s 起受理（有效期届满前 3 个月），现在还不能申请。") % {"d": opens})
    if on > licence.expires_on:
        raise ValidationError(
            _("证书已于 %(d)s 过期，超过了再注册申请期限，请联系乡镇卫生院重新办理注册。") % {"d": licence.expires_on}
        )
    eligibility = selectors.renewal_eligibility(licence=licence, on=on)
    application = RenewalApplication.objects.create(
        licence=licence,
        applied_on=on,
        applied_by=user,
        applicant_note=note.strip(),
        on_behalf=bool(user is not None and not get_scope(user).is_doctor),
        eligibility=eligibility.as_json(),
    )
    licence.status = Licence.Status.RENEWAL_PENDING
    licence.save(update_fields=["status"])
    return application


def _locked_application(application: RenewalApplication, version: int | None = None) -> RenewalApplication:
    """The application locked for update; refused when it changed since the page was shown (``version``)."""
    application = (
        RenewalApplication.objects.select_for_update()
        .select_related("licence__doctor__clinic__township")
        .get(pk=application.pk)
    )
    check_version(application, version)
    return application


@transaction.atomic
def save_licence(*, user: User | None, instance: Licence, version: int | None = None) -> Licence:
    """A licence's details changed in the admin (number, type, dates); ``version``: the form's."""
    doctor = VillageDoctor.objects.select_related("clinic__township").get(pk=instance.doctor_id)
    _ensure_staff_for(user, doctor)
    if instance.pk is not None:
        current = Licence.objects.select_for_update().select_related("doctor__clinic").get(pk=instance.pk)
        _ensure_staff_for(user, current.doctor)
        check_version(current, version)
        instance.version = current.version
    if not instance.expires_on and instance.issued_on:
        instance.expires_on = rules.licence_expiry(instance.issued_on)
    bump(instance, user)
    instance.save()
    return instance


@transaction.atomic
def township_review(
    *,
    application: RenewalApplication,
    user: User | None,
    forward: bool,
    note: str = "",
    on: date,
    version: int | None = None,
) -> RenewalApplication:
    """The township re-runs the eligibility check, then forwards to the county or returns the
    application with a reason (the licence is then valid again and the doctor may re-apply)."""
    application = _locked_application(application, version)
    doctor = application.licence.doctor
    scope = get_scope(user)
    if not (scope.sees_everything or (scope.is_township_staff and scope.township_id == doctor.clinic.township_id)):
        raise ValidationError(_("只有该医生所在乡镇卫生院的工作人员可以审核。"))
    if application.status != RenewalApplication.Status.SUBMITTED:
        raise ValidationError(_("该申请已审核过（当前状态：%(s)s）。") % {"s": application.get_status_display()})
    eligibility = selectors.renewal_eligibility(licence=application.licence, on=on)
    application.eligibility = eligibility.as_json()
    application.reviewed_by = user
    application.review_note = note.strip()
    if forward:
        if not eligibility.eligible and not application.review_note:
            raise ValidationError({"note": _("该医生未通过资格审查，如仍要报送卫健局，请填写理由。")})
        application.status = RenewalApplication.Status.FORWARDED
        application.forwarded_on = on
    else:
        if not application.review_note:
            raise ValidationError({"note": _("退回申请时请填写原因。")})
        application.status = RenewalApplication.Status.RETURNED
        licence = application.licence
        licence.status = Licence.Status.VALID
        licence.save(update_fields=["status", *bump(licence, user)])
    bump(application, user)
    application.save()
    return application


def next_licence_number(*, county_code: str, year: int) -> str:
    prefix = f"{county_code}-{year}-"
    taken = set(Licence.objects.filter(number__startswith=prefix).values_list("number", flat=True))
    n = len(taken) + 1
    while f"{prefix}{n:05d}" in taken:
        n += 1
    return f"{prefix}{n:05d}"


@transaction.atomic
def county_decide(
    *,
    application: RenewalApplication,
    user: User | None,
    approve: bool,
    reason: str = "",
    on: date,
    new_number: str = "",
    version: int | None = None,
) -> RenewalApplication:
    """The county admin of the doctor's county approves (a new licence with a new number and a new
    5-year term, following on from the old one) or refuses (with a reason, which the doctor reads on the
    portal)."""
    application = _locked_application(application, version)
    licence = application.licence
    doctor = licence.doctor
    scope = get_scope(user)
    if not (
        scope.sees_everything
        or (scope.role == Role.COUNTY_ADMIN and scope.county_id == doctor.clinic.township.county_id)
    ):
        raise ValidationError(_("只有该医生所在县的卫健局可以审批再注册。"))
    if application.status != RenewalApplication.Status.FORWARDED:
        raise ValidationError(_("该申请不在待审批状态（当前状态：%(s)s）。") % {"s": application.get_status_display()})
    application.decided_by = user
    application.decided_on = on
    application.decision_reason = reason.strip()
    if approve:
        issued_on = max(licence.expires_on + timedelta(days=1), on)
        number = new_number.strip() or next_licence_number(
            county_code=doctor.clinic.township.county.code, year=issued_on.year
        )
        new = Licence(
            doctor=doctor,
            number=number,
            type=licence.type,
            issued_on=issued_on,
            expires_on=rules.licence_expiry(issued_on),
            previous=licence,
        )
        new.full_clean()
        new.save()
        licence.status = Licence.Status.RENEWED
        application.status = RenewalApplication.Status.APPROVED
        application.new_licence = new
    else:
        if not application.decision_reason:
            raise ValidationError({"reason": _("不予批准时必须填写原因。")})
        licence.status = Licence.Status.REFUSED
        licence.status_note = application.decision_reason
        application.status = RenewalApplication.Status.REFUSED
    licence.save(update_fields=["status", "status_note", *bump(licence, user)])
    bump(application, user)
    application.save()
    return application


# --------------------------------------------------------------------------- trainings and assessments


def _to_score(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value))
    except Exception:
        raise ValidationError(_("成绩必须是数字。")) from None
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError(_("成绩应在 0 到 100 之间。"))
    return score


@transaction.atomic
def record_attendance(
    *,
    session: TrainingSession,
    doctor: VillageDoctor,
    user: User | None,
    attended: bool = True,
    written_score: object = None,
    oral_score: object = None,
) -> TrainingAttendance:
    """培训记录 with exam scores. A clerk may only record doctors of their own township, and only
    for sessions of the doctor's county."""
    if user is not None and not can_manage_clinic(user, doctor.clinic):
        raise ValidationError(_("医生“%(n)s”不在您的管辖范围内，不能登记出勤。") % {"n": doctor.name})
    if session.county_id != doctor.clinic.township.county_id:
        raise ValidationError(_("这次培训不属于该医生所在的县。"))
    row, _created = TrainingAttendance.objects.update_or_create(
        session=session,
        doctor=doctor,
        defaults={
            "attended": attended,
            "written_score": _to_score(written_score),
            "oral_score": _to_score(oral_score),
            "recorded_by": user,
        },
    )
    return row


@transaction.atomic
def record_assessment(
    *, doctor: VillageDoctor, assessed_on: date, result: str, user: User | None, score: object = None, note: str = ""
) -> DoctorAssessment:
    """Biennial assessment. After a failure, the next assessment within 6 months is the re-assessment;
    failing it cancels the current licence (reason: failed assessment)."""
    doctor = VillageDoctor.objects.select_related("clinic__township").get(pk=doctor.pk)
    _ensure_staff_for(user, doctor)
    if result not in DoctorAssessment.Result.values:
        raise ValidationError({"result": _("请选择考核结果。")})
    previous = doctor.assessments.filter(assessed_on__lt=assessed_on).order_by("-assessed_on", "-pk").first()
    is_re = bool(previous and previous.result == DoctorAssessment.Result.FAILED and not previous.is_reassessment)
    if is_re and previous is not None and assessed_on > rules.reassessment_deadline(previous.assessed_on):
        raise ValidationError(
            {
                "assessed_on": _("补考须在上次考核不合格后 6 个月内（%(d)s 前）进行。")
                % {"d": rules.reassessment_deadline(previous.assessed_on)}
            }
        )
    row = DoctorAssessment(
        doctor=doctor,
        assessed_on=assessed_on,
        result=result,
        score=_to_score(score),
        is_reassessment=is_re,
        note=note,
        recorded_by=user,
    )
    row.full_clean()
    row.save()
    if is_re and result == DoctorAssessment.Result.FAILED:
        for licence in doctor.licences.filter(status__in=[Licence.Status.VALID, Licence.Status.RENEWAL_PENDING]):
            cancel_licence(
                licence=licence,
                reason=Licence.CancelReason.FAILED_ASSESSMENT,
                note=_("%(d)s 再次考核不合格") % {"d": assessed_on},
                user=None,
            )
    return row


# --------------------------------------------------------------------------- reminders


def reminder_threshold(days_to_expiry: int) -> int | None:
    """The tightest reminder threshold (90, 30, 7) a licence has reached, or None."""
    reached = [d for d in rules.REMINDER_DAYS if 0 <= days_to_expiry <= d]
    return min(reached) if reached else None


def send_licence_reminders(*, on: date) -> list[LicenceReminder]:
    """Remind each doctor and their township at 90, 30 and 7 days before expiry, once per threshold.
    A missed day catches up: the tightest reached threshold not yet sent is sent."""

    sent = []
    candidates = (
        Licence.objects.filter(
            status=Licence.Status.VALID,
            doctor__status=VillageDoctor.Status.PRACTISING,
            expires_on__gte=on,
            expires_on__lte=on + timedelta(days=max(rules.REMINDER_DAYS)),
        )
        .select_related("doctor__clinic__township", "doctor__user")
        .prefetch_related("reminders")
    )
    staff_emails: dict[int, list[str]] = {}
    for row in (
        get_user_model()
        .objects.filter(scope__role=Role.TOWNSHIP_STAFF, is_active=True)
        .exclude(email="")
        .values_list("scope__township_id", "email")
    ):
        staff_emails.setdefault(row[0], []).append(row[1])
    for licence in candidates:
        threshold = reminder_threshold((licence.expires_on - on).days)
        if threshold is None or any(r.days_before <= threshold for r in licence.reminders.all()):
            continue
        doctor = licence.doctor
        recipients = [e for e in {doctor.email, getattr(doctor.user, "email", "")} if e]
        recipients += staff_emails.get(doctor.clinic.township_id, [])
        try:
            with transaction.atomic():
                reminder = LicenceReminder.objects.create(
                    licence=licence, days_before=threshold, sent_on=on, emailed_to=", ".join(recipients)[:500]
                )
        except IntegrityError:
            continue
        if recipients:
            subject = _("执业证书到期提醒：%(name)s 的证书将于 %(d)s 到期") % {
                "name": doctor.name,
                "d": licence.expires_on,
            }
            body = _(
                "%(name)s（%(clinic)s）的乡村医生执业证书 %(n)s 将于 %(d)s 到期（还有 %(left)s 天）。"
                "请在到期前登录村医工作台申请再注册，或由乡镇卫生院代为申请。"
            ) % {
                "name": doctor.name,
                "clinic": doctor.clinic.name,
                "n": licence.number,
                "d": licence.expires_on,
                "left": (licence.expires_on - on).days,
            }
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)
        sent.append(reminder)
    return sent


# --------------------------------------------------------------------------- reminders and the outbox
# A reminder (提醒) reaches each doctor of a clinic by every channel they have: an in-portal message (a login),
# an e-mail (an address) and a text message (a mobile number, through settings.SMS_BACKEND). Each is one
# OutboxMessage; e-mail and SMS are delivered by the background worker (doctors.tasks.deliver_outbox) and a
# failure is retried (the worker again later, `manage.py send_outbox`, or the outbox page's 重发).


def _too_soon_message(last: OutboxMessage, clinic: Clinic, hours: int) -> str:
    who = last.triggered_by.get_full_name() or last.triggered_by.get_username() if last.triggered_by else _("系统")
    again = timezone.localtime(last.created_at + timedelta(hours=hours))
    return _(
        "%(clinic)s 已于 %(time)s 由 %(who)s 提醒过，%(hours)s 小时内不再重复提醒（以免打扰）；%(again)s 以后可以再次提醒。"
    ) % {
        "clinic": clinic.name,
        "time": timezone.localtime(last.created_at).strftime("%m-%d %H:%M"),
        "who": who,
        "hours": hours,
        "again": again.strftime("%m-%d %H:%M"),
    }


@transaction.atomic
def send_reminder(
    *,
    user: User | None,
    clinic: Clinic,
    topic: str,
    subject: str,
    text: str,
    link: str = "",
    user_ids: list[int] | None = None,
) -> list[OutboxMessage]:
    """Remind the doctors of one clinic (``user_ids``: only these doctor logins) about ``topic``; the e-mail and
    SMS rows are handed to the worker (``doctors.tasks.deliver_outbox``) when the transaction commits.

    Refused (``ValidationError``, code ``too_soon``) when the clinic was reminded of the same topic within
    ``settings.REMINDER_REPEAT_HOURS``; refused when nobody can be reached. The portal messages are written at
    once (sent); the e-mail and SMS rows are queued for ``deliver_outbox``."""
    if user is not None and not can_manage_clinic(user, clinic):
        raise ValidationError(_("您不能提醒这个村卫生室。"), code="scope")
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()  # one reminder of a clinic at a time
    now = timezone.now()
    hours = settings.REMINDER_REPEAT_HOURS
    last = (
        OutboxMessage.objects.filter(clinic=clinic, topic=topic, created_at__gt=now - timedelta(hours=hours))
        .select_related("triggered_by")
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is not None:
        raise ValidationError(_too_soon_message(last, clinic, hours), code="too_soon")
    contacts = selectors.clinic_contacts(clinic_ids=[clinic.pk], user_ids=user_ids)[clinic.pk]
    if not contacts:
        raise ValidationError(
            _("%(clinic)s 没有在岗村医，也没有村医账号，无法提醒。请先在“乡村医生名册”登记村医和手机号。")
            % {"clinic": clinic.name},
            code="nobody",
        )
    rows: list[OutboxMessage] = []
    common = {"clinic": clinic, "topic": topic, "subject": subject, "triggered_by": user, "created_at": now}
    for contact in contacts:
        if contact.user_id:
            message = PortalMessage.objects.create(
                user_id=contact.user_id,
                clinic=clinic,
                title=subject,
                text=text,
                link=link,
                sent_by=user,
                created_at=now,
            )
            rows.append(
                OutboxMessage.objects.create(
                    **common,
                    channel=OutboxMessage.Channel.PORTAL,
                    recipient_name=contact.name,
                    user_id=contact.user_id,
                    text=text,
                    portal_message=message,
                    status=OutboxMessage.Status.SENT,
                    attempts=1,
                    attempted_at=now,
                    sent_at=now,
                )
            )
        if contact.email:
            rows.append(
                OutboxMessage.objects.create(
                    **common,
                    channel=OutboxMessage.Channel.EMAIL,
                    recipient_name=contact.name,
                    address=contact.email,
                    user_id=contact.user_id,
                    text=text,
                )
            )
        if contact.mobile:
            rows.append(
                OutboxMessage.objects.create(
                    **common,
                    channel=OutboxMessage.Channel.SMS,
                    recipient_name=contact.name,
                    address=contact.mobile,
                    user_id=contact.user_id,
                    text=_("【%(sender)s】%(text)s") % {"sender": clinic.township.health_center_name, "text": text},
                )
            )
    # The e-mail and SMS rows go to the worker once they are committed (an outer transaction that rolls back
    # sends nothing); every caller of a reminder gets its delivery this way.
    transaction.on_commit(lambda: tasks.queue_delivery(rows))
    return rows


def _deliver(message: OutboxMessage) -> str:
    """Hand one e-mail or text message to its backend; the provider's id."""
    if message.channel == OutboxMessage.Channel.EMAIL:
        EmailMessage(message.subject, message.text, settings.DEFAULT_FROM_EMAIL, [message.address]).send()
        return ""
    if message.channel == OutboxMessage.Channel.SMS:
        return str(sms.send(message.address, message.text))[:100]
    return ""


@transaction.atomic
def deliver_message(*, message_id: int) -> OutboxMessage | None:
    """Try to send one queued or failed outbox message (a sent one is left alone); None when it is gone."""
    message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.status == OutboxMessage.Status.SENT:
        return message
    message.attempts += 1
    message.attempted_at = timezone.now()
    try:
        message.provider_id = _deliver(message)
    except Exception as exc:  # any backend failure is recorded on the row and retried later
        logger.warning("outbox %s: %s failed", message.pk, message.channel, exc_info=True)
        message.status = OutboxMessage.Status.FAILED
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
    else:
        message.status = OutboxMessage.Status.SENT
        message.sent_at = message.attempted_at
        message.last_error = ""
    message.save(update_fields=["attempts", "attempted_at", "provider_id", "status", "sent_at", "last_error"])
    return message


@transaction.atomic
def retry_message(*, user: User, message: OutboxMessage) -> OutboxMessage:
    """重发: send a failed message again now (staff of its clinic's township or county)."""
    if not can_manage_clinic(user, message.clinic):
        raise ValidationError(_("您不能重发这条消息。"), code="scope")
    if message.status != OutboxMessage.Status.FAILED:
        raise ValidationError(
            _("只有发送失败的消息可以重发；这条消息%(state)s。") % {"state": message.get_status_display()}
        )
    delivered = deliver_message(message_id=message.pk)
    assert delivered is not None
    return delivered


@transaction.atomic
def mark_message_read(*, user: User, message: PortalMessage) -> PortalMessage:
    if message.user_id != user.pk:
        raise ValidationError(_("这条消息不是发给您的。"))
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message
