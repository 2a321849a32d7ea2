"""The to-do inbox rows of notices (see core.inbox): unread notices (doctor), notices to approve (moderators,
county admins among them), the editor's drafts and returned notices."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.roles import COUNTY_ROLES, Role
from clinics.selectors import get_scope
from cms import selectors
from core.inbox import InboxItem, NextStep


def inbox_items(*, user, today: date) -> list[InboxItem | NextStep]:
    scope = get_scope(user)
    if scope.is_doctor:
        return [
            InboxItem(
                label=_("未读通知"),
                count=selectors.unread_for_doctor(user=user).count(),
                unit=_("条"),
                url=reverse("portal_notices:index"),
                detail=_("阅读后请点“我已阅读”"),
                order=20,
            )
        ]
    if not (scope.sees_everything or scope.role in COUNTY_ROLES):
        return []
    items: list[InboxItem | NextStep] = []
    if scope.role in (Role.NOTICE_MODERATOR, Role.COUNTY_ADMIN) or scope.sees_everything:
        items.append(
            InboxItem(
                label=_("待审核的通知"),
                count=selectors.notices_to_approve(user=user),
                unit=_("条"),
                url=reverse("wagtailadmin_reports:workflow") + "?reviewable=true",
                detail=_("编辑已提交审核，请批准发布或退回修改"),
                order=60,
            )
        )
        if scope.role == Role.NOTICE_MODERATOR:
            items.append(NextStep(text=_("宣传编辑提交审核的通知会出现在这里。"), order=60))
    if scope.role == Role.NOTICE_EDITOR:
        counts = selectors.editor_inbox(user=user)
        index = selectors.admin_notice_index(user=user)
        explore = reverse("wagtailadmin_explore", args=[index.pk]) if index else reverse("wagtailadmin_home")
        items += [
            InboxItem(
                label=_("被退回修改的通知"),
                count=counts.returned,
                unit=_("条"),
                url=reverse("wagtailadmin_reports:workflow"),
                level="danger",
                detail=_("按审核意见修改后重新提交审核"),
                order=60,
            ),
            InboxItem(
                label=_("未提交审核的通知草稿"),
                count=counts.drafts,
                unit=_("条"),
                url=explore + "?ordering=-latest_revision_created_at",
                detail=_("写完后点“提交审核”，审核通过即发布"),
                order=61,
            ),
            NextStep(
                text=_("新建通知：在“%(index)s”下添加子页面，写完后提交审核。")
                % {"index": index.title if index else _("通知公告")},
                url=explore,
                order=60,
            ),
        ]
    return items
