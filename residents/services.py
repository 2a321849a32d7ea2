"""Changes to the residents register, and the record of every sight of residents' whole numbers."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction

from residents.models import PersonalDataAccess, Resident

__all__ = ["record_access"]

personal_data = logging.getLogger("personal_data")


@transaction.atomic
def record_access(
    *,
    user: User | None,
    kind: PersonalDataAccess.Kind,
    page: str,
    residents: Iterable[Resident | int],
    county_id: int | None,
) -> PersonalDataAccess | None:
    """Record that ``user`` saw whole numbers of ``residents`` (or exported their personal data) on ``page``.
    Nothing is recorded when no resident was shown. The county's access log (PersonalDataAccess) lists it."""
    ids = sorted({r if isinstance(r, int) else r.pk for r in residents})
    if not ids:
        return None
    entry = PersonalDataAccess.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        kind=kind,
        page=page[:200],
        county_id=county_id,
        resident_count=len(ids),
    )
    entry.residents.set(ids)
    personal_data.info("%s: %s of %s residents for user %s", page, kind, len(ids), getattr(user, "pk", None))
    return entry
