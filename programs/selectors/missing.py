"""Reads of the missing-reports list (月报未报): the active clinics of the user's scope without a submitted
report for a month — none at all, a draft, or a report returned and not yet submitted again — with their doctors'
contacts, their last report and the last reminder about that month. A fixed number of queries whatever the scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import F, Max

from clinics.models import Clinic
from clinics.selectors import clinics_for
from doctors.models import OutboxMessage
from doctors.selectors import Contact, clinic_contacts, last_reminders
from programs.models import ServiceReport
from programs.selectors.periods import submission_deadline

if TYPE_CHECKING:
    from clinics.selectors import AnyUser

WAITING = (ServiceReport.Status.DRAFT, ServiceReport.Status.RETURNED)


def reminder_topic(year: int, month: int) -> str:
    """The outbox topic of a reminder about a month's report (one reminder per clinic and month at a time)."""
    return f"report:{year}-{month:02d}"


@dataclass
class MissingClinic:
    clinic: Clinic
    report: ServiceReport | None
    contacts: list[Contact] = field(default_factory=list)
    last_month: tuple[int, int] | None = None  # the newest month the clinic submitted
    last_submitted_at: datetime | None = None
    last_reminder: OutboxMessage | None = None

    @property
    def returned(self) -> bool:
        return self.report is not None and self.report.status == ServiceReport.Status.RETURNED

    @property
    def draft(self) -> bool:
        return self.report is not None and self.report.status == ServiceReport.Status.DRAFT


@dataclass
class MissingReports:
    year: int
    month: int
    deadline: date
    clinics: int  # active clinics in the list's scope
    rows: list[MissingClinic]

    @property
    def unreported(self) -> int:
        """No report or a draft (the dashboard's 月报未报); the returned ones are counted apart."""
        return sum(1 for r in self.rows if not r.returned)

    @property
    def returned(self) -> int:
        return sum(1 for r in self.rows if r.returned)


def missing_reports(*, user: AnyUser, year: int, month: int, township_id: int | None = None) -> MissingReports:
    clinics = clinics_for(user).filter(status=Clinic.Status.ACTIVE)
    if township_id:
        clinics = clinics.filter(township_id=township_id)
    clinic_list = list(clinics.order_by("township__code", "code"))
    ids = [c.pk for c in clinic_list]
    reports = {
        r.clinic_id: r
        for r in ServiceReport.objects.filter(clinic_id__in=ids, year=year, month=month).only(
            "pk", "clinic_id", "status", "return_comment", "year", "month"
        )
    }
    rows = [
        MissingClinic(clinic=c, report=reports.get(c.pk))
        for c in clinic_list
        if c.pk not in reports or reports[c.pk].status in WAITING
    ]
    missing_ids = [r.clinic.pk for r in rows]
    if missing_ids:
        contacts = clinic_contacts(clinic_ids=missing_ids)
        last = {
            row["clinic_id"]: row
            for row in ServiceReport.objects.filter(clinic_id__in=missing_ids)
            .exclude(status=ServiceReport.Status.DRAFT)
            .values("clinic_id")
            .annotate(newest=Max(F("year") * 100 + F("month")), at=Max("submitted_at"))
            .order_by()
        }
        reminders = last_reminders(clinic_ids=missing_ids, topic=reminder_topic(year, month))
        for row in rows:
            row.contacts = contacts.get(row.clinic.pk, [])
            if found := last.get(row.clinic.pk):
                row.last_month = divmod(found["newest"], 100)
                row.last_submitted_at = found["at"]
            row.last_reminder = reminders.get(row.clinic.pk)
    return MissingReports(
        year=year,
        month=month,
        deadline=submission_deadline(year=year, month=month),
        clinics=len(clinic_list),
        rows=rows,
    )
