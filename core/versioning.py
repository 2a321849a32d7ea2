"""No lost updates: a record two people may edit at once carries a version.

A model opts in by inheriting ``Versioned`` (``version``, ``changed_by``, ``changed_at``). Its edit form
posts the version it showed as a hidden field (``VersionedForm`` / ``version_field()``); the service locks
the row (``select_for_update``; not joined to ``changed_by``, a nullable join PostgreSQL cannot lock), calls ``check_version(obj, posted)`` — a mismatch is a ``ValidationError``
"已被 X 于 T 修改，请刷新后再改" — and ``bump(obj, user)`` before saving (which names the fields to add to
``update_fields``). ``posted=None`` (the command line, an import) skips the check but still bumps.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.validation import StrictIntegerField, limits_of

VERSION_FIELDS = ["version", "changed_by", "changed_at"]


class Versioned(models.Model):
    version = models.PositiveIntegerField(gettext_lazy("版本"), default=0, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=gettext_lazy("最后修改人"),
    )
    changed_at = models.DateTimeField(gettext_lazy("最后修改时间"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


def stale_message(obj: Versioned) -> str:
    """'已被 X 于 T 修改，请刷新后再改' for the record's last change."""
    who = obj.changed_by
    name = (who.get_full_name() or who.get_username()) if who is not None else _("系统")
    when = timezone.localtime(obj.changed_at).strftime("%Y-%m-%d %H:%M:%S") if obj.changed_at else "—"
    return _("已被 %(who)s 于 %(when)s 修改，请刷新后再改。") % {"who": name, "when": when}


def check_version(obj: Versioned, posted: int | None) -> None:
    """Refuse the change when the record changed since the form was shown (``obj`` locked for update)."""
    if posted is not None and posted != obj.version:
        raise ValidationError(stale_message(obj), code="stale")


def bump(obj: Versioned, user: Any) -> list[str]:
    """Count one more change by ``user`` (None: the system); returns the fields to save."""
    obj.version = (obj.version or 0) + 1
    obj.changed_by = user if getattr(user, "pk", None) is not None else None
    obj.changed_at = timezone.now()
    return list(VERSION_FIELDS)


def version_field() -> StrictIntegerField:
    """The hidden version of a form. Optional: a post without it (an older page, a script) is not checked —
    every page of ours sends it. Parsed strictly like every number ("１２" is an error, not 12)."""
    return StrictIntegerField(
        required=False, widget=forms.HiddenInput, limits=limits_of(Versioned._meta.get_field("version"))
    )


class VersionedForm(forms.Form):
    """A form that posts the version of the record it edits (``{{ form.version }}`` in the template);
    pass ``initial={"version": obj.version}`` when showing it, ``form.cleaned_data["version"]`` to the service."""

    version = version_field()
