"""Wagtail hooks of clinics: only hook functions; the screens live in clinics/admin/."""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy
from wagtail import hooks

from clinics.admin import urls
from clinics.admin.audit import AuditMenuItem
from clinics.admin.dashboard import (
    DashboardPanel,
    RegionPanel,
    region_menu_item,
)
from clinics.admin.dashboard import menu_item as county_dashboard_menu_item
from clinics.admin.inbox import InboxPanel, shows_inbox
from clinics.admin.login_security import (
    CountyAdminMenuItem,
)
from clinics.admin.organisation import (
    OrganisationGroup,
)
from clinics.selectors import get_scope


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("data/", include(urls.data)),
        path("dashboard/", include(urls.dashboard)),
        path("logins/", include(urls.login_security)),
        path("audit/", include(urls.audit)),
    ]


@hooks.register("register_admin_viewset")
def register_organisation():
    return OrganisationGroup()


@hooks.register("register_admin_menu_item")
def register_dashboard_menu():
    return county_dashboard_menu_item()


@hooks.register("register_admin_menu_item")
def register_region_menu():
    return region_menu_item()


@hooks.register("construct_main_menu")
def hide_wagtail_help(request, menu_items):
    # Wagtail's "help / what's new" menu means nothing to a township clerk.
    menu_items[:] = [item for item in menu_items if item.name != "help"]


@hooks.register("construct_homepage_panels")
def add_dashboard_panel(request, panels):
    if shows_inbox(request.user):
        panels.append(InboxPanel(request.user))
    if request.user.has_perm("clinics.view_clinic"):
        panels.append(DashboardPanel(request.user))
    if get_scope(request.user).is_regional:
        panels.append(RegionPanel(request.user))


@hooks.register("register_settings_menu_item")
def locked_menu_item():
    return CountyAdminMenuItem(
        gettext_lazy("被锁定的账号"), reverse("login_security:locked"), icon_name="lock", order=900
    )


@hooks.register("register_settings_menu_item")
def log_menu_item():
    return CountyAdminMenuItem(gettext_lazy("登录记录"), reverse("login_security:log"), icon_name="history", order=910)


@hooks.register("register_settings_menu_item")
def audit_menu_item():
    return AuditMenuItem(gettext_lazy("修改记录"), reverse("audit:log"), icon_name="history", order=920)


@hooks.register("insert_global_admin_css")
def staff_styles():
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))


@hooks.register("insert_global_admin_js")
def staff_script():
    return format_html('<script src="{}" defer></script>', static("js/staff.js"))
