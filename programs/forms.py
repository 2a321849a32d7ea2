"""Every input of the programs screens (admin and portal, reports and drugs) is one of these forms.

Numbers and dates are parsed by ``core.validation``'s strict fields with the limits the services use, so
"²", "１２", "1e3" or 10**30 are a Chinese error on the field, never a 500; the rules of the records
themselves stay in the services (the views put their refusals on the form with ``core.forms``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics import selectors as org
from clinics.models import Clinic, Township
from clinics.roles import Role
from core.forms import ButtonField
from core.validation import (
    MAX_YEAR,
    MIN_YEAR,
    StrictDateField,
    StrictDecimalField,
    StrictIntegerField,
    limits_of,
)
from core.versioning import version_field
from programs.models import Drug, SampleEntry, ServiceItem, ServiceReport, ServiceReportLine
from programs.selectors.records import RECORD_COLUMNS
from programs.services import drugs as drug_services
from programs.services import reports as report_services
from residents.models import Resident

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# --------------------------------------------------------------------------- reports: portal


class ReportForm(forms.Form):
    """One count per active item (HTML names ``item_<pk>``). Blank means 0; the limits are the
    service's (``reports.COUNT_LIMITS``, from the model field), so every bad value is a field error.
    ``submit`` is the "提交给卫生院" button (without it the report is saved as a draft); ``confirm`` the
    "我已核对" box."""

    submit = ButtonField()
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        not_a_count = _("请填写不小于 0 的整数。")
        for item in items:
            self.fields[f"item_{item.pk}"] = StrictIntegerField(
                required=False,
                label=item.name,
                limits=report_services.COUNT_LIMITS,
                messages={"invalid": not_a_count, "min_value": not_a_count},
            )

    def counts(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data.get(f"item_{item.pk}") or 0 for item in self.items}

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service names an item by its pk (``{"<pk>": message}``); the form's field is ``item_<pk>``."""
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                name = f"item_{key}"
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class ReportMonthForm(forms.Form):
    """The year and month of a report entry queued by the offline portal (online, they are in the page's URL)."""

    year = StrictIntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR)
    month = StrictIntegerField(min_value=1, max_value=12)


# --------------------------------------------------------------------------- reports: admin


