"""One parser per kind of value (whole number, decimal, date), shared by the import widgets
(``core.dataio``), the portal and admin forms (the ``Strict*Field`` form fields below) and the
services, so a value refused on one path is refused on every path with the same Chinese message.

Limits come from the model field itself (``limits_of``): max_digits / decimal_places of a
DecimalField, the integer range every supported database can store, and Min/MaxValueValidators.

Parsing is of the whole string: "12abc", "2026-11-20xyz", "1e3", full-width "１２" and "²" are
refused (``int()`` and ``Decimal()`` accept some of these, ``str.isdigit()`` accepts "²" that
``int()`` then refuses), never read as a prefix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, overload

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _

# Dates outside this window are typing errors whatever the column (a year 0026 or 9999).
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
# Records of the health system (reports, drug purchases and sales) start in 2000 (years 2000–2100 everywhere).
MIN_RECORD_DATE = date(2000, 1, 1)

# Years of reports, quotas and populations.
MIN_YEAR, MAX_YEAR = 2000, 2100

_INTEGER_RE = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0*)?")
_DECIMAL_RE = re.compile(r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)")
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T]00:00(?::00)?)?")


@dataclass(frozen=True)
class Limits:
    min_value: int | Decimal | None = None
    max_value: int | Decimal | None = None
    max_digits: int | None = None
    decimal_places: int | None = None

    def narrowed(self, other: Limits) -> Limits:
        """Both sets of limits at once (the tighter of each)."""

        def tighter(a, b, pick):
            return b if a is None else a if b is None else pick(a, b)

        return Limits(
            min_value=tighter(self.min_value, other.min_value, max),
            max_value=tighter(self.max_value, other.max_value, min),
            max_digits=tighter(self.max_digits, other.max_digits, min),
            decimal_places=tighter(self.decimal_places, other.decimal_places, min),
        )

    def as_kwargs(self) -> dict:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "max_digits": self.max_digits,
            "decimal_places": self.decimal_places,
        }


def limits_of(model_field: models.Field) -> Limits:
    """What a model field can hold on every database we support (SQLite and PostgreSQL)."""
    min_value = max_value = None
    max_digits = decimal_places = None
    internal = model_field.get_internal_type()
    if internal in BaseDatabaseOperations.integer_field_ranges:
        # The portable (PostgreSQL) range: SQLite's own range is 64-bit and would let values through
        # that PostgreSQL refuses.
        min_value, max_value = BaseDatabaseOperations.integer_field_ranges[internal]
    if isinstance(model_field, models.DecimalField):
        max_digits, decimal_places = model_field.max_digits, model_field.decimal_places
    limits = Limits(min_value, max_value, max_digits, decimal_places)
    for validator in model_field.validators:
        limit = getattr(validator, "limit_value", None)
        if callable(limit):
            limit = limit()
        if isinstance(validator, MinValueValidator):
            limits = limits.narrowed(Limits(min_value=limit))
        elif isinstance(validator, MaxValueValidator):
            limits = limits.narrowed(Limits(max_value=limit))
    return limits


def field_limits(model, name: str) -> Limits:
    return limits_of(model._meta.get_field(name))


def _odd_digits(text: str) -> bool:
    """Digits other than ASCII 0-9 (full-width １２, superscript ², Arabic-Indic ...)."""
    return any(not ("0" <= ch <= "9") and unicodedata.category(ch) in ("Nd", "No", "Nl") for ch in text)


def _not_a(kind: str, value) -> ValidationError:
    text = str(value)
    if _odd_digits(text):
        return ValidationError(
            _("“%(value)s”含有全角或特殊数字，请用半角数字 0-9 填写") % {"value": text}, code="digits"
        )
    if kind == "integer":
        return ValidationError(_("“%(value)s”不是整数") % {"value": text}, code="invalid")
    return ValidationError(_("“%(value)s”不是数字") % {"value": text}, code="invalid")


def _check_range(number, *, min_value, max_value):
    if min_value is not None and number < min_value:
        if min_value == 0:
            raise ValidationError(_("不能为负数（%(value)s）") % {"value": number}, code="min_value")
        raise ValidationError(
            _("不能小于 %(limit)s（%(value)s）") % {"limit": min_value, "value": number}, code="min_value"
        )
    if max_value is not None and number > max_value:
        raise ValidationError(
            _("数字太大（%(value)s），不能大于 %(limit)s") % {"value": number, "limit": max_value}, code="max_value"
        )


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


@overload
def parse_integer(
    value: object, *, min_value: Any = ..., max_value: Any = ..., required: Literal[True], **_ignored: object
) -> int: ...
@overload
def parse_integer(
    value: object, *, min_value: Any = ..., max_value: Any = ..., required: bool = ..., **_ignored: object
) -> int | None: ...
def parse_integer(value, *, min_value=None, max_value=None, required: bool = False, **_ignored) -> int | None:
    """A whole number from a cell, a form value or a service argument; ValidationError in Chinese.

    Accepted: int, a float without fraction (Excel cells), and text of ASCII digits with an optional
    sign, thousands commas and a ".0" tail. Blank is None (an error when ``required``)."""
    if is_blank(value):
        if required:
            raise ValidationError(_("不能为空"), code="required")
        return None
    if isinstance(value, bool):
        raise ValidationError(_("必须是整数"), code="invalid")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise _not_a("integer", value)
        number = int(value)
    elif isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise _not_a("integer", value)
        number = int(value)
    else:
        text = str(value).strip()
        if not _INTEGER_RE.fullmatch(text):
            raise _not_a("integer", value)
        digits = text.split(".")[0].replace(",", "").lstrip("+-").lstrip("0")
        if len(digits) > 30:  # int() refuses over 4,300 digits; anything this long is too big anyway
            raise ValidationError(_("数字太大（%(value)s）") % {"value": text[:40] + "…"}, code="max_value")
        number = int(text.split(".")[0].replace(",", ""))
    _check_range(number, min_value=min_value, max_value=max_value)
    return number


@overload
def parse_decimal(
    value: object,
    *,
    max_digits: int | None = ...,
    decimal_places: int | None = ...,
    min_value: Any = ...,
    max_value: Any = ...,
    required: Literal[True],
) -> Decimal: ...
@overload
def parse_decimal(
    value: object,
    *,
    max_digits: int | None = ...,
    decimal_places: int | None = ...,
    min_value: Any = ...,
    max_value: Any = ...,
    required: bool = ...,
) -> Decimal | None: ...
def parse_decimal(
    value,
    *,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    min_value=None,
    max_value=None,
    required: bool = False,
) -> Decimal | None:
    """A decimal number (money, scores) within a DecimalField's max_digits / decimal_places.

    The result is quantized to ``decimal_places``, so it reads back from the database as it was
    returned; more places than allowed (other than trailing zeros) are refused, never rounded."""
    if is_blank(value):
        if required:
            raise ValidationError(_("不能为空"), code="required")
        return None
    if isinstance(value, bool):
        raise _not_a("decimal", value)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # 6.8, not 6.79999999999999982236431605997495353221893310546875
    else:
        text = str(value).strip()
        if not _DECIMAL_RE.fullmatch(text):
            raise _not_a("decimal", value)
        number = Decimal(text.replace(",", ""))
    if not number.is_finite():
        raise _not_a("decimal", value)
    if decimal_places is not None:
        step = Decimal(1).scaleb(-decimal_places)
        try:
            rounded = number.quantize(step)
        except InvalidOperation:  # more digits than the decimal context holds: far too big anyway
            rounded = None
        if rounded is not None and rounded != number:
            raise ValidationError(
                _("最多保留 %(places)s 位小数") % {"places": decimal_places}, code="max_decimal_places"
            )
        if rounded is not None:
            number = rounded
    _check_range(number, min_value=min_value, max_value=max_value)
    if max_digits is not None:
        whole_digits = max_digits - (decimal_places or 0)
        if abs(number) >= Decimal(10) ** whole_digits:
            raise ValidationError(
                _("数字太大（%(value)s），整数部分最多 %(n)s 位") % {"value": value, "n": whole_digits},
                code="max_digits",
            )
    return number


@overload
def parse_date(
    value: object, *, min_date: date | None = ..., max_date: date | None = ..., required: Literal[True]
) -> date: ...
@overload
def parse_date(
    value: object, *, min_date: date | None = ..., max_date: date | None = ..., required: bool = ...
) -> date | None: ...
def parse_date(
    value, *, min_date: date | None = MIN_DATE, max_date: date | None = MAX_DATE, required: bool = False
) -> date | None:
    """A date: a date / datetime cell, or text "2026-01-31" (also 2026/1/31, 2026.1.31) and nothing else."""
    if is_blank(value):
        if required:
            raise ValidationError(_("不能为空"), code="required")
        return None
    day: date | None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = str(value).strip().replace("/", "-").replace(".", "-")
        match = _DATE_RE.fullmatch(text)
        day = None
        if match:
            try:
                day = date(*(int(part) for part in match.groups()))
            except ValueError:
                day = None
        if day is None:
            raise ValidationError(
                _("“%(value)s”不是有效日期，请按 2026-01-31 的格式填写") % {"value": value}, code="invalid"
            )
    check_date_range(day, min_date=min_date, max_date=max_date)
    return day


def check_date_range(day: date, *, min_date: date | None = MIN_DATE, max_date: date | None = MAX_DATE) -> date:
    if min_date is not None and day < min_date:
        raise ValidationError(
            _("日期不能早于 %(d)s（%(value)s）") % {"d": min_date.isoformat(), "value": day.isoformat()},
            code="min_date",
        )
    if max_date is not None and day > max_date:
        raise ValidationError(
            _("日期不能晚于 %(d)s（%(value)s）") % {"d": max_date.isoformat(), "value": day.isoformat()},
            code="max_date",
        )
    return day


def ascii_int_or(text, default):
    """A query-string / URL id: ASCII digits only (``"²".isdigit()`` is true but ``int("²")`` fails)."""
    text = str(text if text is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else default


# --------------------------------------------------------------------------- form fields


class _StrictMessages:
    """``messages``: parser error code ("invalid", "digits", "min_value", "max_value", ...) → the
    message this form shows instead of the parser's own."""

    messages: dict[str, str]

    def _parsed(self, parse, value, **kwargs):
        try:
            return parse(value, **kwargs)
        except ValidationError as exc:
            if exc.code in self.messages:
                raise ValidationError(self.messages[exc.code], code=exc.code) from None
            raise


