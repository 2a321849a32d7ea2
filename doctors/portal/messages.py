"""The doctor's messages (提醒): reminders from the township or county, unread first, each marked read with 知道了."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clinics.portal.access import doctor_required
from core.forms import form_refusal, joined_messages
from doctors import selectors, services
from doctors.forms import MarkReadForm


@doctor_required
@require_http_methods(["GET", "POST"])
def inbox(request):
    if request.method == "POST":
        form = MarkReadForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                message = services.mark_message_read(user=request.user, message=form.cleaned_data["message"])
            except ValidationError as exc:
                messages.error(request, joined_messages(exc))
            else:
                if form.cleaned_data["open"] and message.link.startswith("/"):
                    return redirect(message.link)
                messages.success(request, _("已标记为已读。"))
        else:
            messages.error(request, joined_messages(form_refusal(form)))
        return redirect("portal_messages:inbox")
    rows = list(selectors.messages_for_doctor(user=request.user).select_related("sent_by")[:50])
    return render(
        request,
        "doctors/portal/messages.html",
        {"page_title": _("提醒消息"), "rows": rows, "unread": sum(1 for m in rows if m.read_at is None)},
    )
