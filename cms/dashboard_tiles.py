"""Dashboard tiles of the notices app: unread notices (see core.dashboard)."""

import calendar
from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from cms.selectors import read_by_county, read_by_township, read_percent, unread_count_for_staff, unread_for_doctor
from core.dashboard import Cell, CountyColumn, Tile, TownshipColumn, percent_cell, sum_pairs

RECENT_DAYS = 90


def staff_tiles(*, user, townships, today) -> list[Tile]:
    if not user.has_perm("cms.view_noticereceipt"):
        return []
    notices, missing = unread_count_for_staff(user=user)
    return [
        Tile(
            title=_("通知未读"),
            value=str(missing),
            detail=_("%(n)s 条通知还有村医没读") % {"n": notices} if missing else _("村医都已读完最近的通知"),
            url=reverse("receipts:list"),
            level="warn" if missing else "ok",
            order=80,
        )
    ]


def doctor_tiles(*, user, clinic, today) -> list[Tile]:
    unread = unread_for_doctor(user=user).count()
    return [
        Tile(
            title=_("未读通知"),
            value=str(unread),
            detail=_("点这里阅读并确认") if unread else _("通知都已读完"),
            url=reverse("portal_notices:index"),
            level="warn" if unread else "ok",
            order=15,
        )
    ]


def township_columns(*, user, townships, today) -> list[TownshipColumn]:

    if not user.has_perm("cms.view_noticereceipt"):
        return []
    figures = read_by_township(
        user=user, township_ids=[t.pk for t in townships], since=today - timedelta(days=RECENT_DAYS)
    )
    url = reverse("receipts:list")

    def cell(expected, read):
        if not expected:
            return Cell("—", url)
        percent = read_percent(expected, read) or 0  # None only when nobody is expected
        return Cell(
            f"{percent}%",
            url,
            "ok" if percent >= 90 else "warn" if percent >= 60 else "danger",
            detail=_("未读 %(n)s 人次") % {"n": expected - read},
        )

    total_expected = sum(e for e, _r in figures.values())
    total_read = sum(r for _e, r in figures.values())
    return [
        TownshipColumn(
            title=_("通知阅读率"),
            order=90,
            cells={t: cell(*v) for t, v in figures.items()},
            total=cell(total_expected, total_read),
            help=_("近 90 天发布的、发给该乡镇村医的通知中，村医点了“我已阅读”的人次占应读人次的比例。"),
        )
    ]


def county_columns(*, user, counties, year, through_month, today) -> list[CountyColumn]:
    """Per county, year on year: how many of the doctors each notice reached said "我已阅读"."""
    ids = [c.pk for c in counties]

    def shares(y):
        end = date(y, through_month, calendar.monthrange(y, through_month)[1])
        figures = read_by_county(user=user, county_ids=ids, start=date(y, 1, 1), end=end)
        return {c: (read, expected) for c, (expected, read) in figures.items()}

    now, before = shares(year), shares(year - 1)
    zero = (0, 0)
    return [
        CountyColumn(
            title=_("通知阅读率"),
            order=90,
            help=_(
                "1–%(m)s月发布、发给村医的通知中，村医点了“我已阅读”的人次占应读人次的比例（按现在的村医账号统计）。"
            )
            % {"m": through_month},
            cells={c: percent_cell(now.get(c, zero), before.get(c, zero)) for c in ids},
            total=percent_cell(sum_pairs(now.values()), sum_pairs(before.values())),
        )
    ]
