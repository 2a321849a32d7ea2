"""Forms of the residents register's screens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from residents.models import ResidentRegistration

# Short tags of the key-population flags for lists (the full names are the fields' verbose names).
FLAG_TAGS = {
    "elderly": _("老年人"),
    "hypertension": _("高血压"),
    "diabetes": _("糖尿病"),
    "severe_mental_disorder": _("精神障碍"),
    "tuberculosis": _("肺结核"),
    "maternal": _("孕产妇"),
    "child": _("儿童"),
}


def flag_choices() -> list[tuple[str, str]]:
    return [(flag, ResidentRegistration.flag_label(flag)) for flag in ResidentRegistration.FLAGS]


class RegisterFilterForm(forms.Form):
    """The register list's key-population filter and search box (year and clinic: clinics.filters)."""

    flag = forms.ChoiceField(label=_("重点人群"), required=False, choices=[("", _("全部")), *flag_choices()])
    q = forms.CharField(label=_("搜索"), required=False, max_length=50, strip=True)

    def __init__(self, data=None):
        super().__init__(data if data is not None else {})
        self.is_valid()

    def value(self, name: str) -> str:
        return self.cleaned_data.get(name) or "" if hasattr(self, "cleaned_data") else ""
