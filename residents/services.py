"""Changes to the residents register, and the record of every sight of residents' whole numbers."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clinics.models import Clinic
from clinics.selectors import can_manage_clinic
from core import audit
from core.validation import MAX_YEAR, MIN_YEAR
from residents import crypto
from residents.models import PersonalDataAccess, Resident, ResidentRegistration
from residents.validation import IdNumber, check_id_number, check_phone

__all__ = ["ResidentNumbers", "numbers_for", "record_access", "record_export", "register_resident"]

personal_data = logging.getLogger("personal_data")


@dataclass(frozen=True)
class ResidentNumbers:
    """The stored forms of one resident's ID and phone numbers (cipher text, keyed hash, mask)."""

    id_number: IdNumber
    id_number_hash: str
    id_number_encrypted: str
    id_number_masked: str
    phone_hash: str
    phone_encrypted: str
    phone_masked: str

    def apply(self, resident: Resident) -> None:
        resident.id_number_hash = self.id_number_hash
        resident.id_number_encrypted = self.id_number_encrypted
        resident.id_number_masked = self.id_number_masked
        resident.birth_date = self.id_number.birth_date
        resident.sex = self.id_number.sex
        resident.phone_hash = self.phone_hash
        resident.phone_encrypted = self.phone_encrypted
        resident.phone_masked = self.phone_masked


def numbers_for(id_number: IdNumber, phone: str) -> ResidentNumbers:
    """Encrypt, hash and mask a checked ID number and phone number (the service and the import share it)."""
    return ResidentNumbers(
        id_number=id_number,
        id_number_hash=crypto.keyed_hash(id_number.number),
        id_number_encrypted=crypto.encrypt(id_number.number),
        id_number_masked=crypto.mask_id_number(id_number.number),
        phone_hash=crypto.keyed_hash(phone),
        phone_encrypted=crypto.encrypt(phone),
        phone_masked=crypto.mask_phone(phone),
    )


def check_flags(flags: Mapping[str, bool]) -> dict[str, bool]:
    unknown = sorted(set(flags) - set(ResidentRegistration.FLAGS))
    if unknown:
        raise ValidationError(_("未知的重点人群：%(names)s") % {"names": "、".join(unknown)}, code="flag")
    return {name: bool(flags.get(name, False)) for name in ResidentRegistration.FLAGS}


def move_reason(clinic: Clinic) -> str:
    """The reason the change history gives for a registration moving to ``clinic``."""
    return _("迁入%(clinic)s") % {"clinic": clinic.name}


@transaction.atomic
def register_resident(
    *,
    user: User | None,
    clinic: Clinic,
    year: int,
    name: str,
    id_number: str,
    phone: str = "",
    village_group: str = "",
    flags: Mapping[str, bool],
) -> ResidentRegistration:
    """Put a resident on ``clinic``'s register for ``year``: the resident is found by the ID number's keyed hash
    or created (birth date and sex come from the number); the year's registration is created or updated. A
    registration that moves to another clinic is one action of the change history, its reason "迁入…".
    ``user`` None: the command line (no scope limit); otherwise the user must manage the clinic."""
    if user is not None and not can_manage_clinic(user, clinic):
        raise PermissionDenied
    errors: dict[str, list[ValidationError]] = {}
    name = (name or "").strip()
    village_group = (village_group or "").strip()
    checked_id: IdNumber | None = None
    checked_phone = ""
    if not name:
        errors.setdefault("name", []).append(ValidationError(_("请填写姓名。"), code="required"))
    elif len(name) > Resident._meta.get_field("name").max_length:  # type: ignore[operator]
        errors.setdefault("name", []).append(ValidationError(_("姓名最多 50 个字。"), code="max_length"))
    if len(village_group) > ResidentRegistration._meta.get_field("village_group").max_length:  # type: ignore[operator]
        errors.setdefault("village_group", []).append(ValidationError(_("村民小组最多 50 个字。"), code="max_length"))
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors.setdefault("year", []).append(
            ValidationError(_("年度应在 %(min)s–%(max)s 之间。") % {"min": MIN_YEAR, "max": MAX_YEAR}, code="year")
        )
    try:
        checked_id = check_id_number(id_number)
    except ValidationError as exc:
        errors.setdefault("id_number", []).append(exc)
    try:
        checked_phone = check_phone(phone)
    except ValidationError as exc:
        errors.setdefault("phone", []).append(exc)
    try:
        chosen = check_flags(flags)
    except ValidationError as exc:
        errors.setdefault("flags", []).append(exc)
    if errors or checked_id is None:
        raise ValidationError(errors)

    numbers = numbers_for(checked_id, checked_phone)
    resident = Resident.objects.select_for_update().filter(id_number_hash=numbers.id_number_hash).first()
    if resident is None:
        resident = Resident(name=name)
        numbers.apply(resident)
        resident.save()
    else:
        changed = resident.name != name or (checked_phone and resident.phone_hash != numbers.phone_hash)
        if changed:
            resident.name = name
            if checked_phone:
                resident.phone_hash = numbers.phone_hash
                resident.phone_encrypted = numbers.phone_encrypted
                resident.phone_masked = numbers.phone_masked
            resident.save(update_fields=["name", "phone_hash", "phone_encrypted", "phone_masked"])

    registration = ResidentRegistration.objects.select_for_update().filter(resident=resident, year=year).first()
    if registration is None:
        registration = ResidentRegistration(resident=resident, year=year, clinic=clinic)
        moved = False
    else:
        moved = registration.clinic_id != clinic.pk
        registration.clinic = clinic
    registration.village_group = village_group
    for flag, value in chosen.items():
        setattr(registration, flag, value)
    with audit.action(user=user, reason=move_reason(clinic) if moved else ""):
        registration.save()
    return registration


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
    through = PersonalDataAccess.residents.through
    through.objects.bulk_create(
        [through(personaldataaccess_id=entry.pk, resident_id=pk) for pk in ids], batch_size=5000
    )
    personal_data.info("%s: %s of %s residents for user %s", page, kind, len(ids), getattr(user, "pk", None))
    return entry


def record_export(*, user: User | None, page: str, residents_by_county: Iterable[tuple[int, int | None]]) -> None:
    """Record an export of personal data: one access-log entry per county, of the (resident id, county id) pairs
    the exported rows name (every export of residents or their records calls this)."""
    by_county: dict[int | None, set[int]] = {}
    for resident_id, county_id in residents_by_county:
        by_county.setdefault(county_id, set()).add(resident_id)
    for county_id, ids in by_county.items():
        record_access(user=user, kind=PersonalDataAccess.Kind.EXPORT, page=page, residents=ids, county_id=county_id)
