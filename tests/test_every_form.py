"""Every numeric field of every form of ours refuses "²", "１２", "1e3", "" (when required) and 10^30 with a
Chinese field error, never a 500.

The forms are discovered, not listed: every ``django.forms.BaseForm`` subclass defined in a module of our apps
(``<app>/forms.py``, ``<app>/admin/*.py``, ``<app>/portal/*.py``, ...) and the add / edit form of every
registered Wagtail model viewset of ours. A form that cannot be built without arguments must be registered in
``FORM_FACTORIES`` (``test_every_form_can_be_built`` fails, naming it), so that a new form is covered as soon
as it is merged. The pages users really post to are checked over HTTP as well (``HTTP_CASES``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.contrib.messages import get_messages
from django.db import transaction
from django.forms.models import BaseModelForm
from django.http import QueryDict
from django.urls import get_resolver, reverse
from django.utils import timezone, translation
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.model import ModelViewSet

from tests.factories import build_org

APPS = ("core", "clinics", "doctors", "programs", "subsidies", "cms")
CJK = re.compile(r"[\u4e00-\u9fff]")

# The spec: each of these, posted to any numeric field, is a Chinese field error (blank: when required).
BAD_VALUES = {
    "superscript-2": "²",
    "fullwidth-12": "１２",
    "exponent-1e3": "1e3",
    "blank": "",
    "10^30": str(10**30),
}


# --------------------------------------------------------------------------- discovery


def _our_modules():
    for app in APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            parts = info.name.split(".")
            if "migrations" in parts or "tests" in parts or parts[-1].startswith("test"):
                continue
            yield importlib.import_module(info.name)


def _is_ours(module_name: str) -> bool:
    return module_name.split(".")[0] in APPS


def _is_abstract(form_class) -> bool:
    """A ModelForm base without a model (``ScopedModelForm``, a page form's base): only its subclasses can exist."""
    return issubclass(form_class, BaseModelForm) and form_class._meta.model is None


def _module_forms() -> dict[str, type]:
    found = {}
    for module in _our_modules():
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, forms.BaseForm)
                and obj.__module__ == module.__name__
                and _is_ours(obj.__module__)
                and not _is_abstract(obj)
            ):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def _our_viewsets() -> list[ModelViewSet]:
    get_resolver().url_patterns  # noqa: B018 -- loading the admin URLs fills Wagtail's viewset registry
    return [
        viewset
        for viewset in viewsets.viewsets
        if isinstance(viewset, ModelViewSet) and _is_ours(viewset.model._meta.app_config.name)
    ]


@dataclass
class FormSpec:
    path: str
    form_class: type
    viewset: ModelViewSet | None = None
    for_update: bool = False
    numeric: list[str] = field(default_factory=list)


def _is_numeric(form_field) -> bool:
    return isinstance(form_field, (forms.IntegerField, forms.DecimalField, forms.FloatField)) or isinstance(
        form_field.widget, forms.NumberInput
    )


def _discover() -> dict[str, FormSpec]:
    specs = {path: FormSpec(path, cls) for path, cls in _module_forms().items()}
    for viewset in _our_viewsets():
        name = f"{type(viewset).__module__}.{type(viewset).__qualname__}"
        for for_update, action in ((False, "add"), (True, "edit")):
            path = f"viewset:{name}:{action}"
            specs[path] = FormSpec(path, viewset.get_form_class(for_update), viewset=viewset, for_update=for_update)
    for spec in specs.values():
        spec.numeric = [name for name, f in spec.form_class.base_fields.items() if _is_numeric(f)]
    return specs


FORMS = _discover()


# --------------------------------------------------------------------------- forms that need arguments


def _service_items():
    from programs.models import ServiceItem

    return list(ServiceItem.objects.filter(active=True).order_by("pk")[:3])


def _report_lines():
    from programs.models import ServiceReportLine

    return [ServiceReportLine(item=item) for item in _service_items()]  # unsaved: the form reads item ids only


# "module.FormName" (or "viewset:module.ViewSet:add|edit") → fn(org) -> the constructor's keyword arguments.
def _clinic_residents():
    from residents.models import Resident

    return Resident.objects.all()


