"""Changes to assessments, inspections, satisfaction surveys and appeals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics import audit as history
from clinics.selectors import can_manage_clinic, get_scope
from core import audit
from core.forms import joined_messages
from core.validation import field_limits, parse_decimal, parse_integer
from core.versioning import bump, check_version
from subsidies import scoring
from subsidies.models import (
    Appeal,
    Assessment,
    AssessmentEntry,
    AssessmentEvidence,
    Finding,
    Inspection,
    SatisfactionSurvey,
    ScoreItem,
)
from subsidies.selectors import assessments as selectors

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile

    from clinics.models import Clinic

APPEAL_DAYS = 7


def _ensure_manager(user: User, clinic: Clinic) -> None:
    if not can_manage_clinic(user, clinic):
        raise PermissionDenied


def ensure_not_settled(assessment: Assessment) -> None:
    """Approved means frozen: the score of a quarter an approved settlement used cannot change in place."""
    message = selectors.settled_message(assessment)
    if message is not None:
        raise ValidationError(message, code="frozen")


@transaction.atomic
def start_assessment(*, user: User, clinic: Clinic, year: int, quarter: int, assessed_on: date) -> Assessment:
    """Open a quarter's assessment of a clinic with every item of the county's sheet, indicator values
    read from verified service data, and unrectified findings counted double."""
    _ensure_manager(user, clinic)
    if not 1 <= quarter <= 4:
        raise ValidationError({"quarter": _("季度必须是 1 到 4。")})
    ends = selectors.quarter_end(year, quarter)
    if ends >= timezone.localdate():  # a quarter's work is assessed once it is over
        raise ValidationError(
            {
                "quarter": _("%(year)s年第%(q)s季度到 %(end)s 才结束，季度结束后才能考核。")
                % {"year": year, "q": quarter, "end": f"{ends.month}月{ends.day}日"}
            }
        )
    # The assessment is of a finished quarter, on a day that has come: the record must not claim otherwise.
    if not ends < assessed_on <= timezone.localdate():
        raise ValidationError(
            {
                "assessed_on": _("考核日期应在 %(end)s 之后、不晚于今天。")
                % {"end": f"{ends.year}年{ends.month}月{ends.day}日"}
            }
        )
    sheet = selectors.current_sheet(county_id=clinic.township.county_id, year=year)
    if sheet is None:
        raise ValidationError(_("卫健局还没有设置 %(year)s 年的考核评分表。") % {"year": year})
    if Assessment.objects.filter(clinic=clinic, year=year, quarter=quarter).exists():
        raise ValidationError(
            _("%(clinic)s %(year)s年第%(q)s季度已经有考核记录，不能重复考核。")
            % {"clinic": clinic, "year": year, "q": quarter}
        )
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                clinic=clinic, year=year, quarter=quarter, sheet=sheet, assessor=user, assessed_on=assessed_on
            )
    except IntegrityError:
        raise ValidationError(_("该季度已经有考核记录，不能重复考核。")) from None
    unrectified = list(
        Finding.objects.filter(inspection__clinic=clinic, status=Finding.Status.UNRECTIFIED, applied_to__isnull=True)
    )
    entries = []
    for item in sheet.items.all():
        entry = AssessmentEntry(assessment=assessment, item=item)
        if item.mode == ScoreItem.Mode.INDICATOR:
            entry.achieved = selectors.indicator_achieved(
                clinic_id=clinic.pk, year=year, quarter=quarter, indicator=item.indicator
            )
        elif item.mode == ScoreItem.Mode.RATE:
            entry.achieved = selectors.rate_achieved(
                clinic_id=clinic.pk, year=year, quarter=quarter, numerator=item.indicator, denominator=item.denominator
            )
        doubled = [f for f in unrectified if f.item_code == item.code]
        if doubled and item.mode == ScoreItem.Mode.DEDUCTION:
            entry.doubled_occurrences = len(doubled)
            entry.reason = _("复查未整改，加倍扣分：") + "；".join(f.description for f in doubled)
            history.record_bulk_update(
                Finding, ((f, {"applied_to": (f.applied_to_id, assessment.pk)}) for f in doubled)
            )
            Finding.objects.filter(pk__in=[f.pk for f in doubled]).update(applied_to=assessment)
        entries.append(entry)
    AssessmentEntry.objects.bulk_create(entries)
    history.record_bulk_create(
        AssessmentEntry,
        entries,
        ["item", "achieved", "doubled_occurrences", "reason"],
        label=lambda e: f"{assessment} {e.item}",
    )
    _count_complaints(assessment)
    _recompute(assessment)
    return assessment


def _decimal(
    value: object, field: str, errors: dict[str, str], entry: AssessmentEntry, *, column: str
) -> Decimal | None:
    """A figure within its model column (max_digits / decimal places), parsed like every other path
    (``core.validation``): "1e3", "１２" and too many digits are errors, not stored."""
    limits = field_limits(AssessmentEntry, column)
    try:
        return parse_decimal(value, max_digits=limits.max_digits, decimal_places=limits.decimal_places)
    except ValidationError as exc:
        if exc.code in ("invalid", "digits"):
            errors[f"{entry.pk}"] = _("“%(item)s”：%(field)s必须是数字。") % {"item": entry.item.name, "field": field}
        else:
            errors[f"{entry.pk}"] = _("“%(item)s”：%(problem)s") % {
                "item": entry.item.name,
                "problem": joined_messages(exc),
            }
        return None


def _item_points(
    value: object, field: str, errors: dict[str, str], entry: AssessmentEntry, *, column: str
) -> Decimal | None:
    """A score of the entry's item (a manual score, a judgement): a figure between 0 and the item's points."""
    points = _decimal(value, field, errors, entry, column=column)
    if points is not None and not 0 <= points <= entry.item.max_points:
        errors[str(entry.pk)] = _("“%(item)s”：%(field)s必须在 0 到 %(max)s 之间。") % {
            "item": entry.item.name,
            "field": field,
            "max": entry.item.max_points,
        }
    return points


def _apply_values(entry: AssessmentEntry, values: dict[str, Any], errors: dict[str, str]) -> None:
    item = entry.item
    if "occurrences" in values:
        limits = field_limits(AssessmentEntry, "occurrences")
        try:
            entry.occurrences = (
                parse_integer(values["occurrences"], min_value=limits.min_value, max_value=limits.max_value) or 0
            )
        except ValidationError:
            errors[str(entry.pk)] = _("“%(item)s”：发现次数必须是不小于 0 的整数。") % {"item": item.name}
    if "achieved" in values:
        entry.achieved = _decimal(values["achieved"], _("完成值"), errors, entry, column="achieved")
        if entry.achieved is not None and entry.achieved < 0:
            errors[str(entry.pk)] = _("“%(item)s”：完成值不能为负数。") % {"item": item.name}
        elif (
            item.mode == ScoreItem.Mode.MINIMUM
            and entry.achieved is not None
            and entry.achieved != entry.achieved.to_integral_value()
        ):
            errors[str(entry.pk)] = _("“%(item)s”：完成次数必须是整数。") % {"item": item.name}
    if "passed" in values:
        entry.passed = {"1": True, "0": False, True: True, False: False}.get(values["passed"])
    if "manual_score" in values:
        entry.manual_score = _item_points(values["manual_score"], _("得分"), errors, entry, column="manual_score")
    if "reason" in values:
        entry.reason = (values["reason"] or "").strip()
    if "override_score" in values:
        entry.override_score = _item_points(
            values["override_score"], _("调整得分"), errors, entry, column="override_score"
        )
    if "override_reason" in values:
        entry.override_reason = (values["override_reason"] or "").strip()
    if entry.override_score is not None and not entry.override_reason:
        # A judgement replaces the formula only with a reason the clinic can read.
        errors[str(entry.pk)] = _("“%(item)s”：调整得分要写明调整理由。") % {"item": item.name}


def _count_complaints(assessment: Assessment) -> None:
    """A draft's complaints items take the register's founded complaints of the quarter as they stand now; once
    submitted the count stays (an appeal's recomputation does not read the register again)."""
    for entry in assessment.entries.filter(item__mode=ScoreItem.Mode.COMPLAINTS).select_related("item"):
        entry.occurrences = selectors.founded_complaints(
            clinic_id=assessment.clinic_id, year=assessment.year, quarter=assessment.quarter, kind=entry.item.indicator
        )
        entry.save(update_fields=["occurrences"])


def _recompute(assessment: Assessment) -> Decimal:
    rate, average = selectors.satisfaction_basis(assessment=assessment)
    deductions = []
    for entry in assessment.entries.select_related("item"):
        item = entry.item
        data = scoring.ItemInput(
            mode=item.mode,
            max_points=item.max_points,
            per_occurrence=item.points_per_occurrence,
            target=item.target,
            occurrences=entry.occurrences,
            doubled_occurrences=entry.doubled_occurrences,
            achieved=entry.achieved,
            passed=entry.passed,
            manual_score=entry.manual_score,
            satisfaction_rate=rate,
            county_average=average,
            lower_is_better=item.lower_is_better,
            quarter=assessment.quarter,
            override=entry.override_score,
        )
        try:
            deduction = scoring.item_deduction(data)
        except scoring.ScoringError:
            deduction = None  # not filled in yet; a draft may be incomplete
        entry.deduction = deduction if deduction is not None else Decimal("0.00")
        entry.score = scoring.q(item.max_points - entry.deduction)
        entry.save(update_fields=["deduction", "score"])
        deductions.append(entry.deduction)
    assessment.total_score = scoring.total_score(deductions)
    assessment.save(update_fields=["total_score"])
    return assessment.total_score


@transaction.atomic
def update_entries(
    *,
    user: User,
    assessment: Assessment,
    values: dict[int, dict[str, Any]],
    notes: str | None = None,
    version: int | None = None,
) -> Assessment:
    """Save a draft's scores. ``version``: the one the score page showed (someone's save meanwhile refuses)."""
    assessment = Assessment.objects.select_for_update().select_related("clinic__township").get(pk=assessment.pk)
    _ensure_manager(user, assessment.clinic)
    if assessment.status != Assessment.Status.DRAFT:
        raise ValidationError(_("考核已提交，只能通过申诉更改。"))
    ensure_not_settled(assessment)
    check_version(assessment, version)
    errors: dict[str, str] = {}
    entries = {e.pk: e for e in assessment.entries.select_related("item")}
    for entry_id, entry_values in values.items():
        entry = entries.get(int(entry_id))
        if entry is None:
            continue
        _apply_values(entry, entry_values, errors)
        if str(entry.pk) not in errors:  # a refused value is reported, never written
            entry.save()
    if errors:
        raise ValidationError(errors)
    if notes is not None:
        assessment.notes = notes
    assessment.save(update_fields=["notes", *bump(assessment, user)])
    _count_complaints(assessment)
    _recompute(assessment)
    return assessment


@transaction.atomic
def submit_assessment(*, user: User, assessment: Assessment, version: int | None = None) -> Assessment:
    assessment = Assessment.objects.select_for_update().select_related("clinic__township").get(pk=assessment.pk)
    _ensure_manager(user, assessment.clinic)
    ensure_not_settled(assessment)
    check_version(assessment, version)
    missing = []
    for entry in assessment.entries.select_related("item"):
        field = entry.item.input_field
        # A judgement score stands for the formula's input; "occurrences" defaults to 0 found.
        if entry.override_score is None and field and field != "occurrences" and getattr(entry, field) is None:
            missing.append(entry.item.name)
    if missing:
        raise ValidationError(_("以下项目还没有评分：%(items)s") % {"items": "、".join(missing)})
    _count_complaints(assessment)
    _recompute(assessment)
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.save(update_fields=["status", "submitted_at", *bump(assessment, user)])
    return assessment


@transaction.atomic
def add_evidence(
    *, user: User, assessment: Assessment, file: UploadedFile, description: str = ""
) -> AssessmentEvidence:
    _ensure_manager(user, assessment.clinic)
    allowed = (".jpg", ".jpeg", ".png", ".pdf", ".doc", ".docx", ".xls", ".xlsx")
    if not (file.name or "").lower().endswith(allowed) or (file.size or 0) > 10 * 1024 * 1024:
        raise ValidationError({"file": _("只能上传 10 MB 以内的照片、PDF、Word 或 Excel 文件。")})
    return AssessmentEvidence.objects.create(
        assessment=assessment, file=file, description=description, uploaded_by=user
    )


@transaction.atomic
def record_inspection(
    *, user: User, clinic: Clinic, inspected_on: date, notes: str, findings: list[dict[str, Any]]
) -> Inspection:
    _ensure_manager(user, clinic)
    inspection = Inspection.objects.create(clinic=clinic, inspected_on=inspected_on, inspector=user, notes=notes)
    for finding in findings:
        if not (finding.get("description") or "").strip():
            continue
        deadline = finding.get("deadline")
        if deadline is not None and deadline < inspected_on:
            raise ValidationError({"deadline": _("整改期限不能早于检查日期。")})
        Finding.objects.create(
            inspection=inspection,
            item_code=finding.get("item_code", ""),
            description=finding["description"].strip(),
            deadline=deadline,
            status=Finding.Status.OPEN if deadline else Finding.Status.NONE,
        )
    return inspection


@transaction.atomic
def reinspect(*, user: User, finding: Finding, rectified: bool, on: date) -> Finding:
    finding = Finding.objects.select_for_update().select_related("inspection__clinic__township").get(pk=finding.pk)
    _ensure_manager(user, finding.inspection.clinic)
    if finding.status not in (Finding.Status.OPEN, Finding.Status.UNRECTIFIED, Finding.Status.RECTIFIED):
        raise ValidationError(_("该问题不需要整改。"))
    if on < finding.inspection.inspected_on:
        raise ValidationError(_("复查日期不能早于检查日期。"))
    if finding.applied_to_id:
        raise ValidationError(_("该问题已在考核中加倍扣分，不能再更改复查结论。"))
    finding.status = Finding.Status.RECTIFIED if rectified else Finding.Status.UNRECTIFIED
    finding.reinspected_on = on
    finding.save(update_fields=["status", "reinspected_on"])
    return finding


@transaction.atomic
def record_satisfaction(
    *, user: User, clinic: Clinic, year: int, quarter: int, surveyed: int, satisfied: int
) -> SatisfactionSurvey:
    _ensure_manager(user, clinic)
    if surveyed < 1 or satisfied < 0 or satisfied > surveyed:
        raise ValidationError(_("满意人数必须在 0 到回访人数之间，回访人数至少为 1。"))
    survey, _created = SatisfactionSurvey.objects.update_or_create(
        clinic=clinic, year=year, quarter=quarter, defaults={"surveyed": surveyed, "satisfied": satisfied}
    )
    return survey


@transaction.atomic
def file_appeal(*, user: User, entry: AssessmentEntry, comment: str, now: datetime | None = None) -> Appeal:
    """A doctor of the clinic appeals one item within 7 days of the assessment's submission."""
    now = now or timezone.now()
    entry = AssessmentEntry.objects.select_related("assessment__clinic", "item").get(pk=entry.pk)
    scope = get_scope(user)
    assessment = entry.assessment
    if not scope.is_doctor or scope.clinic_id != assessment.clinic_id:
        raise PermissionDenied
    if assessment.status != Assessment.Status.SUBMITTED:
        raise ValidationError(_("考核尚未提交，不能申诉。"))
    assert assessment.submitted_at is not None  # set when it was submitted
    if now > assessment.submitted_at + timedelta(days=APPEAL_DAYS):
        raise ValidationError(_("已超过申诉期限（考核提交后 %(days)s 天内）。") % {"days": APPEAL_DAYS})
    if not comment.strip():
        raise ValidationError({"comment": _("请写明申诉理由。")})
    if entry.appeals.filter(status=Appeal.Status.PENDING).exists():
        raise ValidationError(_("该项目的申诉正在处理中。"))
    return Appeal.objects.create(entry=entry, comment=comment.strip(), appellant=user)


@transaction.atomic
def decide_appeal(
    *, user: User, appeal: Appeal, accept: bool, decision: str, new_values: dict[str, Any] | None = None
) -> Appeal:
    appeal = (
        Appeal.objects.select_for_update()
        .select_related("entry__assessment__clinic__township", "entry__item")
        .get(pk=appeal.pk)
    )
    assessment = appeal.entry.assessment
    _ensure_manager(user, assessment.clinic)
    if appeal.status != Appeal.Status.PENDING:
        raise ValidationError(_("该申诉已经处理过了。"))
    if not decision.strip():
        raise ValidationError({"decision": _("请填写处理意见。")})
    reason = (_("采纳申诉：%(item)s。%(decision)s") if accept else _("驳回申诉：%(item)s。%(decision)s")) % {
        "item": appeal.entry.item.name,
        "decision": decision.strip(),
    }
    # The changed entry, the recomputed scores and the decision are one action of the change history, with
    # the decision as its reason (before and after of every score are in it).
    with audit.action(user=user, reason=reason):
        if accept:
            errors: dict[str, str] = {}
            entry = appeal.entry
            values = dict(new_values or {})
            if "override_score" in values:  # a judgement changed on appeal: the decision is its reason
                values.setdefault("override_reason", decision.strip())
            _apply_values(entry, values, errors)
            if errors:
                raise ValidationError(errors)
            entry.save()
            _recompute(assessment)
            assessment.save(update_fields=bump(assessment, user))
        appeal.status = Appeal.Status.ACCEPTED if accept else Appeal.Status.REJECTED
        appeal.decided_by = user
        appeal.decided_at = timezone.now()
        appeal.decision = decision.strip()
        appeal.save(update_fields=["status", "decided_by", "decided_at", "decision"])
    return appeal
