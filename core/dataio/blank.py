"""The blank template of a resource (空白模板): what a county fills in to import, made for people who have never
seen the system. Sheet 1 has the import's headers and no rows, with a dropdown on every column that takes one
of a list (是/否, a choice, the codes of the user's own clinics, townships or of a catalogue); sheet 2 says, per
column, whether it is required and what it accepts (the same limits the import applies); sheet 3 lists the
codes with their names. Rows typed below the headers import as they are."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.dataio.resources import ScopedResource
from core.dataio.widgets import (
    ChineseBooleanWidget,
    ChoiceWidget,
    CodeForeignKeyWidget,
    StrictDateWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
    TextWidget,
)
from core.scope import restrict

__all__ = ["ColumnHelp", "blank_template", "column_help"]

MAX_LISTED_CODES = 2000  # a dropdown beyond this is no help; the codes sheet still lists the first ones
ROWS_WITH_DROPDOWNS = 5000
# The scope of a list of codes by the model it names: a user is offered only their own clinics and townships.
SCOPED_MODELS = {"clinics.clinic": "clinic", "clinics.township": "township", "clinics.county": "county"}


@dataclass
class ColumnHelp:
    name: str
    required: bool
    rule: str
    choices: list[str] = field(default_factory=list)
    codes: list[tuple[str, str]] = field(default_factory=list)  # (code, name) of the user's scope


def _related_model(model: type[models.Model], attribute: str) -> type[models.Model] | None:
    """The model a ``clinic__code``-style attribute names (None when it is not a code of a related row)."""
    parts = attribute.split("__")
    if len(parts) < 2 or parts[-1] != "code":
        return None
    current: Any = model
    for part in parts[:-1]:
        try:
            current = current._meta.get_field(part).related_model
        except FieldDoesNotExist:  # not a relation of this model: no list to offer
            return None
        if current is None:
            return None
    return current


def _codes(related: type[models.Model], user: Any, code_field: str = "code") -> list[tuple[str, str]]:
    queryset = related._default_manager.all()
    level = SCOPED_MODELS.get(related._meta.label_lower)
    if level is not None and user is not None:
        queryset = restrict(queryset, user, **{level: ""})
    name_field = "name" if any(f.name == "name" for f in related._meta.get_fields()) else code_field
    return [
        (str(code), str(name))
        for code, name in queryset.order_by(code_field).values_list(code_field, name_field)[:MAX_LISTED_CODES]
    ]


def column_help(resource: ScopedResource, user: Any) -> list[ColumnHelp]:
    """What each column of the import takes, read from its widget (the limits the import itself applies)."""
    model = resource._meta.model
    result = []
    for fld in resource.get_import_fields():
        if fld.readonly:
            continue
        widget = fld.widget
        required = bool(getattr(widget, "required", False))
        choices: list[str] = []
        codes: list[tuple[str, str]] = []
        if isinstance(widget, ChineseBooleanWidget):
            choices = [_("是"), _("否")]
            rule = _("填“是”或“否”")
        elif isinstance(widget, ChoiceWidget):
            choices = [str(label) for _value, label in widget.choices]
            rule = _("从下拉列表中选择：%(choices)s") % {"choices": "、".join(choices)}
        elif isinstance(widget, CodeForeignKeyWidget):
            codes = _codes(widget.model, user, widget.field)
            required = True
            rule = _("%(label)s的编码，见“编码对照”表") % {"label": widget.label}
        elif isinstance(widget, StrictDateWidget):
            rule = _("日期，写成 2026-01-31")
        elif isinstance(widget, StrictIntegerWidget):
            limits = widget.limits
            rule = _("整数") + _limits_text(limits.min_value, limits.max_value)
        elif isinstance(widget, StrictDecimalWidget):
            limits = widget.limits
            rule = _("数字") + _limits_text(limits.min_value, limits.max_value)
            if limits.decimal_places is not None:
                rule += _("，最多 %(n)s 位小数") % {"n": limits.decimal_places}
        else:
            related = _related_model(model, fld.attribute or "")
            if related is not None:
                codes = _codes(related, user)
                rule = _("%(label)s的编码，见“编码对照”表") % {"label": related._meta.verbose_name}
            else:
                max_length = getattr(widget, "max_length", None) if isinstance(widget, TextWidget) else None
                rule = _("文字") + (_("，最多 %(n)s 个字") % {"n": max_length} if max_length else "")
        note = resource.column_notes.get(fld.column_name)
        if note:
            rule = _("%(rule)s。%(note)s") % {"rule": rule, "note": note}
        result.append(ColumnHelp(name=fld.column_name, required=required, rule=rule, choices=choices, codes=codes))
    return result


def _limits_text(low, high) -> str:
    if high is not None and high >= StrictIntegerWidget.MAX:  # no limit a person would meet
        high = None
    if low is not None and high is not None:
        return _("，%(low)s 到 %(high)s") % {"low": low, "high": high}
    if low is not None:
        return _("，不小于 %(low)s") % {"low": low}
    if high is not None:
        return _("，不大于 %(high)s") % {"high": high}
    return ""


def blank_template(resource_class: type[ScopedResource], *, user: Any) -> bytes:
    """The .xlsx bytes of the resource's blank template for ``user`` (codes of their own scope only)."""
    resource = resource_class(user=user)
    columns = column_help(resource, user)
    workbook = Workbook()
    data = workbook.active
    data.title = resource.data_name()[:31]
    guide = workbook.create_sheet(_("填写说明"))
    code_sheet = workbook.create_sheet(_("编码对照"))
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    data.freeze_panes = "A2"
    code_column = 1
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = data.cell(row=1, column=index, value=column.name)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        data.column_dimensions[letter].width = max(12, len(column.name) * 2 + 4)
        listed: str | None = None
        if column.choices:
            listed = '"' + ",".join(column.choices) + '"'
        elif column.codes:
            code_letter = get_column_letter(code_column)
            code_sheet.cell(row=1, column=code_column, value=column.name).font = bold
            code_sheet.cell(row=1, column=code_column + 1, value=_("名称")).font = bold
            for row, (code, name) in enumerate(column.codes, start=2):
                code_sheet.cell(row=row, column=code_column, value=code)
                code_sheet.cell(row=row, column=code_column + 1, value=name)
            last = len(column.codes) + 1
            listed = f"'{code_sheet.title}'!${code_letter}$2:${code_letter}${last}"
            code_column += 3
        if listed is not None and (column.choices or column.codes):
            validation = DataValidation(type="list", formula1=listed, allow_blank=not column.required)
            validation.error = _("请从下拉列表中选择。")
            validation.errorTitle = column.name
            validation.showErrorMessage = True
            data.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{ROWS_WITH_DROPDOWNS}")
    guide.append([_("列名"), _("是否必填"), _("填写要求")])
    for cell in guide[1]:
        cell.font = bold
    for column in columns:
        guide.append([column.name, _("必填") if column.required else _("可不填"), column.rule])
    guide.append([])
    guide.append(
        [
            _("说明"),
            "",
            _(
                "在第一张表的表头下面逐行填写，不要改动表头。黄色表头的列必须填写。导入时先预览：只要有一行有错，"
                "整个文件都不会写入，错误会按行号和列名列出。编码只能填“编码对照”表中列出的、您有权管理的编码。"
            ),
        ]
    )
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 80
    for row in guide.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