FORM_FACTORIES = {
    "clinics.filters.ScopeFilterForm": lambda org: {
        "user": org.users.county,
        "fields": ("year", "month", "through", "quarter", "county", "township", "clinic"),
    },
    "clinics.forms.DownloadFormatForm": lambda org: {"formats": ("xlsx", "csv")},
    "clinics.forms.AuditFilterForm": lambda org: {"models_choices": [("programs.servicereport", "服务月报")]},
    "programs.forms.GenerateQuotasForm": lambda org: {"user": org.users.county},
    "programs.forms.SampleForm": lambda org: {"lines": _report_lines()},
    "programs.forms.ReportForm": lambda org: {"items": _service_items()},
    "programs.forms.DailySalesForm": lambda org: {"stock": _stock_rows()},
    "programs.forms.RecordEntryForm": lambda org: {"residents": _clinic_residents()},
    "subsidies.forms.StartAssessmentForm": lambda org: {"user": org.users.township},
    "subsidies.forms.AssessmentEntriesForm": lambda org: {"entries": _score_entries()},
    "subsidies.forms.InspectionForm": lambda org: {"user": org.users.township},
    "subsidies.forms.ReinspectForm": lambda org: {"user": org.users.township},
    "subsidies.forms.SatisfactionForm": lambda org: {"user": org.users.township},
    "subsidies.forms.AppealDecisionForm": lambda org: {"user": org.users.township},
    "subsidies.forms.AppealForm": lambda org: {"assessment": None},
    "subsidies.forms.RunCreateForm": lambda org: {"user": org.users.county},
    "subsidies.forms.PolicyCheckForm": lambda org: {"year": 2026},
    "subsidies.forms.AdvanceBatchForm": lambda org: {"user": org.users.county},
    "programs.forms.RemindMissingForm": lambda org: {"user": org.users.township},
    "doctors.forms.RetryOutboxForm": lambda org: {"user": org.users.township},
    "doctors.forms.MarkReadForm": lambda org: {"user": org.users.doctor},
    "cms.forms.RemindUnreadForm": lambda org: {"doctors": _doctor_logins()},
    "programs.forms.DrawSamplesForm": lambda org: {"user": org.users.township},
    "programs.forms.SampleActionForm": lambda org: {"township_id": org.ta1.pk},
    "programs.forms.OutcomeForm": lambda org: {"sample_id": 0},
    "programs.forms.DisputeForm": lambda org: {"clinic_id": org.ca1a.pk},
}


def _doctor_logins():
    from clinics.models import UserScope

    return UserScope.objects.filter(role="village_doctor")


def _stock_rows():
    from programs.models import Drug, DrugStock

    return [DrugStock(drug=Drug(pk=n, generic_name=f"药{n}")) for n in (1, 2)]  # unsaved: the form reads ids and names


def _score_entries():
    from subsidies.models import AssessmentEntry, ScoreItem

    return [  # unsaved: the form reads each entry's id and its item's mode and name
        AssessmentEntry(pk=n, item=ScoreItem(code=f"T{n}", name=f"项目{n}", mode=mode))
        for n, mode in enumerate(ScoreItem.Mode.values, start=1)
    ]


def _viewset_kwargs(spec: FormSpec, org) -> dict:
    kwargs = {"for_user": org.users.county}
    if spec.for_update:
        model = spec.viewset.model
        kwargs["instance"] = model._default_manager.order_by("pk").first() or model()
    return kwargs


class NotBuildable(Exception):
    pass


def form_kwargs(spec: FormSpec, org) -> dict:
    if spec.path in FORM_FACTORIES:
        return FORM_FACTORIES[spec.path](org)
    if spec.viewset is not None:
        return _viewset_kwargs(spec, org)
    return {}


def build(spec: FormSpec, org, data=None):
    kwargs = form_kwargs(spec, org)
    try:
        return spec.form_class(data=data, **kwargs)
    except Exception as exc:  # a missing argument is a TypeError, a missing queryset an AttributeError, ...
        raise NotBuildable(
            f"{spec.path} cannot be built with {sorted(kwargs) or 'no arguments'} ({type(exc).__name__}: {exc}); "
            "add it to FORM_FACTORIES in tests/test_every_form.py"
        ) from exc


# --------------------------------------------------------------------------- a valid payload


def _numeric_value(form_field):
    low, high = getattr(form_field, "min_value", None), getattr(form_field, "max_value", None)
    value = 1
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return str(value)


def _choice_value(form_field):
    for value, _label in form_field.choices:
        if isinstance(_label, (list, tuple)):  # an optgroup
            for inner, _inner_label in _label:
                if inner not in ("", None):
                    return str(inner)
        elif value not in ("", None):
            return str(getattr(value, "value", value))
    return ""


