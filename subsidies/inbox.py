"""The to-do inbox rows of subsidies (see core.inbox): appeals to answer, findings past their deadline and
settlement runs to confirm (township staff); runs to approve and county-wide drafts (county); the doctor's
findings to rectify."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.selectors import get_scope
from core.inbox import InboxItem, NextStep, day_label
from subsidies.selectors import assessments as assessment_selectors
from subsidies.selectors import settlement as settlement_selectors


def inbox_items(*, user, today: date) -> list[InboxItem | NextStep]:
    scope = get_scope(user)
    if scope.is_township_staff:
        return _township(user, today)
    if scope.is_county_admin:
        return _county(user)
    if scope.is_doctor:
        return _doctor(user, today)
    return []


def _township(user, today: date) -> list[InboxItem | NextStep]:
    counts = assessment_selectors.assessment_inbox(user=user, today=today)
    runs = settlement_selectors.run_inbox(user=user)
    return [
        InboxItem(
            label=_("待处理的考核申诉"),
            count=counts.pending_appeals,
            unit=_("件"),
            url=reverse("assessments:appeals"),
            detail=_("村医对考核得分提出申诉，请采纳或驳回并写明意见"),
            order=40,
        ),
        InboxItem(
            label=_("已过整改期限的检查发现"),
            count=counts.overdue_findings,
            unit=_("条"),
            url=reverse("assessments:inspections"),
            level="danger",
            detail=_("请复查并记录是否已整改"),
            order=41,
        ),
        _drafts_item(runs, _("待确认的补助结算"), order=50),
    ]


def _drafts_item(runs: settlement_selectors.RunInbox, label: str, *, order: int) -> InboxItem:
    return InboxItem(
        label=label,
        count=runs.drafts,
        unit=_("份"),
        url=reverse("settlement:runs"),
        level="danger" if runs.returned else "warn",
        detail=_("其中 %(n)s 份被卫健局退回，请按退回意见修改后再确认") % {"n": runs.returned}
        if runs.returned
        else _("核对测算结果后确认，报卫健局审批"),
        order=order,
    )


def _county(user) -> list[InboxItem | NextStep]:
    runs = settlement_selectors.run_inbox(user=user)
    return [
        InboxItem(
            label=_("待审批的补助结算"),
            count=runs.confirmed,
            unit=_("份"),
            url=reverse("settlement:runs"),
            detail=_("卫生院已确认，请审批或退回"),
            order=20,
        ),
        _drafts_item(runs, _("待确认的全县补助结算草稿"), order=21),
        NextStep(text=_("卫生院确认的补助结算、报送的再注册申请会出现在这里，等您审批。"), order=20),
    ]


def _doctor(user, today: date) -> list[InboxItem | NextStep]:
    findings = assessment_selectors.open_findings(user=user)
    if not findings.count:
        return []
    deadline = findings.first_deadline
    late = deadline is not None and deadline < today
    return [
        InboxItem(
            label=_("需要整改的问题"),
            count=findings.count,
            unit=_("条"),
            url=reverse("portal_assessments:index") + "#findings",
            level="danger" if late else "warn",
            detail=(_("已过整改期限 %(d)s：%(p)s") if late else _("%(d)s 前整改：%(p)s"))
            % {"d": day_label(deadline, today=today) if deadline else "—", "p": findings.first_description[:40]},
            order=40,
        )
    ]
