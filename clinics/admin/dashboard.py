"""The county dashboard: every township of the county side by side, and the trends over the months.

For county admins (their own county) and superusers (any county, chosen with ``?county=CODE``).
The figures come from each app's ``dashboard_tiles.township_columns`` / ``township_trends``
(see ``core.dashboard``); this view only picks the county and renders them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from clinics.forms import DashboardCountyForm
from clinics.selectors import counties_for, county_for_dashboard, get_scope
from core.dashboard import county_board, staff_tiles


def may_see_county_dashboard(user) -> bool:
    return get_scope(user).is_county_admin


class CountyDashboardView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "clinics/admin/county_dashboard.html"
    page_title = _("各乡镇工作对比")
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_county_dashboard(request.user):
            raise PermissionDenied
        self.county = county_for_dashboard(request.user, DashboardCountyForm(request.GET).code())
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        if self.county is None:
            return self.page_title
        return _("%(county)s各乡镇工作对比") % {"county": self.county.name}

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        board = county_board(user=self.request.user, county=self.county, today=today) if self.county else None
        counties = (
            list(counties_for(self.request.user).order_by("code"))
            if get_scope(self.request.user).sees_everything
            else []
        )
        context.update(board=board, county=self.county, today=today, counties=counties)
        return context


class CountyDashboardMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_county_dashboard(request.user)


def menu_item():
    return CountyDashboardMenuItem(_("各乡镇工作对比"), reverse("dashboard:county"), icon_name="table", order=50)


class DashboardPanel(Component):
    """The staff admin home: every app's tiles for the user's township or county."""

    name = "dashboard"
    order = 50
    template_name = "clinics/admin/dashboard_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):

        county_url = reverse("dashboard:county") if may_see_county_dashboard(self.user) else ""
        return {"tiles": staff_tiles(user=self.user, today=timezone.localdate()), "county_url": county_url}
