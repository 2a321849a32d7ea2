"""Valid ID numbers and registrations for the residents tests."""

from __future__ import annotations

from residents.services import register_resident
from residents.validation import check_digit


def make_id(serial: int = 1, *, birth: str = "19800101", region: str = "320102") -> str:
    """A valid 18-digit ID number (odd serial: a man)."""
    first = f"{region}{birth}{serial % 1000:03d}"
    return first + check_digit(first)


def phone_for(serial: int) -> str:
    return f"139{serial:08d}"


def register(clinic, serial=1, *, year=2026, name="王小明", user=None, flags=None, phone=None, **kwargs):
    return register_resident(
        user=user,
        clinic=clinic,
        year=year,
        name=name,
        id_number=make_id(serial),
        phone=phone_for(serial) if phone is None else phone,
        flags=flags or {},
        **kwargs,
    )
