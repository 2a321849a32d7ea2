"""Every input of the doctors screens (admin and portal) is one of these forms; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from core.versioning import version_field
from doctors.models import Licence


class RenewalStatusForm(forms.Form):
    """``?status=`` of the renewal list: ``open`` (the default), a status, or ``all``/anything else for every one."""

    status = forms.CharField(required=False)

    def chosen(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("status") or "open"


class ReviewForm(forms.Form):
    ACTIONS = ("forward", "return", "approve", "refuse")

    note = forms.CharField(
        label=gettext_lazy("意见"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    new_number = forms.CharField(label=gettext_lazy("新证书编号（留空自动编号）"), required=False, max_length=40)
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    version = version_field()


class ApplyOnBehalfForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("申请说明"), required=False)

    def clean_note(self) -> str:
        return self.cleaned_data["note"][:500]  # as before: a longer note is cut, not refused


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("注销原因"), choices=Licence.CancelReason.choices)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=300)


class ApplyForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("申请说明（可不填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TrainingFilterForm(forms.Form):
    """``?behind=1``: only the doctors behind the yearly rule (the year is a ``ScopeFilterForm`` filter)."""

    behind = forms.BooleanField(required=False)

    def only_behind(self) -> bool:
        return self.is_valid() and self.cleaned_data["behind"]
