"""Reminders to clinics that have not submitted a month's report (催报): an in-portal message, an e-mail and a text
message to each doctor, through ``doctors.services.send_reminder`` (which records them in the outbox and refuses a
second reminder of the same clinic about the same month within ``REMINDER_REPEAT_HOURS``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.models import Clinic
from core.forms import joined_messages
from doctors.models import OutboxMessage
from doctors.services import send_reminder
from programs.models import ServiceReport
from programs.selectors.missing import WAITING, missing_reports, reminder_topic
from programs.selectors.periods import submission_deadline

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass
class Reminded:
    sent: list[tuple[Clinic, list[OutboxMessage]]] = field(default_factory=list)
    refused: list[tuple[Clinic, str]] = field(default_factory=list)

    @property
    def messages(self) -> list[OutboxMessage]:
        return [m for _clinic, rows in self.sent for m in rows]


def _wording(clinic: Clinic, year: int, month: int, returned: bool) -> tuple[str, str]:
    subject = _("请上报%(y)s年%(m)s月月报") % {"y": year, "m": month}
    values = {
        "clinic": clinic.name,
        "y": year,
        "m": month,
        "deadline": submission_deadline(year=year, month=month).strftime("%m-%d"),
        "centre": clinic.township.health_center_name,
    }
    if returned:
        subject = _("请修改后重新提交%(y)s年%(m)s月月报") % {"y": year, "m": month}
        text = _(
            "%(clinic)s：%(y)s年%(m)s月的月报已被退回，还没有重新提交。请登录村医工作台，按退回意见修改后提交；有疑问请联系%(centre)s。"
        )
    else:
        text = _(
            "%(clinic)s：%(y)s年%(m)s月的公共卫生服务月报还没有提交（截止 %(deadline)s）。请登录村医工作台填报并提交；有困难请联系%(centre)s。"
        )
    return subject, text % values


@transaction.atomic
def remind_missing_report(*, user: User, clinic: Clinic, year: int, month: int) -> list[OutboxMessage]:
    """提醒 one clinic about its missing (or returned) report of a month; refused when it has been submitted."""
    report = ServiceReport.objects.filter(clinic=clinic, year=year, month=month).first()
    if report is not None and report.status not in WAITING:
        raise ValidationError(
            _("%(clinic)s 已提交%(m)s月月报（%(state)s），不用再提醒。")
            % {"clinic": clinic.name, "m": month, "state": report.get_status_display()},
            code="reported",
        )
    returned = report is not None and report.status == ServiceReport.Status.RETURNED
    return _remind(user=user, clinic=clinic, year=year, month=month, returned=returned)


def _remind(*, user: User, clinic: Clinic, year: int, month: int, returned: bool) -> list[OutboxMessage]:
    subject, text = _wording(clinic, year, month, returned)
    return send_reminder(
        user=user,
        clinic=clinic,
        topic=reminder_topic(year, month),
        subject=subject,
        text=text,
        link=reverse("portal_reports:report", args=[year, month]),
    )


@transaction.atomic
def remind_all_missing(*, user: User, year: int, month: int, township_id: int | None = None) -> Reminded:
    """全部提醒: every clinic of the user's list (scope, township) still missing the month. A clinic reminded
    within the repeat window, or with nobody to reach, is left out and named in ``refused``."""
    result = Reminded()
    listing = missing_reports(user=user, year=year, month=month, township_id=township_id)
    for row in listing.rows:
        try:
            with transaction.atomic():
                rows = _remind(user=user, clinic=row.clinic, year=year, month=month, returned=row.returned)
        except ValidationError as exc:
            result.refused.append((row.clinic, joined_messages(exc)))
        else:
            result.sent.append((row.clinic, rows))
    return result
