"""The one filter form of our staff lists and reports: period (year / month / quarter / through month) and
place (county / township / clinic) from the query string.

The place choices come from the user's scope (``clinics.selectors``), so another county's ids are refused
like junk. A view reads the cleaned values with ``filters.get(name, default)``; when a value is invalid,
``filters.invalid`` is true, ``filters.error_text`` explains it in Chinese ("筛选条件无效：…") and the view
shows an empty result (or answers 404 for a file download) instead of guessing — never a 500.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinics import selectors

MIN_YEAR, MAX_YEAR = 2000, 2100
# Longer than any primary key; also keeps the database from seeing numbers it cannot store.
MAX_ID_DIGITS = 18


class ScopedIdField(forms.Field):
    """The id of a place within the user's scope (``choices``: a callable returning that queryset)."""

    default_error_messages = {
        "invalid": _("“%(value)s”不是有效的编号。"),
        "out_of_scope": _("编号 %(value)s 不存在或不在您的管辖范围内。"),
    }

    def __init__(self, *, queryset=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.queryset = queryset

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        # str.isdigit() accepts "²" and "٣"; only ASCII digits are ids.
        if not (value.isascii() and value.isdigit()) or len(value) > MAX_ID_DIGITS:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value[:20]})
        return int(value)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.queryset.filter(pk=value).exists():
            raise forms.ValidationError(
                self.error_messages["out_of_scope"], code="out_of_scope", params={"value": value}
            )


class StrictIntegerField(forms.IntegerField):
    """An integer of ASCII digits only (Django's IntegerField takes "٣" for 3)."""

    def to_python(self, value):
        text = str(value or "").strip()
        if text and not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text)


class ScopeFilterForm(forms.Form):
    year = StrictIntegerField(label=_("年度"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    month = StrictIntegerField(label=_("月份"), required=False, min_value=1, max_value=12)
    through = StrictIntegerField(label=_("截至月份"), required=False, min_value=1, max_value=12)
    quarter = StrictIntegerField(label=_("季度"), required=False, min_value=1, max_value=4)
    county = ScopedIdField(label=_("县"))
    township = ScopedIdField(label=_("乡镇"))
    clinic = ScopedIdField(label=_("村卫生室"))

    PLACES = {"county": selectors.counties_for, "township": selectors.townships_for, "clinic": selectors.clinics_for}

    def __init__(self, data, *, user, fields, zero_is_empty=True):
        """``fields``: the filters this view has (others in the query string are ignored). ``zero_is_empty``:
        our pages have always sent 0 for "all" (e.g. ``?township=0``)."""
        data = data.copy() if data is not None else {}
        if zero_is_empty:
            for name in fields:
                if data.get(name) == "0":
                    data[name] = ""
        super().__init__(data)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
            elif name in self.PLACES:
                self.fields[name].queryset = self.PLACES[name](user)  # type: ignore[attr-defined]  # ModelChoiceFields
        self.is_valid()

    @property
    def invalid(self) -> bool:
        return bool(self.errors)

    @property
    def error_text(self) -> str:
        parts = [
            f"{self.fields[name].label}：{'；'.join(str(e) for e in errors)}"
            for name, errors in self.errors.items()
            if name in self.fields
        ]
        return gettext("筛选条件无效：%(problems)s。已不显示任何数据，请重新选择。") % {"problems": "；".join(parts)}

    def get(self, name, default=None):
        """The cleaned value, or ``default`` when it is missing or invalid."""
        value = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
        return default if value is None else value

    def explain(self, request) -> bool:
        """Show the Chinese explanation on the page being rendered; true when the filters are invalid."""
        if self.invalid:
            messages.error(request, self.error_text)
        return self.invalid

    def or_404(self):
        """For downloads: invalid filters answer 404 (with the explanation) rather than a file of guesses."""
        if self.invalid:
            raise Http404(self.error_text)
        return self
