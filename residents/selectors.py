"""Scoped reads of the residents register, and the key-population denominators other apps read."""

from __future__ import annotations

import re
from typing import cast

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from clinics.models import Clinic
from clinics.selectors import AnyUser, ClinicIds, id_filter, restrict
from residents import crypto
from residents.models import PersonalDataAccess, Resident, ResidentRegistration

__all__ = [
    "access_log_for",
    "find_residents_for_clinic",
    "key_population_counts",
    "registrations_for",
    "resident_or_404",
    "residents_for",
    "search_condition",
]

_TAIL = re.compile(r"^\d{3}[\dXx]$")
_WHOLE_ID = re.compile(r"^\d{17}[\dXx]$")
_WHOLE_PHONE = re.compile(r"^(1\d{10}|0\d{9,11})$")


def search_condition(search: str, *, prefix: str = "") -> Q | None:
    """What a search box matches: a whole 18-digit ID number (by its keyed hash), a whole phone number (by its
    hash), the last four digits of the ID or phone number (the masked columns' tails), else part of the name.
    ``prefix``: the path to the resident ("resident__"). None for an empty search."""
    text = (search or "").strip()
    if not text:
        return None
    if not text.isascii():
        return Q(**{f"{prefix}name__icontains": text})
    if _WHOLE_ID.match(text):
        return Q(**{f"{prefix}id_number_hash": crypto.keyed_hash(text)})
    if _WHOLE_PHONE.match(text):
        return Q(**{f"{prefix}phone_hash": crypto.keyed_hash(text)})
    if _TAIL.match(text):
        tail = text.upper()
        return Q(**{f"{prefix}id_number_masked__endswith": tail}) | Q(**{f"{prefix}phone_masked__endswith": tail})
    return Q(**{f"{prefix}name__icontains": text})


def registrations_for(
    user: AnyUser, *, year: int, clinic_id: int | None = None, flag: str | None = None, search: str = ""
) -> QuerySet[ResidentRegistration]:
    """The year's registrations the user may see (a doctor: their clinic; staff: their township; county: their
    county), narrowed to one clinic, one key-population flag (ResidentRegistration.FLAGS) and a search."""
    qs = restrict(ResidentRegistration.objects.filter(year=year), user, clinic="clinic")
    if clinic_id:
        qs = qs.filter(clinic_id=clinic_id)
    if flag:
        if flag not in ResidentRegistration.FLAGS:
            raise ValueError(flag)
        qs = qs.filter(**{flag: True})
    condition = search_condition(search, prefix="resident__")
    if condition is not None:
        qs = qs.filter(condition)
    return qs


def residents_for(user: AnyUser) -> QuerySet[Resident]:
    """Residents with a registration (of any year) in the user's scope."""
    visible = restrict(ResidentRegistration.objects.all(), user, clinic="clinic").values("resident_id")
    return Resident.objects.filter(pk__in=visible)


def find_residents_for_clinic(user: AnyUser, clinic: Clinic, query: str, *, limit: int = 20) -> list[Resident]:
    """The doctor's quick entry: residents on ``clinic``'s register (any year, the user's scope) whose name,
    ID tail or phone tail matches ``query``; at most ``limit``, by name."""
    condition = search_condition(query)
    if condition is None:
        return []
    on_register = restrict(ResidentRegistration.objects.filter(clinic=clinic), user, clinic="clinic").values(
        "resident_id"
    )
    return list(Resident.objects.filter(condition, pk__in=on_register).order_by("name", "pk")[:limit])


def key_population_counts(*, clinic_ids: ClinicIds, year: int) -> dict[int, dict[str, int]]:
    """The denominators of the key populations: for each clinic, how many of the year's registered residents
    carry each flag (ResidentRegistration.FLAGS), plus ``"total"``. One query (a conditional Count per flag).
    Trusted: the caller has scoped ``clinic_ids`` (dashboards pass clinics_for(user), scoring its run's
    clinics). Clinics without registrations are absent."""
    aggregates = {flag: Count("pk", filter=Q(**{flag: True})) for flag in ResidentRegistration.FLAGS}
    rows = (
        ResidentRegistration.objects.filter(clinic_id__in=id_filter(clinic_ids), year=year)
        .values("clinic_id")
        .annotate(total=Count("pk"), **aggregates)
        .order_by()
    )
    return {row.pop("clinic_id"): row for row in rows}


def access_log_for(user: AnyUser) -> QuerySet[PersonalDataAccess]:
    """The personal-data access log of the user's county (county admins; others see nothing they may not)."""
    return restrict(PersonalDataAccess.objects.all(), user, county="county")


def resident_or_404(user: AnyUser, *, pk: object) -> Resident:
    """A resident with a registration in the user's scope; 404 otherwise, whether they exist or not."""
    try:
        return residents_for(user).get(pk=cast("int | str", pk))  # a bad value raises below, as a 404
    except (Resident.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
