"""The to-do inbox rows of doctors (see core.inbox): renewal applications to review (township) or decide
(county), licences expiring or lapsed (county), a doctor's refused or returned renewal."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.selectors import get_scope
from core.inbox import InboxItem, NextStep, day_label
from doctors import rules, selectors
from doctors.models import RenewalApplication


def inbox_items(*, user, today: date) -> list[InboxItem | NextStep]:
    scope = get_scope(user)
    renewals_url = reverse("doctors:renewals")
    if scope.is_township_staff:
        counts = selectors.renewal_inbox(user=user)
        return [
            InboxItem(
                label=_("待审核的再注册申请"),
                count=counts.submitted,
                unit=_("件"),
                url=f"{renewals_url}?status=submitted",
                detail=_("审核后报送卫健局，或退回村医"),
                order=30,
            )
        ]
    if scope.is_county_admin:
        counts = selectors.renewal_inbox(user=user)
        expiring, lapsed = selectors.licence_inbox(user=user, on=today)
        items: list[InboxItem | NextStep] = []
        if counts.forwarded:
            deadline = rules.decision_deadline(counts.first_forwarded_on) if counts.first_forwarded_on else None
            late = deadline is not None and deadline < today
            items.append(
                InboxItem(
                    label=_("待审批的再注册申请"),
                    count=counts.forwarded,
                    unit=_("件"),
                    url=f"{renewals_url}?status=forwarded",
                    level="danger" if late else "warn",
                    detail=(
                        (_("最早一件已超过审批期限（%(d)s）") if late else _("最早一件须在 %(d)s 前审批"))
                        % {"d": day_label(deadline, today=today)}
                        if deadline
                        else ""
                    ),
                    order=30,
                )
            )
        worklist = reverse("doctors:worklist")
        items.append(
            InboxItem(
                label=_("已过期未再注册的执业证书"),
                count=lapsed,
                unit=_("张"),
                url=worklist,
                level="danger",
                detail=_("持证医生不能上报服务数据"),
                order=31,
            )
        )
        items.append(
            InboxItem(
                label=_("90天内到期的执业证书"),
                count=expiring,
                unit=_("张"),
                url=worklist,
                detail=_("提醒村医在到期前申请再注册"),
                order=32,
            )
        )
        return items
    if scope.is_doctor:
        application = selectors.latest_own_renewal(user=user)
        if application is None:
            return []
        url = reverse("portal_doctors:licence")
        if application.status == RenewalApplication.Status.REFUSED:
            return [
                InboxItem(
                    label=_("再注册申请未批准"),
                    count=1,
                    unit=_("件"),
                    url=url,
                    level="danger",
                    detail=_("原因：%(r)s") % {"r": application.decision_reason or _("请联系卫健局")},
                    order=30,
                )
            ]
        if application.status == RenewalApplication.Status.RETURNED:
            return [
                InboxItem(
                    label=_("再注册申请被卫生院退回"),
                    count=1,
                    unit=_("件"),
                    url=url,
                    detail=_("意见：%(r)s") % {"r": application.review_note or _("请联系乡镇卫生院")},
                    order=30,
                )
            ]
    return []
