"""The offline portal's entry kind and pages of notices (registered in ``CmsConfig.ready``): a read receipt
(我已阅读) pressed offline is replayed through the same service as the online button."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.selectors import get_scope
from cms import services
from cms.forms import OfflineReceiptForm
from cms.selectors import doctor_notices, visible_notices
from core.forms import form_refusal

OFFLINE_NOTICES = 30  # the newest notices kept on the phone


def replay_receipt(*, user: Any, params: dict[str, Any], fields: dict[str, str]) -> str:
    form = OfflineReceiptForm({key: str(value) for key, value in params.items()})
    if not form.is_valid():
        raise form_refusal(form)
    scope = get_scope(user)
    notice = visible_notices(user=user).filter(pk=form.cleaned_data["notice"], county_id=scope.county_id).first()
    if notice is None:
        raise ValidationError(_("这条通知不是发给您的，或已撤下。"))
    services.mark_read(user=user, notice=notice)
    return _("已确认阅读《%(title)s》。") % {"title": notice.title}


def pages(*, user: Any, clinic: Any) -> list[str]:
    rows = doctor_notices(user=user)[:OFFLINE_NOTICES]
    return [reverse("portal_notices:index"), *[reverse("portal_notices:detail", args=[n.pk]) for n, _r in rows]]