class ReportStatusForm(forms.Form):
    """``?status=`` of the report list (a status the list does not know shows every status, as before)."""

    status = forms.ChoiceField(required=False, choices=[("", ""), *ServiceReport.Status.choices])

    def status_or_all(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""


class RemindMissingForm(forms.Form):
    """提醒 one clinic (``clinic``) or 全部提醒 (``remind_all``) of the missing-reports list of a month; the clinic
    and the township are chosen within the user's scope."""

    year = StrictIntegerField(label=gettext_lazy("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    month = StrictIntegerField(label=gettext_lazy("月份"), min_value=1, max_value=12)
    clinic = forms.ModelChoiceField(
        label=gettext_lazy("村卫生室"),
        queryset=Clinic.objects.none(),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("这个村卫生室不存在或不在您的管辖范围内。")},
    )
    township = forms.ModelChoiceField(
        label=gettext_lazy("乡镇"),
        queryset=Township.objects.none(),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("这个乡镇不存在或不在您的管辖范围内。")},
    )
    remind_all = ButtonField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = org.clinics_for(user)  # type: ignore[attr-defined]
        self.fields["township"].queryset = org.townships_for(user)  # type: ignore[attr-defined]

    def clean(self):
        cleaned = super().clean() or {}
        if not cleaned.get("remind_all") and not cleaned.get("clinic") and "clinic" not in self.errors:
            raise ValidationError(_("请选择要提醒的村卫生室，或点“全部提醒”。"))
        return cleaned


SAMPLE_METHODS = [(value, label) for value, label in ServiceReportLine.Method.choices]


class ReturnReportForm(forms.Form):
    """The "退回" button of the verification page and its comment (the service requires the comment)."""

    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["return"] = ButtonField()

    def returning(self) -> bool:
        return self.is_valid() and self.cleaned_data["return"]


class SampleForm(forms.Form):
    """The verification sample of each line: ``method_<item>``, ``checked_<item>``, ``confirmed_<item>``
    (the names the template posts). The counts use the service's limits (``reports.SAMPLE_LIMITS``)."""

    version = version_field()

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.service_errors: dict[str, list[str]] = {}
        for line in lines:
            self.fields[f"method_{line.item_id}"] = forms.ChoiceField(
                required=False,
                choices=[("", "—"), *SAMPLE_METHODS],
                error_messages={"invalid_choice": _("请选择核实方式（电话回访或入户核实）。")},
            )
            for name, label in (("checked", _("抽查数")), ("confirmed", _("属实数"))):
                self.fields[f"{name}_{line.item_id}"] = StrictIntegerField(
                    required=False,
                    label=label,
                    limits=report_services.SAMPLE_LIMITS,
                    messages={
                        "invalid": _("%(label)s必须是整数。") % {"label": label},
                        "min_value": _("%(label)s不能为负数。") % {"label": label},
                    },
                )

    def clean(self):
        data = super().clean() or {}
        for line in self.lines:
            checked, confirmed = f"checked_{line.item_id}", f"confirmed_{line.item_id}"
            if checked in data and confirmed in data and (data[checked] is None) != (data[confirmed] is None):
                self.add_error(checked if data[checked] is None else confirmed, _("请同时填写抽查数和属实数。"))
        return data

    def samples(self) -> dict[int, tuple[str, int | None, int | None]]:
        samples = {}
        for line in self.lines:
            checked = self.cleaned_data[f"checked_{line.item_id}"]
            confirmed = self.cleaned_data[f"confirmed_{line.item_id}"]
            method = self.cleaned_data[f"method_{line.item_id}"] if checked is not None else ""
            samples[line.item_id] = (method, checked, confirmed)
        return samples

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service names a line by its item's pk (its message already names the item): kept per line and
        shown next to the item's name, like the fields' own errors; anything else goes on the form."""
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                if f"method_{key}" in self.fields:
                    self.service_errors[key] = [str(message) for error in errors for message in error.messages]
                else:
                    self.add_error(None, errors)
        else:
            self.add_error(None, exc.messages)

    def line_errors(self, line) -> list[str]:
        """The problems of one line: its fields' errors after the item's name, then the service's."""
        problems: list[str] = []
        for key in (f"method_{line.item_id}", f"checked_{line.item_id}", f"confirmed_{line.item_id}"):
            problems += [str(e) for e in self.errors.get(key, []) if str(e) not in problems]
        errors = [_("“%(item)s”：%(problems)s") % {"item": line.item.name, "problems": "；".join(problems)}]
        return (errors if problems else []) + self.service_errors.get(str(line.item_id), [])


class PeriodActionForm(forms.Form):
    """One month of one township on the periods page: "截止" (``action=close``) or "重新开放" until a day,
    with a reason (the service requires it). The township is looked up in the user's scope by the view."""

    township = StrictIntegerField(label=gettext_lazy("乡镇"), limits=limits_of(Township._meta.pk))
    year = StrictIntegerField(label=gettext_lazy("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    month = StrictIntegerField(label=gettext_lazy("月份"), min_value=1, max_value=12)
    action = forms.ChoiceField(
        required=False,
        choices=[("close", gettext_lazy("截止")), ("reopen", gettext_lazy("重新开放")), ("", "")],
    )
    until = StrictDateField(label=gettext_lazy("补报截止日期"), required=False, widget=DATE_INPUT)
    reason = forms.CharField(label=gettext_lazy("重新开放原因"), required=False)

    def clean(self):
        data = super().clean() or {}
        if data.get("action") != "close" and "until" in data and data["until"] is None:
            self.add_error("until", _("请填写有效的补报截止日期。"))
        return data


class GenerateQuotasForm(forms.Form):
    year = StrictIntegerField(label=gettext_lazy("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    item = forms.ModelChoiceField(label=gettext_lazy("服务项目"), queryset=ServiceItem.objects.filter(active=True))
    basis = forms.ChoiceField(
        label=gettext_lazy("人口口径"),
        choices=[
            ("resident", gettext_lazy("常住人口")),
            ("registered", gettext_lazy("户籍人口")),
            ("insured", gettext_lazy("参合人口")),
            ("aged_65_plus", gettext_lazy("65岁及以上老年人")),
            ("children_0_6", gettext_lazy("0-6岁儿童")),
        ],
    )
    rate = StrictDecimalField(
        label=gettext_lazy("比例"),
        min_value=0,
        max_value=10,
        decimal_places=4,
        help_text=gettext_lazy("如 0.7 表示 70%：任务数 = 人口 × 比例（四舍五入）"),
    )
    township: forms.ModelChoiceField[Township] = forms.ModelChoiceField(
        label=gettext_lazy("乡镇"), queryset=None, required=False, help_text=gettext_lazy("留空表示您范围内的全部乡镇")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = org.townships_for(user)  # type: ignore[attr-defined]  # a ModelChoiceField


# --------------------------------------------------------------------------- drugs: admin


class ViolationPeriodForm(forms.Form):
    start = StrictDateField(label=gettext_lazy("开始日期"), widget=DATE_INPUT)
    end = StrictDateField(label=gettext_lazy("结束日期"), widget=DATE_INPUT)

    def clean(self):
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError(_("开始日期不能晚于结束日期。"))
        return data


# --------------------------------------------------------------------------- drugs: portal


class DrugSearchForm(forms.Form):
    """``?q=`` (a name or pinyin initials) and ``?drug=`` (the drug picked from the results)."""

    q = forms.CharField(required=False)
    drug = StrictIntegerField(required=False, limits=limits_of(Drug._meta.pk))

    def value(self, name: str):
        """A field's cleaned value, or its empty value when that field is invalid (as before: ignored)."""
        self.is_valid()
        return self.cleaned_data.get(name, "" if name == "q" else None)


class SaleForm(forms.Form):
    """Limits are the model fields' (as in the import widgets and ``services.record_sale``); the date
    rules (not in the future, not before the first purchase, ...) are the service's."""

    drug = StrictIntegerField(
        widget=forms.HiddenInput,
        limits=limits_of(Drug._meta.pk),
        error_messages={"required": gettext_lazy("请先选择药品。")},
        messages={"invalid": gettext_lazy("请先选择药品。"), "digits": gettext_lazy("请先选择药品。")},
    )
    date = StrictDateField(
        label=gettext_lazy("销售日期"),
        min_date=None,
        max_date=None,
        widget=DATE_INPUT,
        error_messages={"required": gettext_lazy("请填写日期。")},
    )
    quantity = StrictIntegerField(
        label=gettext_lazy("数量"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        limits=drug_services.QUANTITY_LIMITS,
        error_messages={"required": gettext_lazy("请填写数量。")},
        messages={"invalid": gettext_lazy("数量必须是整数。")},
    )
    unit_price = StrictDecimalField(
        label=gettext_lazy("单价（元）"),
        limits=drug_services.SALE_PRICE_LIMITS,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        error_messages={"required": gettext_lazy("请填写单价。")},
        messages={
            "invalid": gettext_lazy("单价必须是数字。"),
            "max_decimal_places": gettext_lazy("单价最多保留 2 位小数。"),
        },
    )


class DailySalesForm(forms.Form):
    """A day's sales: the date, and per drug in stock ``qty_<drug>`` / ``price_<drug>`` (a blank quantity:
    not sold that day). The service checks the date's rules and each line (it names the line)."""

    date = StrictDateField(
        label=gettext_lazy("销售日期"),
        min_date=None,
        max_date=None,
        error_messages={"required": gettext_lazy("请填写日期。")},
    )

    def __init__(self, *args, stock, **kwargs):
        super().__init__(*args, **kwargs)
        self.stock = stock
        for row in stock:
            self.fields[f"qty_{row.drug_id}"] = StrictIntegerField(
                required=False,
                label=_("“%(drug)s”的数量") % {"drug": row.drug.generic_name},
                limits=drug_services.QUANTITY_LIMITS,
                messages={"invalid": _("数量必须是整数。")},
            )
            self.fields[f"price_{row.drug_id}"] = StrictDecimalField(
                required=False,
                label=_("“%(drug)s”的单价") % {"drug": row.drug.generic_name},
                limits=drug_services.SALE_PRICE_LIMITS,
                messages={
                    "invalid": _("单价必须是数字。"),
                    "max_decimal_places": _("单价最多保留 2 位小数。"),
                },
            )

    def rows(self) -> list[dict]:
        """Per stock row its bound quantity and price fields (the template shows their errors)."""
        return [
            {"stock": row, "qty": self[f"qty_{row.drug_id}"], "price": self[f"price_{row.drug_id}"]}
            for row in self.stock
        ]

    def lines(self) -> list[drug_services.SaleLine]:
        return [
            drug_services.SaleLine(
                drug=row.drug,
                quantity=self.cleaned_data[f"qty_{row.drug_id}"],
                unit_price=self.cleaned_data[f"price_{row.drug_id}"],
            )
            for row in self.stock
            if self.cleaned_data[f"qty_{row.drug_id}"] is not None
        ]


# --------------------------------------------------------------------------- records (服务记录)


class RecordFilterForm(forms.Form):
    """The record listing's own filters (year, month and clinic are clinics.filters.ScopeFilterForm's)."""

    MATCH_CHOICES = (
        ("", gettext_lazy("全部")),
        ("matched", gettext_lazy("已匹配")),
        ("unmatched", gettext_lazy("未匹配居民")),
    )

    item = forms.ModelChoiceField(label=gettext_lazy("服务项目"), queryset=ServiceItem.objects.all(), required=False)
    matched = forms.ChoiceField(label=gettext_lazy("居民匹配"), choices=MATCH_CHOICES, required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.is_valid()

    def get(self, name: str):
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None


class ColumnMappingForm(forms.Form):
    """How the county's provincial system names each of our import columns: one text field per column,
    the default being our own header."""

    def __init__(self, data=None, *, columns: dict[str, str] | None = None, **kwargs):
        super().__init__(data, **kwargs)
        columns = columns or {}
        self.ours = RECORD_COLUMNS
        for index, ours in enumerate(RECORD_COLUMNS):
            self.fields[f"column_{index}"] = forms.CharField(
                label=ours, max_length=50, initial=columns.get(ours) or ours, strip=True
            )

    def clean(self):
        cleaned = super().clean() or {}
        theirs = [cleaned.get(f"column_{i}") for i in range(len(self.ours))]
        seen: dict[str, str] = {}
        for ours, their in zip(self.ours, theirs, strict=True):
            if their and their in seen:
                raise ValidationError(
                    _("“%(their)s”同时对应了“%(a)s”和“%(b)s”，一列只能对应一项。")
                    % {"their": their, "a": seen[their], "b": ours}
                )
            if their:
                seen[their] = ours
        return cleaned

    def mapping(self) -> dict[str, str]:
        """Our header → theirs, only where they differ."""
        pairs = ((ours, self.cleaned_data.get(f"column_{i}") or ours) for i, ours in enumerate(self.ours))
        return {ours: their for ours, their in pairs if their != ours}


class ResidentSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("姓名或身份证号、电话后 4 位"), max_length=30, required=False, strip=True)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.is_valid()

    def query(self) -> str:
        return self.cleaned_data.get("q", "") if hasattr(self, "cleaned_data") else ""


class RecordEntryForm(forms.Form):
    """The doctor's quick entry: a resident of their clinic's register (scoped queryset: another clinic's
    resident is not a choice), the item, the date (today by default) and a note."""

    resident = forms.ModelChoiceField(label=gettext_lazy("居民"), queryset=Resident.objects.none())
    item = forms.ModelChoiceField(
        label=gettext_lazy("服务项目"), queryset=ServiceItem.objects.filter(active=True).order_by("sort_order")
    )
    service_date = StrictDateField(label=gettext_lazy("服务日期"), widget=DATE_INPUT)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False, strip=True)

    def __init__(self, data=None, *, residents, **kwargs):
        super().__init__(data, **kwargs)
        field = self.fields["resident"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = residents
        field.widget = forms.HiddenInput()


# --------------------------------------------------------------------------- sampling (抽查核实, #17)


class DrawSamplesForm(forms.Form):
    """抽取本月样本 of a month for the user's townships (or one of them)."""

    year = StrictIntegerField(label=gettext_lazy("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    month = StrictIntegerField(label=gettext_lazy("月份"), min_value=1, max_value=12)
    township = forms.ModelChoiceField(
        label=gettext_lazy("乡镇"),
        queryset=Township.objects.none(),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("这个乡镇不存在或不在您的管辖范围内。")},
    )
    draw = ButtonField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = org.townships_for(user)  # type: ignore[attr-defined]


class SampleActionForm(forms.Form):
    """The sample page's actions: 重新抽取 with a reason, 分配回访人, 应用到月报 (which button is a ButtonField)."""

    reason = forms.CharField(label=gettext_lazy("重新抽取原因"), max_length=200, required=False)
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("回访人"),
        queryset=User.objects.none(),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("只能分配给该卫生室所在乡镇的工作人员。")},
    )
    redraw = ButtonField()
    assign = ButtonField()
    apply = ButtonField()

    def __init__(self, *args, township_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            scope__role=Role.TOWNSHIP_STAFF, scope__township_id=township_id, is_active=True
        ).order_by("username")

    def clean(self):
        data = super().clean() or {}
        if not (data.get("redraw") or data.get("assign") or data.get("apply")):
            raise ValidationError(_("请选择要做的操作。"))
        return data


class OutcomeForm(forms.Form):
    """One call's outcome on the call list: the entry (in the sample proper), the outcome button pressed and a note."""

    entry = forms.ModelChoiceField(
        queryset=SampleEntry.objects.none(), error_messages={"invalid_choice": gettext_lazy("这条记录不在本样本中。")}
    )
    outcome = forms.ChoiceField(
        choices=SampleEntry.Outcome.choices, error_messages={"required": gettext_lazy("请选择核实结果。")}
    )
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)
    open_complaint = forms.BooleanField(label=gettext_lazy("服务内容不符时，同时登记为投诉"), required=False)

    def __init__(self, *args, sample_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = SampleEntry.objects.filter(  # type: ignore[attr-defined]
            sample_id=sample_id, reserve=False
        )


class DisputeForm(forms.Form):
    """申诉 of a 不属实 finding by the clinic's doctor, with a reason."""

    entry = forms.ModelChoiceField(
        queryset=SampleEntry.objects.none(), error_messages={"invalid_choice": gettext_lazy("这条结果不存在。")}
    )
    note = forms.CharField(label=gettext_lazy("申诉理由"), max_length=500)

    def __init__(self, *args, clinic_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = SampleEntry.objects.filter(  # type: ignore[attr-defined]
            sample__clinic_id=clinic_id, outcome=SampleEntry.Outcome.NOT_CONFIRMED
        )
