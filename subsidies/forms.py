"""Every input of the subsidies screens (admin and portal, assessments and settlement) as a Django form:
the views bind one of these, and only cleaned values reach the services.

Numbers and dates are parsed by ``core.validation``'s strict fields within their model column's limits, so
"²", "１２", "1e3" or a thirty-digit number is a Chinese field error, never a 500. The object a form acts on
(a clinic, an appeal, a finding, a policy ...) is a ``ScopedObjectField``: an id outside the user's scope
answers 404, as ``clinics.selectors.get_scoped_or_404`` always has (the pages never offer such an id).
A service's refusal is put on the form with ``core.forms.add_service_errors``.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from clinics import selectors as org
from core.forms import ButtonField
from core.validation import (
    MAX_YEAR,
    MIN_YEAR,
    Limits,
    StrictDateField,
    StrictDecimalField,
    StrictIntegerField,
    ascii_int_or,
    field_limits,
)
from core.versioning import version_field
from subsidies.models import (
    Assessment,
    AssessmentEntry,
    Finding,
    SatisfactionSurvey,
    SettlementRun,
    SubsidyPolicy,
)
from subsidies.models.settlement import period_label
from subsidies.selectors import assessments as assessment_selectors

YEARS = Limits(min_value=MIN_YEAR, max_value=MAX_YEAR)
QUARTERS = Limits(min_value=1, max_value=4)
YES_NO = {"1": True, "0": False}


class ScopedObjectField(forms.Field):
    """An object the user acts on, by id (a ``<select>`` or hidden input). Missing: a field error; an id
    that is junk or outside ``queryset`` (the user's scope): 404, whether the object exists or not."""

    def __init__(self, *, queryset, **kwargs):
        super().__init__(**kwargs)
        self.queryset = queryset

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        pk = ascii_int_or(value, None)
        if pk is None:
            raise Http404
        try:
            return self.queryset.get(pk=pk)
        except self.queryset.model.DoesNotExist:
            raise Http404 from None


def _yes_no(**kwargs) -> forms.TypedChoiceField:
    """ "1" / "0" from a select or a pair of buttons, as True / False (None when blank and optional)."""
    return forms.TypedChoiceField(
        choices=[("1", _("是")), ("0", _("否"))], coerce=YES_NO.get, empty_value=None, **kwargs
    )


def _year(model, **kwargs) -> StrictIntegerField:
    return StrictIntegerField(label=_("年度"), limits=field_limits(model, "year").narrowed(YEARS), **kwargs)


def _quarter(model, **kwargs) -> StrictIntegerField:
    return StrictIntegerField(label=_("季度"), limits=field_limits(model, "quarter").narrowed(QUARTERS), **kwargs)


# --------------------------------------------------------------------------- assessments (admin)


class StartAssessmentForm(forms.Form):
    clinic = ScopedObjectField(label=_("村卫生室"), queryset=None)
    year = _year(Assessment)
    quarter = _quarter(Assessment)
    assessed_on = StrictDateField(label=_("考核日期"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = org.clinics_for(user)  # type: ignore[attr-defined]  # a ModelChoiceField


def _entry_field(key: str, label, **kwargs) -> forms.Field:
    if key == "occurrences":
        return StrictIntegerField(label=label, limits=field_limits(AssessmentEntry, key), required=False, **kwargs)
    if key in ("achieved", "manual_score", "override_score"):
        return StrictDecimalField(label=label, limits=field_limits(AssessmentEntry, key), required=False, **kwargs)
    if key == "passed":
        return _yes_no(label=label, required=False, **kwargs)
    return forms.CharField(label=label, required=False, **kwargs)


ENTRY_LABELS = {
    "occurrences": _("发现次数"),
    "achieved": _("完成值"),
    "passed": _("达标"),
    "manual_score": _("得分"),
    "reason": _("扣分理由"),
    "override_score": _("调整得分"),
    "override_reason": _("调整理由"),
}


class AssessmentEntriesForm(forms.Form):
    """The score sheet of a draft: ``<column>_<entry id>`` for the column of each item's mode and its
    reason, and the assessor's notes. Only the inputs the page sent are changed."""

    notes = forms.CharField(label=_("考核意见"), required=False, strip=False)
    version = version_field()

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = list(entries)
        for entry in self.entries:
            for key in self.keys_of(entry):
                self.fields[f"{key}_{entry.pk}"] = _entry_field(key, f"{entry.item.name}：{ENTRY_LABELS[key]}")

    @staticmethod
    def keys_of(entry) -> list[str]:
        return [key for key in (entry.item.input_field, "reason", "override_score", "override_reason") if key]

    def sent(self, name: str) -> bool:
        return self.add_prefix(name) in self.data

    def values(self) -> dict[int, dict]:
        """Entry id → {column: cleaned value} for the inputs sent, as ``services.update_entries`` takes them."""
        values = {}
        for entry in self.entries:
            values[entry.pk] = {
                key: self.cleaned_data[f"{key}_{entry.pk}"]
                for key in self.keys_of(entry)
                if self.sent(f"{key}_{entry.pk}")
            }
        return values

    def notes_value(self) -> str | None:
        return self.cleaned_data["notes"] if self.sent("notes") else None

    def errors_of(self, entry) -> list[str]:
        return [str(e) for key in self.keys_of(entry) for e in self.errors.get(f"{key}_{entry.pk}", ())]

    def service_error_field(self, key: str) -> str | None:
        """Where a service's error about entry ``key`` (its id) shows: on that entry's scored column."""
        for entry in self.entries:
            if str(entry.pk) == str(key):
                return f"{self.keys_of(entry)[0]}_{entry.pk}"
        return None


class EvidenceForm(forms.Form):
    evidence = forms.FileField(label=_("文件"), error_messages={"required": _("请选择要上传的文件。")})
    evidence_description = forms.CharField(label=_("说明"), max_length=200, required=False)


FINDING_ROWS = range(1, 4)


class InspectionForm(forms.Form):
    """A supervision visit with up to three findings (``item_N``, ``description_N``, ``deadline_N``)."""

    clinic = ScopedObjectField(label=_("村卫生室"), queryset=None)
    inspected_on = StrictDateField(label=_("检查日期"))
    notes = forms.CharField(label=_("检查情况"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = org.clinics_for(user)  # type: ignore[attr-defined]  # a ModelChoiceField
        for i in FINDING_ROWS:
            self.fields[f"item_{i}"] = forms.CharField(
                label=_("对应考核项目"), max_length=Finding._meta.get_field("item_code").max_length, required=False
            )
            self.fields[f"description_{i}"] = forms.CharField(label=_("问题描述"), required=False)
            self.fields[f"deadline_{i}"] = StrictDateField(label=_("整改期限"), required=False)

    def finding_rows(self) -> list[dict]:
        """The three finding rows' bound fields, for the template."""
        return [
            {
                "i": i,
                "item": self[f"item_{i}"],
                "description": self[f"description_{i}"],
                "deadline": self[f"deadline_{i}"],
            }
            for i in FINDING_ROWS
        ]

    def findings(self) -> list[dict]:
        return [
            {
                "item_code": self.cleaned_data[f"item_{i}"],
                "description": self.cleaned_data[f"description_{i}"],
                "deadline": self.cleaned_data[f"deadline_{i}"],
            }
            for i in FINDING_ROWS
        ]


class ReinspectForm(forms.Form):
    finding = ScopedObjectField(label=_("检查发现"), queryset=None)
    rectified = _yes_no(label=_("复查结论"))
    reinspected_on = StrictDateField(label=_("复查日期"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = org.restrict(  # type: ignore[attr-defined]  # a ModelChoiceField
            Finding.objects.select_related("inspection__clinic"), user, clinic="inspection__clinic"
        )


class SatisfactionForm(forms.Form):
    clinic = ScopedObjectField(label=_("村卫生室"), queryset=None)
    year = _year(SatisfactionSurvey)
    quarter = _quarter(SatisfactionSurvey)
    surveyed = StrictIntegerField(label=_("回访人数"), limits=field_limits(SatisfactionSurvey, "surveyed"))
    satisfied = StrictIntegerField(label=_("满意人数"), limits=field_limits(SatisfactionSurvey, "satisfied"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = org.clinics_for(user)  # type: ignore[attr-defined]  # a ModelChoiceField


APPEAL_FIGURES = ("occurrences", "achieved", "manual_score", "passed", "override_score")


class AppealDecisionForm(forms.Form):
    """Accept (with the corrected figure) or reject one appeal."""

    appeal = ScopedObjectField(label=_("考核申诉"), queryset=None)
    accept = _yes_no(label=_("处理结果"))
    decision = forms.CharField(label=_("处理意见"), required=False)
    occurrences = _entry_field("occurrences", _("改为发现次数"))
    achieved = _entry_field("achieved", _("改为完成值"))
    manual_score = _entry_field("manual_score", _("改为得分"))
    passed = _entry_field("passed", _("改为"))
    override_score = _entry_field("override_score", _("改为调整得分"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appeal"].queryset = assessment_selectors.appeals_for(user)  # type: ignore[attr-defined]  # a ModelChoiceField

    def new_values(self) -> dict:
        """The corrected figures given (blank ones keep the entry's)."""
        return {key: self.cleaned_data[key] for key in APPEAL_FIGURES if self.cleaned_data.get(key) is not None}


# --------------------------------------------------------------------------- assessments (portal)


class AppealForm(forms.Form):
    """A village doctor's appeal against one item of their clinic's submitted assessment."""

    entry = ScopedObjectField(label=_("申诉的考核项目"), queryset=None)
    comment = forms.CharField(label=_("申诉理由"), required=False)

    def __init__(self, *args, assessment: Assessment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = AssessmentEntry.objects.filter(assessment=assessment)  # type: ignore[attr-defined]  # a ModelChoiceField


# --------------------------------------------------------------------------- settlement (admin)


class RunCreateForm(forms.Form):
    policy = ScopedObjectField(label=_("补助政策"), queryset=None)
    quarter = _quarter(SettlementRun, required=False)  # blank: the whole year
    township = ScopedObjectField(label=_("范围"), queryset=None, required=False)  # blank: the whole county

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = org.restrict(  # type: ignore[attr-defined]  # a ModelChoiceField
            SubsidyPolicy.objects.select_related("county"), user, county="county"
        )
        self.fields["township"].queryset = org.townships_for(user)  # type: ignore[attr-defined]  # a ModelChoiceField


class RunActionForm(forms.Form):
    """One step of a run's life (the buttons of the run page)."""

    ACTIONS = [
        ("recompute", _("重新计算")),
        ("confirm", _("确认结算")),
        ("approve", _("审批通过")),
        ("return", _("退回卫生院")),
        ("reject", _("驳回草稿")),
        ("announce", _("在网站公示")),
        ("paid", _("登记拨付")),
        ("adjust", _("发起更正")),
    ]
    action = forms.ChoiceField(label=_("操作"), choices=ACTIONS)
    reference = forms.CharField(
        label=_("拨付凭证号"),
        required=False,
        max_length=SettlementRun._meta.get_field("payment_reference").max_length,
    )
    # The confirmation step's: the version of the run it showed, and the decision's comment (mandatory
    # for a return, checked by the service).
    version = version_field()
    comment = forms.CharField(label=_("意见"), required=False, max_length=1000)
    warnings_checked = forms.BooleanField(label=_("我已核对这些提醒"), required=False)


class RunDecisionQueryForm(forms.Form):
    """The confirmation step's query string: which decision is about to be taken (``?action=approve``)."""

    DECISIONS = [
        ("confirm", _("确认结算")),
        ("approve", _("审批通过")),
        ("return", _("退回卫生院")),
        ("reject", _("驳回草稿")),
    ]
    action = forms.ChoiceField(choices=DECISIONS)


class AdvanceBatchForm(forms.Form):
    """A policy with an advance schedule and the period to advance: ``q1``–``q4`` or ``m1``–``m12``."""

    PERIODS = [(f"q{q}", f"q{q}") for q in range(1, 5)] + [(f"m{m}", f"m{m}") for m in range(1, 13)]
    policy = ScopedObjectField(label=_("补助政策"), queryset=None)
    period = forms.ChoiceField(label=_("期间"), choices=PERIODS)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = org.restrict(  # type: ignore[attr-defined]  # a ModelChoiceField
            SubsidyPolicy.objects.select_related("county"), user, county="county"
        )

    def period_kwargs(self) -> dict:
        """``quarter=`` or ``month=`` for ``services.advances.generate_advances``."""
        period = self.cleaned_data["period"]
        number = int(period[1:])
        return {"quarter": number, "month": None} if period.startswith("q") else {"quarter": None, "month": number}

    # The service names the part of the period it refuses; on this form both are the period.
    service_fields = {"quarter": "period", "month": "period"}


class StatementBatchQueryForm(forms.Form):
    """The statement ZIP page's query string: ``?format=json`` (progress, polled) or ``?download=1``."""

    format = forms.ChoiceField(choices=[("json", "json")], required=False)
    download = forms.BooleanField(required=False)


def renamed(exc, names) -> ValidationError:
    """A service's ``ValidationError`` with its fields renamed to this form's (``names``: a dict, or a
    function of the service's field name returning the form's or None), for ``add_service_errors``."""
    if not hasattr(exc, "error_dict"):
        return exc
    lookup = names.get if isinstance(names, dict) else names
    errors: dict = {}
    for field, messages in exc.error_dict.items():
        errors.setdefault(lookup(field) or field, []).extend(messages)
    return ValidationError(errors)


class PolicyCheckForm(forms.Form):
    """The policy check's query string: the period to check the policy's figures for (empty = the whole year)."""

    quarter = forms.TypedChoiceField(label=_("期间"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        # The periods as the settlement names them (2026年度, 2026年第1季度 …).
        self.fields["quarter"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            ("", period_label(year)),
            *((str(q), period_label(year, quarter=q)) for q in range(1, 5)),
        ]


class PolicyCopyForm(forms.Form):
    """The policy check's copy (its button is named ``copy``): next year's policy, or a new version of a frozen
    one (the same year)."""

    year = _year(SubsidyPolicy)
    name = forms.CharField(label=_("新政策名称"), max_length=SubsidyPolicy._meta.get_field("name").max_length)


class PolicyFillPricesForm(forms.Form):
    """The policy check's button: copy the county's price table into the policy's missing items."""

    fill = ButtonField(label=_("从县单价表补入缺少的单价和工分"))
