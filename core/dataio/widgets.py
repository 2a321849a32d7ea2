"""Import-export widgets whose errors are Chinese sentences and whose limits are the model field's."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import widgets

from core.scope import restrict
from core.validation import MAX_DATE, MIN_DATE, Limits, is_blank, limits_of, parse_date, parse_decimal, parse_integer


def _is_blank(value) -> bool:
    return is_blank(value)


class TextWidget(widgets.CharWidget):
    """Text, stripped; blank is "" (or an error when required). Numbers from Excel keep no ".0"."""

    def __init__(self, *, required: bool = False, max_length: int | None = None, **kwargs):
        self.required = required
        self.max_length = max_length
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if _is_blank(value):
            if self.required:
                raise ValueError(_("不能为空"))
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if self.max_length and len(text) > self.max_length:
            raise ValueError(_("不能超过 %(n)s 个字") % {"n": self.max_length})
        return text


def _refuse(exc: ValidationError):
    """Widgets report problems as ValueError (django-import-export's convention), in Chinese."""
    return ValueError("；".join(exc.messages))


class _BoundToModelField:
    """A numeric widget takes its limits from the model field it imports into (``bind``), so
    max_digits, decimal places and validators cannot drift from the model. ``ScopedResource``
    binds every widget to its column's model field; a widget for a column stored elsewhere is
    given ``model_field=`` explicitly."""

    def _init_limits(self, explicit: Limits, model_field):
        self._explicit = explicit
        self.limits = explicit
        self.bound_to = None
        if model_field is not None:
            self.bind(model_field)

    def bind(self, model_field) -> None:
        self.limits = self._explicit.narrowed(limits_of(model_field))
        self.bound_to = model_field


class StrictIntegerWidget(_BoundToModelField, widgets.IntegerWidget):
    """A whole number; text, decimals, "1e3", full-width digits and (unless allowed) negatives are
    errors, never rounded (``core.validation.parse_integer``)."""

    MAX = 2_000_000_000  # fits every integer column on SQLite and PostgreSQL (when not bound to a field)

    def __init__(
        self,
        *,
        allow_negative: bool = False,
        required: bool = False,
        min_value=None,
        max_value=None,
        model_field=None,
        **kwargs,
    ):
        self.allow_negative = allow_negative
        self.required = required
        super().__init__(**kwargs)
        low = min_value if min_value is not None else (-self.MAX if allow_negative else 0)
        self._init_limits(Limits(min_value=low, max_value=self.MAX if max_value is None else max_value), model_field)

    def clean(self, value, row=None, **kwargs):
        try:
            return parse_integer(
                value, required=self.required, min_value=self.limits.min_value, max_value=self.limits.max_value
            )
        except ValidationError as exc:
            raise _refuse(exc) from None


class StrictDecimalWidget(_BoundToModelField, widgets.DecimalWidget):
    """A decimal within the model field's max_digits / decimal_places (``parse_decimal``)."""

    def __init__(
        self,
        *,
        allow_negative: bool = False,
        places: int | None = None,
        required: bool = False,
        min_value=None,
        max_value=None,
        model_field=None,
        **kwargs,
    ):
        self.allow_negative = allow_negative
        self.required = required
        super().__init__(**kwargs)
        low = min_value if min_value is not None else (None if allow_negative else 0)
        self._init_limits(Limits(min_value=low, max_value=max_value, decimal_places=places), model_field)

    @property
    def places(self) -> int:
        return self.limits.decimal_places if self.limits.decimal_places is not None else 2

    def clean(self, value, row=None, **kwargs):
        try:
            return parse_decimal(
                value,
                required=self.required,
                max_digits=self.limits.max_digits,
                decimal_places=self.places,
                min_value=self.limits.min_value,
                max_value=self.limits.max_value,
            )
        except ValidationError as exc:
            raise _refuse(exc) from None


class ChineseBooleanWidget(widgets.BooleanWidget):
    TRUE_VALUES = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
    FALSE_VALUES = {"否", "无", "n", "no", "false", "0", "×"}

    def clean(self, value, row=None, **kwargs):
        if _is_blank(value):
            return None  # the Field's default applies
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE_VALUES:
            return True
        if text in self.FALSE_VALUES:
            return False
        raise ValueError(_("“%(value)s”应填写“是”或“否”") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return _("是") if value else _("否")


class StrictDateWidget(widgets.DateWidget):
    """A whole date, "2026-01-31" (or a date cell); "2026-11-20xyz" is an error, not 20 November.
    Dates outside ``min_date``..``max_date`` (default 1900–2100) are refused; the services add the
    rules of their own records (not in the future, not before the first purchase, ...)."""

    def __init__(
        self, *, required: bool = False, min_date: date | None = MIN_DATE, max_date: date | None = MAX_DATE, **kwargs
    ):
        self.required = required
        self.min_date, self.max_date = min_date, max_date
        super().__init__(format="%Y-%m-%d", **kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            return parse_date(value, required=self.required, min_date=self.min_date, max_date=self.max_date)
        except ValidationError as exc:
            raise _refuse(exc) from None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class ChoiceWidget(widgets.Widget):
    """Accepts a choice's stored value or its Chinese label; exports the label."""

    def __init__(self, choices, *, required: bool = True, **kwargs):
        self.choices = list(choices)
        self.required = required
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if _is_blank(value):
            if self.required:
                raise ValueError(_("不能为空"))
            return None
        text = str(value).strip()
        for stored, label in self.choices:
            if text == str(stored) or text == str(label):
                return stored
        allowed = "、".join(str(label) for _stored, label in self.choices)
        raise ValueError(_("“%(value)s”不是可选值（可选：%(allowed)s）") % {"value": value, "allowed": allowed})

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))


class CodeForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key given by its code. Unknown codes, and codes outside the importer's scope,
    read as one Chinese error ("找不到…"), so guessing codes reveals nothing."""

    def __init__(self, model, field="code", *, label: str, scope_paths: dict | None = None, **kwargs):
        self.label = label
        self.scope_paths = scope_paths
        super().__init__(model, field=field, **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        qs = self.model._default_manager.all()
        user = kwargs.get("user")
        if user is not None and self.scope_paths is not None:
            qs = restrict(qs, user, **self.scope_paths)
        return qs

    def clean(self, value, row=None, **kwargs):
        if _is_blank(value):
            raise ValueError(_("不能为空"))
        code = str(value).strip()
        try:
            return self.get_queryset(value, row, **kwargs).get(**{self.field: code})
        except self.model.DoesNotExist:
            raise ValueError(
                _("找不到编码为“%(code)s”的%(label)s，或您无权操作") % {"code": code, "label": self.label}
            ) from None


# --------------------------------------------------------------------------- resources
