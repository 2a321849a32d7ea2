"""Form plumbing shared by every admin and portal screen.

One way to show a service's refusal on a form: a service raises ``ValidationError`` (Chinese messages,
optionally keyed by field); ``add_service_errors`` puts each message on the field it names, or on the form
when it names none or a field the form does not have. ``ServiceFormMixin`` does that for Wagtail's and
Django's generic editing views; function views call ``add_service_errors`` in their ``except``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put the messages of a service's ``ValidationError`` on ``form`` (nothing has been written)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def joined_messages(exc: ValidationError) -> str:
    """A refusal as one line for ``messages.error`` (where there is no form to attach it to)."""
    return "；".join(str(message) for message in exc.messages)


class ServiceFormMixin:
    """For generic editing views: a ``ValidationError`` raised while saving shows on the form instead of
    a 500, and the page is shown again with what the user typed."""

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            return super().form_valid(form)  # type: ignore[misc]
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)  # type: ignore[attr-defined]


class PressedButton(forms.CheckboxInput):
    """A submit button's name: pressed when the name is in the posted data, whatever its value."""

    def value_from_datadict(self, data, files, name):
        return name in data

    def value_omitted_from_data(self, data, files, name):
        return False


class ButtonField(forms.BooleanField):
    """Which ``<button name="...">`` submitted the form (``True`` when that button was pressed)."""

    widget = PressedButton

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def form_refusal(form: forms.BaseForm) -> ValidationError:
    """An invalid form's errors as one refusal, each named by its field's label (for entries replayed from the
    offline portal's queue, where no page shows the form)."""
    messages = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for error in errors:
            messages.append(f"{label}：{error}" if label else str(error))
    return ValidationError(messages)
