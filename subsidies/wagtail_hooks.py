"""Wagtail hooks of subsidies: only hook functions; the screens live in subsidies/admin/."""

from __future__ import annotations

from django.urls import include, path
from django.utils.translation import gettext_lazy
from wagtail import hooks

from core.admin.menus import MenuEntry, app_menu
from subsidies.admin import urls
from subsidies.admin.assessments import (
    score_item_viewset,
    sheet_viewset,
)
from subsidies.admin.settlement import advance_viewset, policy_item_viewset, policy_viewset


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("assessments/", include(urls.assessments)),
        path("settlement/", include(urls.settlement)),
    ]


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [sheet_viewset, score_item_viewset]


@hooks.register("register_admin_menu_item")
def register_menu():
    return app_menu(
        gettext_lazy("绩效考核"),
        icon="form",
        order=300,
        entries=[
            MenuEntry(gettext_lazy("季度考核"), "assessments:list", "form", "subsidies.view_assessment", order=10),
            MenuEntry(
                gettext_lazy("督导检查与整改"),
                "assessments:inspections",
                "search",
                "subsidies.view_inspection",
                order=20,
            ),
            MenuEntry(
                gettext_lazy("满意度回访"),
                "assessments:satisfaction",
                "user",
                "subsidies.view_satisfactionsurvey",
                order=30,
            ),
            MenuEntry(gettext_lazy("考核申诉"), "assessments:appeals", "help", "subsidies.view_appeal", order=40),
            MenuEntry(
                gettext_lazy("考核排名"), "assessments:ranking", "list-ol", "subsidies.view_assessment", order=50
            ),
            MenuEntry(gettext_lazy("考核评分表"), "scoresheet:index", "form", "subsidies.change_scoresheet", order=60),
            MenuEntry(gettext_lazy("考核项目"), "scoreitem:index", "list-ol", "subsidies.change_scoreitem", order=70),
        ],
    )


@hooks.register("register_admin_viewset")
def register_viewsets_settlement():
    return [policy_viewset, policy_item_viewset, advance_viewset]


@hooks.register("register_admin_menu_item")
def register_menu_settlement():
    return app_menu(
        gettext_lazy("补助结算"),
        icon="doc-full-inverse",
        order=400,
        entries=[
            MenuEntry(
                gettext_lazy("补助结算"),
                "settlement:runs",
                "doc-full-inverse",
                "subsidies.view_settlementrun",
                order=10,
            ),
            MenuEntry(
                gettext_lazy("补助政策"), "subsidypolicy:index", "cogs", "subsidies.view_subsidypolicy", order=20
            ),
            MenuEntry(gettext_lazy("政策项目标准"), "policyitem:index", "tag", "subsidies.view_policyitem", order=30),
            MenuEntry(gettext_lazy("预拨款"), "advance:index", "form", "subsidies.view_advance", order=40),
            MenuEntry(
                gettext_lazy("按政策生成预拨款"), "settlement:advances", "form", "subsidies.add_advancebatch", order=50
            ),
        ],
    )