class StrictIntegerField(_StrictMessages, forms.IntegerField):
    """forms.IntegerField parsed by ``parse_integer``: "１２", "²", "1e3" get a Chinese field error."""

    def __init__(self, *, limits: Limits | None = None, messages: dict | None = None, **kwargs):
        self.messages = messages or {}
        if limits is not None:
            kwargs.setdefault("min_value", limits.min_value)
            kwargs.setdefault("max_value", limits.max_value)
        super().__init__(**kwargs)

    def to_python(self, value):
        return self._parsed(parse_integer, value, min_value=self.min_value, max_value=self.max_value)


class StrictDecimalField(_StrictMessages, forms.DecimalField):
    def __init__(self, *, limits: Limits | None = None, messages: dict | None = None, **kwargs):
        self.messages = messages or {}
        if limits is not None:
            for key, limit in limits.as_kwargs().items():
                kwargs.setdefault(key, limit)
        super().__init__(**kwargs)

    def to_python(self, value):
        return self._parsed(
            parse_decimal,
            value,
            max_digits=self.max_digits,
            decimal_places=self.decimal_places,
            min_value=self.min_value,
            max_value=self.max_value,
        )


class StrictDateField(forms.DateField):
    def __init__(self, *, min_date: date | None = MIN_DATE, max_date: date | None = MAX_DATE, **kwargs):
        self.min_date, self.max_date = min_date, max_date
        super().__init__(**kwargs)

    def to_python(self, value):
        return parse_date(value, min_date=self.min_date, max_date=self.max_date)
