from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from clinics import selectors as org
from clinics.filters import ScopeFilterForm
from cms.forms import ReceiptListFilterForm, ReceiptTownshipForm, RemindUnreadForm
from cms.models import Category
from cms.resources import UnreadDoctorResource
from cms.selectors import (
    notice_rates,
    read_percent,
    staff_notices,
    township_rates,
    unread_doctors,
)
from cms.services import remind_unread
from core.admin.viewsets import PermissionTemplateView
from core.forms import form_refusal, joined_messages
from core.spreadsheets import xlsx_response

PERMISSION = "cms.view_noticereceipt"


class ReceiptListView(PermissionTemplateView):
    permission = PERMISSION
    template_name = "cms/admin/receipts.html"
    page_title = gettext_lazy("通知阅读情况")
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):

        context = super().get_context_data(**kwargs)
        notices = staff_notices(user=self.request.user)
        filters = ReceiptListFilterForm(self.request.GET)
        category = filters.value("category")
        if category:
            notices = notices.filter(category=category)
        page_obj = Paginator(notices, 30).get_page(filters.value("page"))
        rates = notice_rates(user=self.request.user, notices=list(page_obj))
        rows = []
        for notice in page_obj:
            expected, read = rates[notice.pk]
            rows.append(
                {
                    "notice": notice,
                    "expected": expected,
                    "read": read,
                    "unread": expected - read,
                    "percent": read_percent(expected, read),
                }
            )
        context.update(
            {
                "rows": rows,
                "page_obj": page_obj,
                "categories": Category.choices,
                "category": category,
                "scope": org.get_scope(self.request.user),
            }
        )
        return context


class ReceiptDetailView(PermissionTemplateView):
    permission = PERMISSION
    template_name = "cms/admin/receipt_detail.html"
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_perm(PERMISSION):
            self.notice = org.get_scoped_or_404(
                staff_notices(user=request.user), request.user, pk=kwargs["pk"], county="county"
            )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("阅读情况：%(title)s") % {"title": self.notice.title}

    def post(self, request, *args, **kwargs):
        """提醒 / 全部提醒 the doctors who have not read the notice (township staff and county admins)."""
        if not _may_remind(request.user):
            raise PermissionDenied
        form = RemindUnreadForm(request.POST, doctors=unread_doctors(user=request.user, notice=self.notice))
        back = request.get_full_path()
        if not form.is_valid():
            messages.error(request, joined_messages(form_refusal(form)))
            return redirect(back)
        if form.cleaned_data["remind_all"]:
            township_id = form.cleaned_data.get("township")
            doctors = list(unread_doctors(user=request.user, notice=self.notice, township_id=township_id)[:500])
        else:
            doctors = [form.cleaned_data["doctor"]]
        sent, refused = remind_unread(user=request.user, notice=self.notice, doctors=doctors)
        reached = len({m.user_id or m.recipient_name for m in sent})
        if sent:
            messages.success(
                request,
                _("已提醒 %(n)s 位村医（站内消息、邮件、短信共 %(m)s 条，见发件箱）。")
                % {"n": reached, "m": len(sent)},
            )
        for reason in refused:
            messages.warning(request, reason)
        return redirect(back)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        township_id = ReceiptTownshipForm(self.request.GET).township_id()
        rates = township_rates(user=self.request.user, notice=self.notice)
        if township_id not in {r.township.pk for r in rates}:
            township_id = None
        scope = org.get_scope(self.request.user)
        show_unread = scope.level == "township" or township_id is not None
        unread = (
            list(unread_doctors(user=self.request.user, notice=self.notice, township_id=township_id)[:500])
            if show_unread
            else []
        )
        expected = sum(r.expected for r in rates)
        read = sum(r.read for r in rates)
        context.update(
            {
                "notice": self.notice,
                "rates": rates,
                "unread": unread,
                "township_id": township_id,
                "show_unread": show_unread,
                "expected": expected,
                "read": read,
                "percent": read_percent(expected, read),
                "scope": scope,
                "may_remind": _may_remind(self.request.user),
                "repeat_hours": settings.REMINDER_REPEAT_HOURS,
            }
        )
        return context


def _may_remind(user) -> bool:
    scope = org.get_scope(user)
    return scope.is_township_staff or scope.is_county_admin


class UnreadExportView(View):
    def get(self, request, pk):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        notice = org.get_scoped_or_404(staff_notices(user=request.user), request.user, pk=pk, county="county")
        township_id = ScopeFilterForm(request.GET, user=request.user, fields=("township",)).or_404().get("township")
        rows = unread_doctors(user=request.user, notice=notice, township_id=township_id)
        data = UnreadDoctorResource().export(queryset=rows)
        return xlsx_response(data.export("xlsx"), filename=f"unread-{notice.pk}.xlsx")
