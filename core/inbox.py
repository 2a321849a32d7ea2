"""The to-do inbox (待办) on each role's home: what waits for *me*, each row a count and one link to the list.

Each app registers one provider in its ``AppConfig.ready``::

    from core.inbox import register_inbox
    register_inbox(inbox.inbox_items)

A provider is ``fn(*, user, today) -> list[InboxItem | NextStep]`` (in ``<app>/inbox.py``): it looks at the
user's role (``clinics.selectors.get_scope``), counts through the app's own scoped selectors (a user only ever
counts items in their own clinic, township or county) with one or a few aggregate queries per item, whatever
the data size, and returns an ``InboxItem`` per kind of work (a zero count is dropped here, so a provider may
return it) and, optionally, a ``NextStep``: what comes next when nothing waits ("12月月报：1月5日前提交").
``inbox_for`` gathers them; the admin home (``clinics.admin.inbox.InboxPanel``) and the portal home
(``clinics.portal.home``) show them with ``templates/core/inbox.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class InboxItem:
    """One kind of work waiting for the user: "待核实的月报 3 份" → the list that holds them."""

    label: str
    count: int
    url: str
    level: str = "warn"  # "warn" (to do) or "danger" (late: a deadline passed)
    detail: str = ""  # one short line under the label: the reason of a return, the nearest deadline
    order: int = 100
    unit: str = ""  # the count's unit: 份, 个, 件, 条


@dataclass(frozen=True)
class NextStep:
    """What comes next, shown when the inbox is empty (and under it otherwise)."""

    text: str
    url: str = ""
    order: int = 100


def day_label(day: date, *, today: date | None = None) -> str:
    """A date as the rows say it: "12月10日" (with the year when it is not this year's)."""
    if today is not None and day.year != today.year:
        return _("%(y)s年%(m)s月%(d)s日") % {"y": day.year, "m": day.month, "d": day.day}
    return _("%(m)s月%(d)s日") % {"m": day.month, "d": day.day}


Provider = Callable[..., list[Any]]
PROVIDERS: list[Provider] = []


def register_inbox(provider: Provider) -> Provider:
    """Add an app's provider (idempotent: ``ready()`` may run twice in tests)."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    return provider


@dataclass
class Inbox:
    items: list[InboxItem] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)

    @property
    def empty(self) -> bool:
        return not self.items


def inbox_for(*, user: Any, today: date) -> Inbox:
    """Every app's rows for this user, non-zero counts only, in order."""
    inbox = Inbox()
    for provider in PROVIDERS:
        for entry in provider(user=user, today=today):
            if isinstance(entry, NextStep):
                inbox.next_steps.append(entry)
            elif entry.count > 0:
                inbox.items.append(entry)
    inbox.items.sort(key=lambda item: item.order)
    inbox.next_steps.sort(key=lambda step: step.order)
    return inbox
