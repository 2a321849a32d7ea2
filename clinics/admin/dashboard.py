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

from clinics.forms import DashboardCountyForm, RegionBoardForm
from clinics.selectors import (
    cities_for,
    counties_for,
    county_for_dashboard,
    get_scope,
    may_compare_counties,
    region_of,
)
from core.dashboard import county_board, region_board, staff_tiles


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


def default_period(today) -> tuple[int, int]:
    """The year and the last month the comparison covers by default: this year up to last month (a month's
    reports are in once it is over); in January, the whole of last year."""
    if today.month == 1:
        return today.year - 1, 12
    return today.year, today.month - 1


class RegionDashboardView(WagtailAdminTemplateMixin, TemplateView):
    """各县工作对比: a city's or a province's counties side by side, each figure beside the same months of the
    year before. Read-only: the figures are the counties' own; nothing here changes anything."""

    template_name = "clinics/admin/region_dashboard.html"
    page_title = _("各县工作对比")
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not may_compare_counties(request.user):
            raise PermissionDenied
        self.region = region_of(request.user)  # the title and the breadcrumb both name it: read it once
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("%(region)s各县工作对比") % {"region": self.region} if self.region else self.page_title

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        default_year, default_through = default_period(today)
        year, city_code = RegionBoardForm(self.request.GET).choice()
        if year is None or year > default_year:
            year = default_year
        through = default_through if year == default_year else 12
        cities = list(cities_for(self.request.user).order_by("code"))
        city = next((c for c in cities if c.code == city_code), None)
        counties = counties_for(self.request.user).select_related("city").order_by("code")
        if city is not None:
            counties = counties.filter(city=city)
        board = region_board(user=self.request.user, counties=counties, year=year, through_month=through, today=today)
        years = list(range(default_year, default_year - 5, -1))
        context.update(board=board, today=today, year=year, through=through, years=years, cities=cities, city=city)
        return context


class RegionDashboardMenuItem(MenuItem):
    def is_shown(self, request):
        return may_compare_counties(request.user)


def region_menu_item():
    return RegionDashboardMenuItem(_("各县工作对比"), reverse("dashboard:region"), icon_name="table", order=49)


class RegionPanel(Component):
    """The admin home of a city or province official: what they oversee, and the way to the comparison."""

    name = "region"
    order = 40
    template_name = "clinics/admin/region_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        counties = counties_for(self.user)
        return {
            "region": region_of(self.user),
            "county_count": counties.count(),
            "region_url": reverse("dashboard:region"),
        }


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
