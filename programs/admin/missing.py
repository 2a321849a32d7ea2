"""月报未报: the clinics of the user's scope without a submitted report for a month, with their doctors' phone
numbers and a 提醒 per clinic plus 全部提醒 (in-portal message, e-mail, SMS; recorded in the outbox)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics import selectors as org
from clinics.filters import ScopeFilterForm
from core.admin.viewsets import PermissionTemplateView
from core.forms import form_refusal, joined_messages
from doctors.selectors import log_whole_contacts_shown, sees_whole_contacts
from programs.forms import RemindMissingForm
from programs.selectors.missing import missing_reports
from programs.selectors.periods import reporting_month
from programs.services import reminders


def list_url(year: int, month: int, township_id: int | None = None) -> str:
    query = QueryDict(mutable=True)
    query.update({"year": str(year), "month": str(month)})
    if township_id:
        query["township"] = str(township_id)
    return reverse("missing:list") + "?" + query.urlencode()


class MissingReportsView(PermissionTemplateView):
    permission = "programs.view_servicereport"
    template_name = "programs/missing/admin_missing.html"
    page_title = gettext_lazy("月报未报名单（催报）")
    header_icon = "warning"

    def post(self, request, *args, **kwargs):
        form = RemindMissingForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, joined_messages(form_refusal(form)))
            return redirect(request.get_full_path())
        data = form.cleaned_data
        year, month = data["year"], data["month"]
        township = data["township"]
        back = list_url(year, month, township.pk if township else None)
        if data["remind_all"]:
            result = reminders.remind_all_missing(
                user=request.user, year=year, month=month, township_id=township.pk if township else None
            )
            if result.sent:
                messages.success(
                    request,
                    _("已提醒 %(n)s 个村卫生室（站内消息、邮件、短信共 %(m)s 条，见发件箱）。")
                    % {"n": len(result.sent), "m": len(result.messages)},
                )
            for _clinic, reason in result.refused:
                messages.warning(request, reason)
            if not result.sent and not result.refused:
                messages.info(request, _("没有需要提醒的村卫生室。"))
            return redirect(back)
        clinic = data["clinic"]
        try:
            rows = reminders.remind_missing_report(user=request.user, clinic=clinic, year=year, month=month)
        except ValidationError as exc:
            messages.error(request, joined_messages(exc))
        else:
            channels = "、".join(sorted({str(r.get_channel_display()) for r in rows}))
            messages.success(
                request, _("已提醒 %(clinic)s（%(channels)s）。") % {"clinic": clinic.name, "channels": channels}
            )
        return redirect(back)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        default_year, default_month = reporting_month(timezone.localdate())
        filters = ScopeFilterForm(self.request.GET, user=user, fields=("year", "month", "township"))
        invalid = filters.explain(self.request)
        year = filters.get("year", default_year)
        month = filters.get("month", default_month)
        township = filters.get("township")
        townships = list(org.townships_for(user).order_by("code"))
        listing = None if invalid else missing_reports(user=user, year=year, month=month, township_id=township)
        rows = []
        whole = 0
        recent = timezone.now() - timedelta(hours=settings.REMINDER_REPEAT_HOURS)
        for row in listing.rows if listing else []:
            show_whole = sees_whole_contacts(user=user, township_id=row.clinic.township_id)
            contacts = [(c.name, c.shown_mobile(show_whole), show_whole) for c in row.contacts]
            whole += sum(1 for c in row.contacts if show_whole and c.mobile)
            reminded = row.last_reminder
            rows.append(
                {
                    "row": row,
                    "contacts": contacts,
                    "reminded": reminded,
                    "reminded_recently": reminded is not None and reminded.created_at > recent,
                }
            )
        log_whole_contacts_shown(user=user, page="missing reports", count=whole)
        context.update(
            {
                "invalid": invalid,
                "listing": listing,
                "rows": rows,
                "year": year,
                "month": month,
                "township": township,
                "townships": townships,
                "months": range(1, 13),
                "show_township": len(townships) > 1,
                "may_remind": user.has_perm("programs.view_servicereport"),
                "may_register": user.has_perm("doctors.add_villagedoctor"),
                "repeat_hours": settings.REMINDER_REPEAT_HOURS,
                "reported": listing.clinics - len(listing.rows) if listing else 0,
                "dashboard_url": reverse("wagtailadmin_home"),
                "reports_url": reverse("reports:list") + f"?year={year}&month={month}",
            }
        )
        return context
