"""Dashboard tiles of the doctors app: licences expiring or lapsed, training behind, the doctor's own licence."""

from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.dashboard import Tile
from doctors import selectors


def staff_tiles(*, user, townships, today):
    expiring = list(selectors.expiring_within(user=user, on=today, days=90).select_related("doctor")[:50])
    lapsed = selectors.lapsed(user=user, on=today).count()
    pending = selectors.renewal_pending(user=user).count()
    url = reverse("doctors_worklist")
    return [
        Tile(title=_("90天内到期的执业证书"), value=str(len(expiring)), order=30, url=url,
             level="warn" if expiring else "ok",
             rows=[(lic.doctor.name, lic.expires_on.isoformat(), "") for lic in expiring[:5]]),
        Tile(title=_("已过期的执业证书"), value=str(lapsed), order=31, url=url, level="danger" if lapsed else "ok",
             detail=_("再注册待审 %(n)s 件") % {"n": pending}),
    ]


def doctor_tiles(*, user, clinic, today):
    doctor = selectors.doctor_for_user(user)
    if doctor is None:
        return [Tile(title=_("执业证书"), value=_("未登记"), level="danger", order=30,
                     detail=_("未在乡村医生名册中登记，请联系乡镇卫生院"))]
    licence = doctor.licences.order_by("-expires_on").first()
    if licence is None:
        return [Tile(title=_("执业证书"), value=_("无"), level="danger", order=30, url=reverse("portal_doctors:licence"))]
    left = (licence.expires_on - today).days
    level = "danger" if left < 0 or licence.status != "valid" else "warn" if left <= 90 else "ok"
    value = licence.get_status_display() if licence.status != "valid" else _("还有 %(n)s 天到期") % {"n": left}
    return [Tile(title=_("执业证书"), value=value, level=level, order=30, url=reverse("portal_doctors:licence"),
                 detail=_("有效期至 %(d)s") % {"d": licence.expires_on.isoformat()})]