def valid_payload(form) -> QueryDict:
    """What a user would post: the form's initial values, else a plausible value for each field."""
    data = QueryDict(mutable=True)
    for name in form.fields:
        bound = form[name]
        form_field = bound.field
        key = bound.html_name
        initial = bound.value()
        if isinstance(form_field, forms.FileField) or isinstance(form_field.widget, forms.MultiWidget):
            continue
        if isinstance(form_field, (forms.ModelMultipleChoiceField, forms.MultipleChoiceField)):
            values = [str(v) for v in initial] if initial else []
            if not values and form_field.required:
                values = [_choice_value(form_field)]
            data.setlist(key, values)
        elif isinstance(form_field, forms.ModelChoiceField):
            value = initial if initial not in (None, "") else None
            if value is None and form_field.required and form_field.queryset is not None:
                first = form_field.queryset.first()
                value = first.pk if first is not None else None
            data[key] = "" if value is None else str(value)
        elif isinstance(form_field, forms.ChoiceField):
            data[key] = str(initial) if initial not in (None, "") else _choice_value(form_field)
        elif hasattr(form_field, "queryset"):  # an object chosen by id within the user's scope (ScopedObjectField)
            first = form_field.queryset.first() if form_field.queryset is not None else None
            data[key] = str(first.pk) if first is not None else ""
        elif isinstance(form_field, forms.BooleanField):
            if initial or form_field.required:
                data[key] = "on"
        elif _is_numeric(form_field):
            data[key] = str(initial) if initial not in (None, "") else _numeric_value(form_field)
        elif isinstance(form_field, forms.DateTimeField):
            data[key] = (
                initial.strftime("%Y-%m-%d %H:%M") if initial else timezone.localtime().strftime("%Y-%m-%d %H:%M")
            )
        elif isinstance(form_field, forms.DateField):
            data[key] = initial.isoformat() if hasattr(initial, "isoformat") else timezone.localdate().isoformat()
        elif isinstance(form_field, forms.EmailField):
            data[key] = initial or "someone@example.com"
        elif isinstance(form_field, forms.URLField):
            data[key] = initial or "https://example.com/"
        elif isinstance(form_field, forms.SlugField):
            data[key] = initial or "test"
        else:
            data[key] = str(initial) if initial not in (None, "") else ("测试" if form_field.required else "")
    return data


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def org(django_db_setup, django_db_blocker):
    """``build_org`` once for this module, inside a transaction rolled back at its end (each test's own
    transaction is a savepoint within it)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_org()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --------------------------------------------------------------------------- the checks


def _field_errors(form, name: str, value: str) -> list[str]:
    errors = list(form.errors.get(name, []))
    if not errors and value == "" and form.fields[name].required:
        errors = list(form.non_field_errors())
    return errors


def check_value(spec: FormSpec, org, name: str, value: str) -> str | None:
    """None when the form treats ``value`` in field ``name`` as it must, else what went wrong. The form is
    built and validated in zh-hans (some forms translate their messages when built)."""
    with translation.override("zh-hans"):
        unbound = build(spec, org)
        data = valid_payload(unbound)
        data[unbound[name].html_name] = value
        form = build(spec, org, data=data)
        try:
            valid = form.is_valid()
            errors = [str(e) for e in _field_errors(form, name, value)] if not valid else []
        except Exception as exc:  # the 500 this test is about
            return f"{name}={value!r}: is_valid() raised {type(exc).__name__}: {exc}"
    if value == "" and not form.fields[name].required:
        return None
    if valid:
        return f"{name}={value!r}: accepted (cleaned to {form.cleaned_data.get(name)!r})"
    if not errors:
        return f"{name}={value!r}: form invalid but no error on the field ({dict(form.errors)})"
    if not any(CJK.search(e) for e in errors):
        return f"{name}={value!r}: error not in Chinese: {errors}"
    return None


def test_discovery_finds_our_forms():
    """The discovery itself: forms of each layer and the viewset forms are found (a broken walk would pass
    every other test vacuously)."""
    for expected in (
        "programs.forms.ReportForm",
        "programs.forms.SaleForm",
        "programs.forms.SampleForm",
        "clinics.filters.ScopeFilterForm",
        "viewset:clinics.admin.organisation.ClinicPopulationViewSet:add",
        "viewset:subsidies.admin.settlement.AdvanceViewSet:edit",
    ):
        assert expected in FORMS
    assert not any(path.startswith("viewset:wagtail.") for path in FORMS)
    assert sum(len(spec.numeric) for spec in FORMS.values()) > 10


def test_every_factory_names_a_discovered_form():
    assert not set(FORM_FACTORIES) - set(FORMS), "stale FORM_FACTORIES entries"


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(FORMS))
def test_every_form_can_be_built(org, path):
    """The guard that keeps new forms covered: a form needing constructor arguments must be in FORM_FACTORIES."""
    try:
        build(FORMS[path], org)
    except NotBuildable as exc:
        pytest.fail(str(exc))


NUMERIC_CASES = [
    pytest.param(path, name, value, id=f"{path}.{name}={label}")
    for path, spec in sorted(FORMS.items())
    for name in spec.numeric
    for label, value in BAD_VALUES.items()
]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name", "value"), NUMERIC_CASES)
def test_bad_number_is_a_chinese_field_error(org, path, name, value):
    spec = FORMS[path]
    try:
        problem = check_value(spec, org, name, value)
    except NotBuildable as exc:
        pytest.fail(str(exc))
    assert problem is None, f"{path}: {problem}"


def _defines_own_init(form_class) -> bool:
    """Fields can only be added at run time by an ``__init__`` of ours (``ScopedModelForm``'s only narrows
    querysets)."""
    from core.admin.viewsets import ScopedModelForm

    return any(
        "__init__" in vars(klass) and _is_ours(klass.__module__) and klass is not ScopedModelForm
        for klass in form_class.__mro__
    )


RUNTIME_CASES = sorted(path for path, spec in FORMS.items() if _defines_own_init(spec.form_class))


@pytest.mark.django_db
@pytest.mark.parametrize("path", RUNTIME_CASES)
def test_numeric_fields_added_at_run_time(org, path):
    """Fields a form adds in its ``__init__`` (one per service item, per report line, ...)."""
    spec = FORMS[path]
    try:
        form = build(spec, org)
    except NotBuildable as exc:
        pytest.fail(str(exc))
    names = [name for name, f in form.fields.items() if name not in spec.form_class.base_fields and _is_numeric(f)]
    if not names:
        pytest.skip("no numeric field added at run time")
    problems = [check_value(spec, org, name, value) for name in names for value in BAD_VALUES.values()]
    problems = [p for p in problems if p]
    assert not problems, f"{path}:\n" + "\n".join(problems)


# --------------------------------------------------------------------------- over HTTP


DAY = timezone.localdate() - timedelta(days=5)


def _register_doctor(org):
    from tests.doctors.helpers import make_doctor, make_licence

    make_licence(make_doctor(org.ca1a, user=org.users.doctor), issued_on=date(2024, 1, 1))


def _report_case(org):
    from programs.models import ServiceReport

    _register_doctor(org)
    today = timezone.localdate()
    items = _service_items()
    data = {f"item_{item.pk}": "3" for item in items}
    data["submit"] = "1"
    return {
        "url": reverse("portal_reports:report", args=[today.year, today.month]),
        "user": org.users.doctor,
        "data": data,
        "fields": [f"item_{items[0].pk}"],
        "snapshot": lambda: list(ServiceReport.objects.values_list("pk", "status")),
    }


def _verify_case(org):
    from programs.models import ServiceReport, ServiceReportLine

    items = _service_items()
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=3, status="submitted")
    for item in items:
        ServiceReportLine.objects.create(report=report, item=item, declared_count=57)
    data = {}
    for item in items:
        data.update({f"method_{item.pk}": "phone", f"checked_{item.pk}": "10", f"confirmed_{item.pk}": "9"})
    return {
        "url": reverse("reports:verify", args=[report.pk]),
        "user": org.users.township,
        "data": data,
        "fields": [f"checked_{items[0].pk}", f"confirmed_{items[0].pk}"],
        "snapshot": lambda: (
            list(ServiceReport.objects.values_list("pk", "status")),
            list(ServiceReportLine.objects.values_list("pk", "sample_checked", "sample_confirmed", "verified_count")),
        ),
    }


def _sale_case(org):
    from programs.models import DrugSale, DrugStock
    from programs.services import drugs

    _register_doctor(org)
    drug = drugs.save_drug(
        code="YP001",
        generic_name="阿莫西林胶囊",
        dosage_form="胶囊剂",
        specification="0.25g×24粒",
        unit="盒",
        category="anti_infective",
    )
    drugs.record_purchase(
        clinic=org.ca1a,
        drug=drug,
        on=DAY,
        batch_no="B1",
        expiry=DAY + timedelta(days=300),
        quantity=10,
        unit_price="6.80",
    )
    return {
        "url": reverse("portal_drugs:sell"),
        "user": org.users.doctor,
        "data": {"drug": str(drug.pk), "date": DAY.isoformat(), "quantity": "1", "unit_price": "6.80"},
        "fields": ["quantity", "unit_price", "drug"],
        "snapshot": lambda: (
            list(DrugSale.objects.values_list("pk")),
            list(DrugStock.objects.values_list("pk", "quantity")),
        ),
    }


def _sheet(org):
    from subsidies.models import ScoreItem, ScoreSheet

    sheet = ScoreSheet.objects.create(county=org.county_a, year=2026, name="村卫生室绩效考核表")
    specs = [
        ("A1", "public_health", "公共卫生任务完成率", "40", "indicator", "0", "all"),
        ("B1", "medical", "处方书写不规范", "20", "deduction", "2", ""),
        ("D1", "finance", "财务账目", "10", "manual", "0", ""),
    ]
    for order, (code, category, name, top, mode, per, indicator) in enumerate(specs):
        ScoreItem.objects.create(
            sheet=sheet,
            code=code,
            category=category,
            name=name,
            max_points=Decimal(top),
            mode=mode,
            points_per_occurrence=Decimal(per),
            indicator=indicator,
            target=Decimal("1"),
            sort_order=order,
        )
    return sheet


def _assessment_case(org):
    from subsidies.models import AssessmentEntry
    from subsidies.services import assessments

    _sheet(org)
    assessment = assessments.start_assessment(
        user=org.users.township, clinic=org.ca1a, year=2026, quarter=1, assessed_on=date(2026, 4, 8)
    )
    entries = {e.item.code: e.pk for e in AssessmentEntry.objects.filter(assessment=assessment).select_related("item")}
    return {
        "url": reverse("assessments:edit", args=[assessment.pk]),
        "user": org.users.township,
        "data": {
            f"achieved_{entries['A1']}": "0.5",
            f"occurrences_{entries['B1']}": "2",
            f"manual_score_{entries['D1']}": "8",
        },
        "fields": [f"achieved_{entries['A1']}", f"occurrences_{entries['B1']}", f"manual_score_{entries['D1']}"],
        "snapshot": lambda: list(
            AssessmentEntry.objects.order_by("pk").values_list("pk", "occurrences", "achieved", "manual_score")
        ),
    }


def _satisfaction_case(org):
    from subsidies.models import SatisfactionSurvey

    return {
        "url": reverse("assessments:satisfaction"),
        "user": org.users.township,
        "data": {"clinic": str(org.ca1a.pk), "year": "2026", "quarter": "1", "surveyed": "20", "satisfied": "18"},
        "fields": ["surveyed", "satisfied", "year", "quarter"],
        "snapshot": lambda: list(SatisfactionSurvey.objects.values_list("pk", "surveyed", "satisfied")),
    }


# url name → (builder of the case, the numeric fields posted); the builder returns url, user, data, snapshot.
HTTP_CASES = {
    "portal_reports:report": (_report_case, ["item"]),
    "reports:verify": (_verify_case, ["checked", "confirmed"]),
    "portal_drugs:sell": (_sale_case, ["quantity", "unit_price", "drug"]),
    "assessments:edit": (_assessment_case, ["achieved", "occurrences", "manual_score"]),
    "assessments:satisfaction": (_satisfaction_case, ["surveyed", "satisfied", "year", "quarter"]),
}


def _our_row_counts():
    return {
        model._meta.label: model._default_manager.count() for model in apps.get_models() if _is_ours(model.__module__)
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "which", "value"),
    [
        pytest.param(url_name, which, value, id=f"{url_name}.{fields[which]}={label}")
        for url_name, (_builder, fields) in HTTP_CASES.items()
        for which in range(len(fields))
        for label, value in BAD_VALUES.items()
    ],
)
def test_bad_number_posted_to_a_page(org, client_for, url_name, which, value):
    builder, _fields = HTTP_CASES[url_name]
    case = builder(org)
    key = case["fields"][which]
    data = {**case["data"], key: value}
    before, counts = case["snapshot"](), _our_row_counts()
    response = client_for(case["user"]).post(case["url"], data)  # an exception in the view fails the test
    assert response.status_code in (200, 302), f"{url_name} {key}={value!r}: status {response.status_code}"
    if value == "":
        return  # a blank optional number may be valid (a blank count is 0): only no 500
    assert case["snapshot"]() == before and _our_row_counts() == counts, f"{url_name} {key}={value!r} was written"
    if response.status_code == 302:
        errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
        assert any(CJK.search(m) for m in errors), f"{url_name} {key}={value!r}: redirect without a Chinese error"
