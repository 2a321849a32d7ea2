"""Validators for the resident ID number (公民身份号码, GB 11643) and mainland mobile numbers."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^\d{17}[\dX]$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_birth_date(value: str) -> date | None:
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def validate_id_number(value: str) -> None:
    text = (value or "").strip().upper()
    if not ID_RE.match(text):
        raise ValidationError(_("身份证号应为 18 位（前 17 位为数字，最后一位为数字或 X）。"), code="id_format")
    if id_birth_date(text) is None:
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth")
    if id_check_digit(text[:17]) != text[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="id_checksum")


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match((value or "").strip()):
        raise ValidationError(_("手机号应为 11 位数字，以 13–19 开头。"), code="mobile")
