"""The to-do inbox (待办) on the staff admin home: every app's rows for this user (see core.inbox)."""

from __future__ import annotations

from django.utils import timezone
from wagtail.admin.ui.components import Component

from clinics.roles import STAFF_ROLES
from clinics.selectors import get_scope
from core.inbox import inbox_for


def shows_inbox(user) -> bool:
    scope = get_scope(user)
    return scope.sees_everything or scope.role in STAFF_ROLES


class InboxPanel(Component):
    """First on the home, before the tiles: what waits for *me*."""

    name = "inbox"
    order = 10
    template_name = "clinics/admin/inbox_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        return {"inbox": inbox_for(user=self.user, today=timezone.localdate())}
