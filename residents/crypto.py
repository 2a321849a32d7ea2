"""Residents' ID and phone numbers at rest: encrypted (Fernet: AES-128-CBC with an HMAC, from `cryptography`),
with a keyed hash (HMAC-SHA256) for matching and exact search, and a masked form for every list.

The key is ``RESIDENT_DATA_KEY`` (a Fernet key, from the environment in production); the embedded default
generates one into ``RESIDENT_DATA_KEY_FILE`` on first use. The hash key is derived from the same key (HKDF), so
one secret is kept; losing it makes the stored numbers unreadable, which is why production must set it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "encrypt", "keyed_hash", "mask_id_number", "mask_phone"]


def _key_from_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once keep the first key written, never two different ones.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as file:
                file.write(Fernet.generate_key())
    return path.read_bytes().strip()


@cache
def _keys() -> tuple[Fernet, bytes]:
    raw = settings.RESIDENT_DATA_KEY.encode() if settings.RESIDENT_DATA_KEY else b""
    if not raw:
        raw = _key_from_file(Path(settings.RESIDENT_DATA_KEY_FILE))
    try:
        fernet = Fernet(raw)
    except ValueError as exc:
        raise ImproperlyConfigured("RESIDENT_DATA_KEY must be a Fernet key (32 url-safe base64 bytes)") from exc
    hash_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"resident-lookup-hash").derive(
        base64.urlsafe_b64decode(raw)
    )
    return fernet, hash_key


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _keys()[0].encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    return _keys()[0].decrypt(token.encode("ascii")).decode()


def keyed_hash(value: str) -> str:
    """The lookup hash of a normalised value (upper case, no spaces); "" for no value. Equal numbers give equal
    hashes, and without the key a hash cannot be computed from a guessed number."""
    value = value.strip().upper()
    if not value:
        return ""
    return hmac.new(_keys()[1], value.encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """3201**********1234: the region's first four digits and the last four; the birth date is hidden."""
    value = value.strip().upper()
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678 for a mobile number; other numbers keep only their last four digits."""
    value = value.strip()
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]
