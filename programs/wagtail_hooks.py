"""Wagtail hooks of programs: only hook functions; the screens live in programs/admin/."""

from __future__ import annotations

from django.urls import include, path
from django.utils.translation import gettext_lazy
from wagtail import hooks

from core.admin.menus import MenuEntry, app_menu
from programs.admin import urls
from programs.admin.complaints import complaint_rule_viewset, complaint_viewset
from programs.admin.drugs import (
    DrugsGroup,
)
from programs.admin.reports import item_viewset, price_viewset, quota_viewset
from programs.admin.sampling import rule_viewset


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("services/missing/", include(urls.missing)),
        path("services/records/", include(urls.records)),
        path("services/samples/", include(urls.sampling)),
        path("services/", include(urls.reports)),
        path("drugs/", include(urls.drugs)),
    ]


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [quota_viewset, item_viewset, price_viewset, rule_viewset, complaint_viewset, complaint_rule_viewset]


@hooks.register("register_admin_menu_item")
def register_menu():
    return app_menu(
        gettext_lazy("公共卫生服务"),
        icon="doc-full",
        order=200,
        entries=[
            MenuEntry(gettext_lazy("月报审核"), "reports:list", "tick", "programs.view_servicereport", order=10),
            MenuEntry(
                gettext_lazy("月报未报（催报）"), "missing:list", "warning", "programs.view_servicereport", order=15
            ),
            MenuEntry(gettext_lazy("抽查核实"), "sampling:list", "search", "programs.view_servicereport", order=16),
            MenuEntry(gettext_lazy("我的回访"), "sampling:mine", "mobile-alt", "programs.view_servicereport", order=17),
            MenuEntry(gettext_lazy("抽查规则"), "samplingrule:index", "cog", "programs.view_samplingrule", order=18),
            MenuEntry(gettext_lazy("投诉登记"), "complaint:index", "help", "programs.view_complaint", order=19),
            MenuEntry(
                gettext_lazy("投诉答复时限"), "complaintrule:index", "cog", "programs.view_complaintrule", order=19
            ),
            MenuEntry(gettext_lazy("任务完成情况"), "reports:matrix", "table", "programs.view_servicereport", order=20),
            MenuEntry(gettext_lazy("年度任务"), "quota:index", "list-ol", "programs.view_quota", order=30),
            MenuEntry(gettext_lazy("批量生成任务"), "reports:generate_quotas", "cogs", "programs.add_quota", order=40),
            MenuEntry(gettext_lazy("报表期"), "reports:periods", "date", "programs.view_reportingperiod", order=50),
            MenuEntry(
                gettext_lazy("导入月报"),
                "data:import",
                "upload",
                "programs.change_servicereport",
                order=60,
                args=("service_reports",),
            ),
            MenuEntry(gettext_lazy("服务记录"), "records:list", "list-ul", "programs.view_servicerecord", order=62),
            MenuEntry(
                gettext_lazy("导入服务记录"),
                "data:import",
                "upload",
                "programs.add_servicerecord",
                order=64,
                args=("service_records",),
            ),
            MenuEntry(
                gettext_lazy("服务记录列对应"),
                "records:mapping",
                "table",
                "programs.change_recordcolumnmapping",
                order=66,
            ),
            MenuEntry(
                gettext_lazy("服务项目目录"), "serviceitem:index", "list-ul", "programs.view_serviceitem", order=70
            ),
            MenuEntry(
                gettext_lazy("项目单价与工分"),
                "serviceitemprice:index",
                "tag",
                "programs.view_serviceitemprice",
                order=80,
            ),
        ],
    )


@hooks.register("register_admin_viewset")
def register_drugs_viewsets():
    return DrugsGroup()
