"""Residents and ID numbers for the service-records tests (tests write the register directly: its services are
another feature's)."""

from residents.crypto import encrypt, keyed_hash, mask_id_number, mask_phone
from residents.models import Resident, ResidentRegistration
from residents.validation import check_digit, check_id_number


def id_number(serial: int, *, region: str = "320102", birth: str = "19600101") -> str:
    first = f"{region}{birth}{serial % 1000:03d}"
    return first + check_digit(first)


def make_resident(name: str, number: str, *, clinic=None, year: int = 2026, phone: str = "") -> Resident:
    checked = check_id_number(number)
    resident = Resident.objects.create(
        name=name,
        id_number_hash=keyed_hash(number),
        id_number_encrypted=encrypt(number),
        id_number_masked=mask_id_number(number),
        sex=checked.sex,
        birth_date=checked.birth_date,
        phone_hash=keyed_hash(phone),
        phone_encrypted=encrypt(phone),
        phone_masked=mask_phone(phone) if phone else "",
    )
    if clinic is not None:
        ResidentRegistration.objects.create(resident=resident, clinic=clinic, year=year)
    return resident
