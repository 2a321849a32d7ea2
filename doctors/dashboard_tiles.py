"""Dashboard tiles of the doctors app: licences expiring or lapsed, training behind, the doctor's own licence."""

import calendar
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dashboard import Cell, CountyColumn, Tile, TownshipColumn, percent_cell, sum_pairs
from doctors import rules, selectors


def staff_tiles(*, user, townships, today):
    expiring = list(selectors.expiring_within(user=user, on=today, days=90).select_related("doctor")[:50])
    lapsed = selectors.lapsed(user=user, on=today).count()
    url = reverse("doctors:worklist")
    return [
        Tile(
            title=_("90天内到期的执业证书"),
            value=str(len(expiring)),
            order=30,
            url=url,
            level="warn" if expiring else "ok",
            rows=[(lic.doctor.name, lic.expires_on.isoformat(), "") for lic in expiring[:5]],
        ),
        Tile(
            title=_("已过期的执业证书"),
            value=str(lapsed),
            order=31,
            url=url,
            level="danger" if lapsed else "ok",
            detail=_("持证医生不能上报服务数据") if lapsed else "",
        ),
    ]


def doctor_tiles(*, user, clinic, today):
    return _message_tiles(user) + _licence_tiles(user, today)


def _message_tiles(user):
    """Unread reminders from the township or county, first on the home until the doctor marks them read."""
    unread = list(selectors.unread_messages(user=user)[:4])
    if not unread:
        return []
    inbox = reverse("portal_messages:inbox")
    return [
        Tile(
            title=_("新提醒"),
            value=_("%(n)s 条未读") % {"n": selectors.unread_messages(user=user).count()}
            if len(unread) == 4
            else _("%(n)s 条未读") % {"n": len(unread)},
            level="danger",
            order=1,
            wide=True,
            url=inbox,
            detail=unread[0].text,
            rows=[(m.title, timezone.localtime(m.created_at).strftime("%m-%d %H:%M"), inbox) for m in unread],
        )
    ]


def _licence_tiles(user, today):
    doctor = selectors.doctor_for_user(user)
    if doctor is None:
        return [
            Tile(
                title=_("执业证书"),
                value=_("未登记"),
                level="danger",
                order=30,
                detail=_("未在乡村医生名册中登记，请联系乡镇卫生院"),
            )
        ]
    licence = doctor.licences.order_by("-expires_on").first()
    if licence is None:
        return [
            Tile(title=_("执业证书"), value=_("无"), level="danger", order=30, url=reverse("portal_doctors:licence"))
        ]
    left = (licence.expires_on - today).days
    level = "danger" if left < 0 or licence.status != "valid" else "warn" if left <= 90 else "ok"
    value = licence.get_status_display() if licence.status != "valid" else _("还有 %(n)s 天到期") % {"n": left}
    return [
        Tile(
            title=_("执业证书"),
            value=value,
            level=level,
            order=30,
            url=reverse("portal_doctors:licence"),
            detail=_("有效期至 %(d)s") % {"d": licence.expires_on.isoformat()},
        )
    ]


def township_columns(*, user, townships, today):
    """Per township: licences expiring within 90 days and licences lapsed."""
    ids = [t.pk for t in townships]
    counts = selectors.licence_counts_by_township(user=user, township_ids=ids, on=today, days=90)
    url = reverse("doctors:worklist")
    expiring = {t: counts.get(t, (0, 0))[0] for t in ids}
    lapsed = {t: counts.get(t, (0, 0))[1] for t in ids}
    return [
        TownshipColumn(
            title=_("90天内到期的执业证书"),
            order=30,
            help=_("乡村医生执业证书在今后 90 天内到期、尚未再注册的张数。"),
            cells={t: Cell(str(n), f"{url}?township={t}", "warn" if n else "ok") for t, n in expiring.items()},
            total=Cell(str(sum(expiring.values())), url),
        ),
        TownshipColumn(
            title=_("已过期的执业证书"),
            order=31,
            help=_("已过期仍未再注册的执业证书张数：持证医生不能上报服务数据。"),
            cells={t: Cell(str(n), f"{url}?township={t}", "danger" if n else "ok") for t, n in lapsed.items()},
            total=Cell(str(sum(lapsed.values())), url),
        ),
    ]


def county_columns(*, user, counties, year, through_month, today):
    """Per county: the share of practising doctors with a licence in force, at the end of the months compared
    (today at the latest) and a year before."""
    ids = [c.pk for c in counties]
    on = min(today, date(year, through_month, calendar.monthrange(year, through_month)[1]))
    year_before = rules.add_years(on, -1)
    now = selectors.licensed_by_county(user=user, county_ids=ids, on=on)
    before = selectors.licensed_by_county(user=user, county_ids=ids, on=year_before)
    zero = (0, 0)
    return [
        CountyColumn(
            title=_("执业证书有效率"),
            order=40,
            help=_("在岗村医中，%(d)s执业证书在有效期内的比例（按在岗村医现在所在的卫生室统计）。")
            % {"d": on.strftime("%Y-%m-%d")},
            cells={c: percent_cell(now.get(c, zero), before.get(c, zero)) for c in ids},
            total=percent_cell(sum_pairs(now.values()), sum_pairs(before.values())),
        )
    ]
