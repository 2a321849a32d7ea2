"""Checks of a resident's identity numbers: the 18-digit citizen ID number (GB 11643-1999) and a phone number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

__all__ = ["IdNumber", "check_id_number", "check_phone"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
_PHONE_PATTERN = re.compile(r"^(1\d{10}|0\d{9,11})$")


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    sex: str  # "M" / "F": the 17th digit, odd for men


def check_digit(first_17: str) -> str:
    return _CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first_17, _WEIGHTS, strict=True)) % 11]


def check_id_number(value: object, *, today: date | None = None) -> IdNumber:
    """The normalised number with the birth date and sex it encodes, or a Chinese ValidationError that says
    which rule failed (length, characters, birth date, check digit)."""
    text = str(value or "").strip().upper()
    if len(text) != 18:
        raise ValidationError(_("身份证号应为 18 位，这里是 %(n)s 位。") % {"n": len(text)}, code="length")
    if not _ID_PATTERN.match(text) or not text.isascii():
        raise ValidationError(_("身份证号只能是数字，最后一位可以是 X。"), code="characters")
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期 %(d)s 不存在。") % {"d": text[6:14]}, code="birth_date") from None
    if birth.year < 1900 or birth > (today or timezone.localdate()):
        raise ValidationError(_("身份证号中的出生日期 %(d)s 不合理。") % {"d": birth.isoformat()}, code="birth_date")
    if check_digit(text[:17]) != text[17]:
        raise ValidationError(_("身份证号校验位不对，请核对每一位数字。"), code="check_digit")
    return IdNumber(number=text, birth_date=birth, sex="M" if int(text[16]) % 2 else "F")


def check_phone(value: object) -> str:
    """A mobile number (11 digits starting with 1) or a landline with its area code; "" stays "" (optional)."""
    text = re.sub(r"[\s-]", "", str(value or ""))
    if text and (not text.isascii() or not _PHONE_PATTERN.match(text)):
        raise ValidationError(_("电话号码应为 11 位手机号，或带区号的固定电话。"), code="phone")
    return text
