"""发件箱: every reminder sent to doctors in the user's scope, its delivery state, and 重发 for failed ones."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics import selectors as org
from clinics.filters import ScopeFilterForm
from core.admin.viewsets import PermissionTemplateView
from core.forms import form_refusal, joined_messages
from doctors import selectors, services
from doctors.forms import OutboxFilterForm, RetryOutboxForm
from doctors.models import OutboxMessage


class OutboxView(PermissionTemplateView):
    permission = "doctors.view_outboxmessage"
    template_name = "doctors/outbox/admin_outbox.html"
    page_title = gettext_lazy("发件箱（提醒记录）")
    header_icon = "mail"

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("doctors.change_outboxmessage"):
            messages.error(request, _("您没有重发消息的权限。"))
            return redirect(request.get_full_path())
        form = RetryOutboxForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, joined_messages(form_refusal(form)))
            return redirect(request.get_full_path())
        try:
            message = services.retry_message(user=request.user, message=form.cleaned_data["message"])
        except ValidationError as exc:
            messages.error(request, joined_messages(exc))
        else:
            if message.status == OutboxMessage.Status.SENT:
                messages.success(request, _("已重发给 %(name)s。") % {"name": message.recipient_name})
            else:
                messages.error(
                    request,
                    _("重发仍然失败：%(error)s。稍后系统会自动再试。") % {"error": message.last_error},
                )
        return redirect(request.get_full_path())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        places = ScopeFilterForm(self.request.GET, user=user, fields=("township",))
        filters = OutboxFilterForm(self.request.GET)
        rows = selectors.outbox_for(user)
        if places.explain(self.request):
            rows = rows.none()
        if township := places.get("township"):
            rows = rows.filter(clinic__township_id=township)
        if status := filters.value("status"):
            rows = rows.filter(status=status)
        if channel := filters.value("channel"):
            rows = rows.filter(channel=channel)
        page = Paginator(rows, 50).get_page(self.request.GET.get("p"))
        shown = []
        whole = 0
        for row in page.object_list:
            address = row.address
            if row.channel in (OutboxMessage.Channel.SMS, OutboxMessage.Channel.EMAIL):
                if selectors.sees_whole_contacts(user=user, township_id=row.clinic.township_id):
                    whole += 1
                elif row.channel == OutboxMessage.Channel.SMS:
                    address = selectors.mask_mobile(address)
                else:
                    address = selectors.mask_email(address)
            shown.append((row, address))
        selectors.log_whole_contacts_shown(user=user, page="outbox", count=whole)
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(
            {
                "page": page,
                "rows": shown,
                "statuses": OutboxMessage.Status.choices,
                "channels": OutboxMessage.Channel.choices,
                "status": filters.value("status"),
                "channel": filters.value("channel"),
                "township": places.get("township"),
                "townships": org.townships_for(user).order_by("code"),
                "query": query.urlencode(),
                "may_retry": user.has_perm("doctors.change_outboxmessage"),
            }
        )
        return context
