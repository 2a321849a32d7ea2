"""Wagtail hooks of the residents register: only hook functions; the screens live in residents/admin/."""

from __future__ import annotations

from django.urls import include, path
from django.utils.translation import gettext_lazy
from wagtail import hooks

from core.admin.menus import MenuEntry, app_menu
from residents.admin import urls


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("residents/", include(urls.residents))]


@hooks.register("register_admin_menu_item")
def register_menu():
    return app_menu(
        gettext_lazy("辖区居民"),
        icon="group",
        order=190,
        entries=[
            MenuEntry(
                gettext_lazy("居民登记"), "residents:list", "group", "residents.view_residentregistration", order=10
            ),
            MenuEntry(
                gettext_lazy("导入居民"),
                "data:import",
                "upload",
                "residents.add_residentregistration",
                order=20,
                args=("residents",),
            ),
            MenuEntry(
                gettext_lazy("个人信息查看记录"),
                "residents:access_log",
                "history",
                "residents.view_personaldataaccess",
                order=30,
            ),
        ],
    )
