"""The complaints register (programs.models.complaints): record, answer, close.

Who: the township health center's staff for its clinics, the county for its county (``can_manage_clinic``). A
complaint's own facts (clinic, source, kind, when, what) are fixed once recorded; the answer, then the finding,
are the changes that follow, each kept in the history with who and when. A closed complaint does not change.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Clinic
from clinics.selectors import can_manage_clinic
from core import audit
from core.versioning import bump, check_version
from core.workcalendar import add_working_hours
from programs.models import Complaint, SampleEntry
from programs.selectors.complaints import answer_hours

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _ensure_may_handle(user: User | None, clinic: Clinic) -> None:
    if user is not None and not can_manage_clinic(user, clinic):
        raise PermissionDenied


@transaction.atomic
@audit.by_user
def record_complaint(
    *,
    user: User | None,
    clinic: Clinic,
    source: str,
    kind: str,
    received_at: datetime,
    description: str,
    complainant: str = "",
    sample_entry: SampleEntry | None = None,
) -> Complaint:
    """A complaint as it was received; its answer is due the county's number of working hours later."""
    _ensure_may_handle(user, clinic)
    complaint = Complaint(
        clinic=clinic,
        source=source,
        kind=kind,
        received_at=received_at,
        due_at=add_working_hours(timezone.localtime(received_at), answer_hours(county_id=clinic.township.county_id)),
        complainant=complainant.strip(),
        description=description.strip(),
        sample_entry=sample_entry,
        recorded_by=user,
    )
    errors: dict[str, list[str]] = {}
    try:  # the model's own rules: a source and a kind among the choices, a description within its length
        complaint.full_clean(exclude=["clinic", "sample_entry", "recorded_by"])
    except ValidationError as exc:
        errors = exc.message_dict
    if received_at > timezone.now():
        errors.setdefault("received_at", []).append(_("受理时间不能晚于现在。"))
    if errors:
        raise ValidationError(errors)
    complaint.save()
    return complaint


@transaction.atomic
@audit.by_user
def handle_complaint(
    *, user: User | None, complaint: Complaint, answer: str, finding: str = "", version: int | None = None
) -> Complaint:
    """Record the answer (it may be corrected until the complaint is closed), and with a finding, close it."""
    complaint = Complaint.objects.select_for_update().select_related("clinic__township").get(pk=complaint.pk)
    _ensure_may_handle(user, complaint.clinic)
    check_version(complaint, version)
    if complaint.status == Complaint.Status.CLOSED:
        raise ValidationError(_("这条投诉已经办结，不能再修改。"))
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("请填写答复内容。")})
    if finding and finding not in Complaint.Finding.values:
        raise ValidationError({"finding": _("请选择核实结论。")})
    now = timezone.now()
    changed = ["answer", "status", *bump(complaint, user)]
    if complaint.answered_at is None:
        complaint.answered_at = now  # the first answer is the one the deadline is measured against
        changed.append("answered_at")
    complaint.answer = answer
    complaint.status = Complaint.Status.ANSWERED
    if finding:
        complaint.finding, complaint.closed_at, complaint.status = finding, now, Complaint.Status.CLOSED
        changed += ["finding", "closed_at"]
    complaint.full_clean(exclude=["clinic", "sample_entry", "recorded_by"])
    complaint.save(update_fields=changed)
    return complaint


def save_complaint(*, user: User, instance: Complaint, version: int | None) -> Complaint:
    """The staff admin's form (``ScopedModelViewSet.save_service``): a new complaint is recorded, an existing one
    answered or closed."""
    if instance.pk is None:
        return record_complaint(
            user=user,
            clinic=instance.clinic,
            source=instance.source,
            kind=instance.kind,
            received_at=instance.received_at,
            description=instance.description,
            complainant=instance.complainant,
        )
    return handle_complaint(
        user=user, complaint=instance, answer=instance.answer, finding=instance.finding, version=version
    )


def refuse_deletion(*, user: User, instance: Complaint) -> None:
    """每诉必录: a complaint stays on the register; a mistaken one is closed as unfounded, with the reason."""
    raise ValidationError(_("投诉记录不能删除；登记有误的，请在答复中说明并以“不属实”办结。"))
