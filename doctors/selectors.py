"""Scoped reads of village doctors and their licences.

``practice_permission`` is the contract the programs app relies on (docs/INTERFACES.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PracticePermission:
    allowed: bool
    reason: str = ""


def practice_permission(*, user, on: date) -> PracticePermission:
    """Whether this village-doctor login may submit service reports on that date.

    Until the licence registry exists every doctor may submit; the doctors feature replaces this body.
    """
    return PracticePermission(allowed=True)
