"""County admins' log-in pages (Wagtail admin, under 设置): 被锁定的账号 with 解锁, and 登录记录 (successful and
failed log-ins) — both limited to the users of the admin's county. Also loads our staff script on every admin
page (the CSP allows no inline script)."""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Sum
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from clinics import services
from clinics.forms import LoginLogFilterForm, UnlockForm
from clinics.selectors import get_scope, login_usernames_for
from core.forms import joined_messages


def may_see_logins(user) -> bool:
    return user.is_authenticated and get_scope(user).is_county_admin


class CountyAdminPage(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_logins(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


class LockedAccountsView(CountyAdminPage):
    template_name = "clinics/admin/locked_accounts.html"
    page_title = gettext_lazy("被锁定的账号")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        rows = list(
            AccessAttempt.objects.filter(username__in=login_usernames_for(self.request.user), attempt_time__gte=since)
            .values("username")
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .order_by("-last")
        )
        for row in rows:
            row["locked"] = row["failures"] >= settings.AXES_FAILURE_LIMIT
            row["until"] = row["last"] + settings.AXES_COOLOFF_TIME
        context.update(
            rows=rows, limit=settings.AXES_FAILURE_LIMIT, minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        )
        return context

    def post(self, request, *args, **kwargs):
        form = UnlockForm(request.POST)
        form.is_valid()  # any text: the service says whether it is a locked account of the county
        username = form.cleaned_data.get("username", "")
        try:
            services.unlock_login(user=request.user, username=username)
        except ValidationError as exc:
            messages.error(request, joined_messages(exc))
        else:
            messages.success(request, _("已解锁账号“%(name)s”，可以重新登录。") % {"name": username})
        return redirect("login_security:locked")


class LoginLogView(CountyAdminPage):
    template_name = "clinics/admin/login_log.html"
    page_title = gettext_lazy("登录记录")
    KINDS = {"ok": AccessLog, "failed": AccessFailureLog}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = LoginLogFilterForm(self.request.GET)
        kind = filters.chosen_kind()
        records = (
            self.KINDS[kind]
            .objects.filter(username__in=login_usernames_for(self.request.user))
            .order_by("-attempt_time")
        )
        context.update(kind=kind, page=Paginator(records, 50).get_page(filters.page()))
        return context


class CountyAdminMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_logins(request.user)
