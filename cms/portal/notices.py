"""Notices in the village-doctor portal: read them and send the read receipt (已读回执)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clinics.portal.access import doctor_required
from cms import services
from cms.selectors import doctor_notices, receipt_for, visible_notices
from core.forms import joined_messages


@doctor_required
def index(request):
    rows = doctor_notices(user=request.user)
    unread = sum(1 for _notice, receipt in rows if receipt is None)
    return render(request, "cms/portal/index.html", {"rows": rows, "unread": unread, "page_title": _("通知公告")})


def _notice_or_404(request, pk):
    notice = visible_notices(user=request.user).filter(pk=pk, county_id=request.clinic.township.county_id).first()
    if notice is None:
        raise Http404
    return notice


@doctor_required
def detail(request, pk: int):
    notice = _notice_or_404(request, pk)
    return render(
        request,
        "cms/portal/detail.html",
        {
            "notice": notice,
            "receipt": receipt_for(user=request.user, notice=notice),
            "attachments": list(notice.attachments.select_related("document")),
            "page_title": notice.title,
        },
    )


@require_POST
@doctor_required
def mark_read(request, pk: int):
    notice = _notice_or_404(request, pk)
    try:
        services.mark_read(user=request.user, notice=notice)
    except ValidationError as exc:
        messages.error(request, joined_messages(exc))
        return redirect("portal_notices:detail", pk=pk)
    messages.success(request, _("已确认阅读《%(title)s》。") % {"title": notice.title})
    return redirect("portal_notices:index")
