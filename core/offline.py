"""The offline portal's registry: the kinds of entry a doctor can make with no signal, and the pages kept offline.

A phone queues an entry (a form's fields, with a client-made UUID) while offline and sends it later to the sync
endpoint (``clinics.portal.offline.sync``), which replays it once through ``clinics.services.replay_offline_entry``.
That code sits in ``clinics``, below the apps whose forms and services do the work, so each app registers its
kinds here from its ``AppConfig.ready`` (as ``core.portal`` does for the home tiles):

- ``register_entry_kind(name=..., label=..., replay=fn)``: ``fn(*, user, params, fields) -> str`` validates
  ``fields`` (the posted form fields, strings) with the same form as the online page, calls the same service and
  returns the Chinese "saved" message; it raises ``ValidationError`` (Chinese) to refuse the entry.
- ``register_offline_pages(fn)``: ``fn(*, user, clinic) -> list[str]`` names the portal pages (paths) the phone
  fetches and keeps for reading offline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

Replay = Callable[..., str]
PageLister = Callable[..., list[str]]


@dataclass(frozen=True)
class EntryKind:
    name: str
    label: str | Promise
    replay: Replay


ENTRY_KINDS: dict[str, EntryKind] = {}
PAGE_LISTERS: list[PageLister] = []


def register_entry_kind(*, name: str, label: str | Promise, replay: Replay) -> None:
    ENTRY_KINDS[name] = EntryKind(name=name, label=label, replay=replay)


def register_offline_pages(lister: PageLister) -> None:
    if lister not in PAGE_LISTERS:
        PAGE_LISTERS.append(lister)


def offline_pages(*, user: Any, clinic: Any) -> list[str]:
    """Every registered page for this doctor, in registration order, without duplicates."""
    pages: list[str] = []
    for lister in PAGE_LISTERS:
        for path in lister(user=user, clinic=clinic):
            if path not in pages:
                pages.append(path)
    return pages
