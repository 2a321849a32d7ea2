"""Reads of the complaints register, scoped like every other read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from clinics.selectors import id_filter, restrict
from programs.models import Complaint, ComplaintRule
from programs.models.complaints import DEFAULT_ANSWER_HOURS

if TYPE_CHECKING:
    from clinics.selectors import AnyUser, ClinicIds


def complaints_for(user: AnyUser) -> QuerySet[Complaint]:
    return restrict(Complaint.objects.select_related("clinic__township"), user, clinic="clinic")


def answer_hours(*, county_id: int) -> int:
    """Working hours a county gives to answer a complaint (its rule, or the default of five working days)."""
    rule = ComplaintRule.objects.filter(county_id=county_id).values_list("answer_within_hours", flat=True).first()
    return rule or DEFAULT_ANSWER_HOURS


def founded_counts(
    *, clinic_ids: ClinicIds, start: datetime, end: datetime, kinds: Iterable[str] | None = None
) -> dict[int, int]:
    """Clinic id → founded complaints received in [start, end) — what a score sheet's complaints item deducts
    for. ``kinds``: only these kinds (None: every kind). One query. Trusted: the caller scoped ``clinic_ids``."""
    rows = Complaint.objects.filter(
        clinic_id__in=id_filter(clinic_ids),
        finding=Complaint.Finding.FOUNDED,
        received_at__gte=start,
        received_at__lt=end,
    )
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return dict(rows.values("clinic_id").annotate(n=Count("pk")).values_list("clinic_id", "n").order_by())


def complaint_inbox(*, user: AnyUser) -> tuple[int, int]:
    """(complaints in the user's scope still waiting for an answer, those of them past their deadline): one query."""
    counts = (
        complaints_for(user)
        .filter(status=Complaint.Status.OPEN)
        .aggregate(waiting=Count("pk"), late=Count("pk", filter=Q(due_at__lt=timezone.now())))
    )
    return counts["waiting"], counts["late"]
