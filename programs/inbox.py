"""The to-do inbox rows of programs (see core.inbox): reports to verify, clinics not reported and complaints to
answer (township staff); the doctor's own report of the month and reports returned to them."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.selectors import get_scope
from core.inbox import InboxItem, NextStep, day_label
from programs.models import ServiceReport
from programs.selectors import periods as period_selectors
from programs.selectors import reports as report_selectors
from programs.selectors.complaints import complaint_inbox


def missing_reports_url(*, year: int, month: int) -> str:
    """Where "N月月报未报的村卫生室" leads: the month's list of the clinics that have not reported, with their
    doctors' phone numbers and 提醒."""
    return reverse("missing:list") + f"?year={year}&month={month}"


def inbox_items(*, user, today: date) -> list[InboxItem | NextStep]:
    scope = get_scope(user)
    if scope.is_township_staff:
        return _township(user, today)
    if scope.is_doctor:
        return _doctor(user, today)
    return []


def _township(user, today: date) -> list[InboxItem | NextStep]:
    year, month = period_selectors.reporting_month(today)
    counts = report_selectors.report_inbox(user=user, year=year, month=month)
    deadline = period_selectors.submission_deadline(year=year, month=month)
    missing = max(0, counts.active_clinics - counts.reported)
    reports_url = reverse("reports:list")
    late = today > deadline
    next_month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    waiting, overdue = complaint_inbox(user=user)
    return [
        InboxItem(
            label=_("待答复的群众投诉"),
            count=waiting,
            unit=_("件"),
            url=reverse("complaint:index") + "?status=open",
            level="danger" if overdue else "warn",
            detail=_("其中 %(n)s 件已超过答复期限") % {"n": overdue} if overdue else _("按县里的时限答复群众"),
            order=12,
        ),
        InboxItem(
            label=_("待核实的月报"),
            count=counts.submitted,
            unit=_("份"),
            url=f"{reports_url}?year={year}&status=submitted",
            detail=_("村医已提交，等待卫生院核实"),
            order=10,
        ),
        InboxItem(
            label=_("%(m)s月月报未报的村卫生室") % {"m": month},
            count=missing,
            unit=_("个"),
            url=missing_reports_url(year=year, month=month),
            level="danger" if late else "warn",
            detail=(_("已过截止日 %(d)s，已报 %(r)s / %(n)s 个") if late else _("截止 %(d)s，已报 %(r)s / %(n)s 个"))
            % {"d": day_label(deadline), "r": counts.reported, "n": counts.active_clinics},
            order=11,
        ),
        NextStep(
            text=_("%(m)s月月报：村医 %(start)s 起提交，截止 %(d)s；提交后在这里核实。")
            % {
                "m": today.month,
                "start": day_label(date(next_month[0], next_month[1], 1)),
                "d": day_label(period_selectors.submission_deadline(year=today.year, month=today.month)),
            },
            url=reports_url,
            order=10,
        ),
    ]


def _doctor(user, today: date) -> list[InboxItem | NextStep]:
    scope = get_scope(user)
    year, month = period_selectors.reporting_month(today)
    state = report_selectors.doctor_report_inbox(user=user, year=year, month=month)
    items: list[InboxItem | NextStep] = []
    pending = state.status in (None, ServiceReport.Status.DRAFT)
    assert scope.township_id is not None  # a doctor's scope has a township
    if pending and period_selectors.may_submit(township_id=scope.township_id, year=year, month=month, today=today):
        deadline = period_selectors.submission_deadline(year=year, month=month)
        items.append(
            InboxItem(
                label=_("%(m)s月月报还没有提交") % {"m": month},
                count=1,
                unit=_("份"),
                url=reverse("portal_reports:report", args=[year, month]),
                detail=(_("草稿已保存，请在 %(d)s 前提交") if state.status else _("请在 %(d)s 前填报并提交"))
                % {"d": day_label(deadline)},
                level="danger" if (deadline - today).days <= 2 else "warn",
                order=10,
            )
        )
    if state.returned:
        newest_year, newest_month, comment = state.returned[0]
        items.append(
            InboxItem(
                label=_("被退回的月报"),
                count=len(state.returned),
                unit=_("份"),
                url=reverse("portal_reports:report", args=[newest_year, newest_month]),
                detail=_("%(m)s月：%(reason)s")
                % {"m": newest_month, "reason": comment or _("请按卫生院意见修改后重新提交")},
                level="danger",
                order=11,
            )
        )
    items.append(
        NextStep(
            text=_("%(m)s月月报：月底后填报，%(d)s 前提交。")
            % {
                "m": today.month,
                "d": day_label(period_selectors.submission_deadline(year=today.year, month=today.month)),
            },
            order=10,
        )
    )
    return items
