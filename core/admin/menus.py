"""The staff admin's app menus, built one way.

An app whose screens are not all viewsets registers one ``register_admin_menu_item`` hook returning
``app_menu(...)``: a submenu of ``MenuEntry``s, each shown only to users holding its permission (a clerk
never sees a menu item that would answer 403). Apps whose screens are all viewsets use a ``ViewSetGroup``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem


class PermissionMenuItem(MenuItem):
    """A menu item shown only to users holding a permission."""

    def __init__(self, *args, permission: str, **kwargs):
        self.permission = permission
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    icon: str
    permission: str
    order: int
    args: tuple = ()

    def menu_item(self) -> PermissionMenuItem:
        return PermissionMenuItem(
            self.label,
            reverse(self.url_name, args=self.args),
            icon_name=self.icon,
            order=self.order,
            permission=self.permission,
        )


def app_menu(label: str | Promise, *, icon: str, order: int, entries: Sequence[MenuEntry]) -> SubmenuMenuItem:
    """One app's submenu in the main menu."""
    return SubmenuMenuItem(label, Menu(items=[entry.menu_item() for entry in entries]), icon_name=icon, order=order)
