"""Dashboard tiles of the notices app: unread notices (see clinics.dashboard)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.dashboard import Tile

from .selectors import unread_count_for_staff, unread_for_doctor


def staff_tiles(*, user, townships, today) -> list[Tile]:
    if not user.has_perm("cms.view_noticereceipt"):
        return []
    notices, missing = unread_count_for_staff(user=user)
    return [Tile(title=_("通知未读"), value=str(missing),
                 detail=_("%(n)s 条通知还有村医没读") % {"n": notices} if missing else _("村医都已读完最近的通知"),
                 url=reverse("notices_receipts"), level="warn" if missing else "ok", order=80)]


def doctor_tiles(*, user, clinic, today) -> list[Tile]:
    unread = unread_for_doctor(user=user).count()
    return [Tile(title=_("未读通知"), value=str(unread),
                 detail=_("点这里阅读并确认") if unread else _("通知都已读完"),
                 url=reverse("portal_notices:index"), level="warn" if unread else "ok", order=15)]
