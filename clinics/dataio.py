"""Excel / CSV import and export, shared by the admin and the ``import_data`` / ``export_data`` commands.

Every resource is a django-import-export ``ModelResource`` subclassing ``ScopedResource``: Chinese
column headers (English field names accepted too), the user's scope applied to exports and to
every imported row, and strict widgets whose errors are Chinese sentences. An import is
all-or-nothing: ``run_import`` first does a dry run and writes only when no row has an error.
Row numbers in reports are spreadsheet rows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import gc
import json
import logging
import math
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from import_export import resources, widgets

from clinics import filecheck, spreadsheets
from clinics.selectors import restrict
from clinics.validation import MAX_DATE, MIN_DATE, Limits, is_blank, limits_of, parse_date, parse_decimal, parse_integer

SUPPORTED_EXTENSIONS = (".xlsx", ".csv")
PARSE_CHILD = Path(__file__).with_name("parse_child.py")
logger = logging.getLogger(__name__)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (wrong type, empty, corrupt, wrong headers)."""


# --------------------------------------------------------------------------- widgets


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
    errors, never rounded (``clinics.validation.parse_integer``)."""

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


def model_field_for(model, attribute: str):
    """The concrete model field behind a resource attribute ("report__year" follows the relation)."""
    from django.core.exceptions import FieldDoesNotExist

    *path, name = attribute.split("__")
    for part in path:
        try:
            model = model._meta.get_field(part).related_model
        except FieldDoesNotExist:
            return None
        if model is None:
            return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


class ScopedResource(resources.ModelResource):
    """Base for every resource. Subclasses set:

    - ``name``: the key used by ``import_data`` / ``export_data`` and the admin URLs;
    - ``scope_paths``: how rows reach their clinic / township / county (see ``clinics.selectors.restrict``);
    - ``import_permission``: the Django permission needed to import (``app.codename``).
    """

    name: str = ""
    scope_paths: dict = {}
    import_permission: str | None = None
    export_permission: str | None = None
    # Listing filters an export honours (query parameter → ORM lookup) and the fields "q" searches,
    # so "导出 Excel" on a filtered admin listing exports what the listing shows.
    export_filters: dict = {}
    export_search_fields: tuple = ()
    # Files with more rows than this are checked and imported in the background (admin only).
    background_threshold: int | None = None
    # A resource may provide ``fast_import(dataset, *, dry_run, progress) -> ImportReport`` that validates
    # rows itself with preloaded lookups and writes in bulk; run_import then uses it instead of the
    # row-by-row django-import-export path (same reporting, same all-or-nothing rule).
    fast_import: Callable[..., ImportReport] | None = None

    def filter_for_listing(self, queryset, params):
        for param, lookup in self.export_filters.items():
            value = params.get(param)
            if value in (None, ""):
                continue
            if value in ("true", "false", "True", "False"):
                value = value.lower() == "true"
            elif _is_integer_lookup(queryset.model, lookup) and not (
                value.isascii() and value.isdigit() and len(value) <= 18
            ):
                # "²" and "٣" pass isdigit(), and 20 digits overflow the database: refuse them here (ValueError
                # is reported as invalid filters) rather than when the export is read.
                raise ValueError(value)
            queryset = queryset.filter(**{lookup: value})
        q = (params.get("q") or "").strip()
        if q and self.export_search_fields:
            condition = Q()
            for field_name in self.export_search_fields:
                condition |= Q(**{f"{field_name}__icontains": q})
            queryset = queryset.filter(condition)
        return queryset

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self._seen_keys: dict[tuple, int] = {}
        self.bind_widgets()

    def bind_widgets(self) -> None:
        """Give each numeric widget the limits of the model field its column is stored in."""
        for fld in self.fields.values():
            if getattr(fld.widget, "bound_to", False) is None and fld.attribute:
                model_field = model_field_for(self._meta.model, fld.attribute)
                if model_field is not None:
                    fld.widget.bind(model_field)

    def before_import(self, dataset, **kwargs):
        self._seen_keys = {}
        return super().before_import(dataset, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        """Also refuse a second row with the same key as an earlier row of the file."""
        errors: dict[str, Any] = {}  # field → ValidationError, or the list update_error_dict makes
        id_fields = [self.fields[name] for name in self.get_import_id_fields() if name in self.fields]
        number = kwargs.get("row_number")
        if id_fields and number is not None:
            key = tuple(str(row.get(f.column_name) or "").strip() for f in id_fields)
            first = self._seen_keys.setdefault(key, number)
            if first != number:
                errors[id_fields[0].attribute] = ValidationError(_("与第 %(row)s 行重复") % {"row": first + 1})
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    # Export: only the user's rows.
    def get_queryset(self):
        qs = super().get_queryset()
        if self.user is not None and self.scope_paths:
            qs = restrict(qs, self.user, **self.scope_paths)
        return qs

    def header_aliases(self) -> dict[str, str]:
        """Accepted header → canonical Chinese column name (English field names, stripped variants)."""
        aliases = {}
        for name, fld in self.fields.items():
            aliases[fld.column_name] = fld.column_name
            aliases[name] = fld.column_name
            if fld.attribute:
                aliases[fld.attribute] = fld.column_name
        return aliases

    def required_columns(self) -> list[str]:
        """Columns a file must have: by default every field of the import."""
        return [f.column_name for f in self.get_import_fields() if not f.readonly]

    def normalise_headers(self, dataset: tablib.Dataset) -> None:
        aliases = self.header_aliases()
        headers = []
        unknown = []
        for header in dataset.headers:
            text = str(header or "").strip()
            canonical = aliases.get(text) or aliases.get(text.lower())
            if canonical is None:
                unknown.append(text or _("（空白表头）"))
                canonical = text
            headers.append(canonical)
        missing = [c for c in self.required_columns() if c not in headers]
        duplicates = sorted({h for h in headers if headers.count(h) > 1 and h})
        problems = []
        if missing:
            problems.append(_("缺少列：%(cols)s") % {"cols": "、".join(missing)})
        if duplicates:
            problems.append(_("重复的列：%(cols)s") % {"cols": "、".join(duplicates)})
        if unknown:
            problems.append(_("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)})
        if problems:
            expected = "、".join(self.required_columns())
            raise ImportFileError(
                _("表头不正确。%(problems)s。应包含的列：%(expected)s。")
                % {"problems": "；".join(problems), "expected": expected}
            )
        dataset.headers = headers

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        kwargs.setdefault("user", self.user)
        return super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def column_for(self, key: str) -> str:
        """The Chinese column that a validation-error key (attribute or field name) refers to."""
        if key == NON_FIELD_ERRORS:
            return _("整行")
        for name, fld in self.fields.items():
            if key in (name, fld.attribute):
                return fld.column_name
        return key


_registry: dict[str, type[ScopedResource]] = {}
_discovered = False


def register(resource_class: type[ScopedResource]) -> type[ScopedResource]:
    """Class decorator: make a resource available to the admin and the commands by its ``name``."""
    if not resource_class.name:
        raise ValueError(f"{resource_class.__name__} needs a name")
    _registry[resource_class.name] = resource_class
    return resource_class


def registry() -> dict[str, type[ScopedResource]]:
    global _discovered
    if not _discovered:
        autodiscover_modules("resources")
        _discovered = True
    return dict(sorted(_registry.items()))


def get_resource_class(name: str) -> type[ScopedResource]:
    try:
        return registry()[name]
    except KeyError:
        raise ImportFileError(
            _("没有名为“%(name)s”的数据类型。可用：%(names)s") % {"name": name, "names": "、".join(registry())}
        ) from None


def user_may_import(user, resource_class: type[ScopedResource]) -> bool:
    if resource_class.import_permission is None:
        # Export-only lists (stock, violations, expiring batches) are written by the services only;
        # importing them, even from the command line, would bypass the services' checks.
        return False
    return (
        user is None
        or user.is_superuser
        or bool(resource_class.import_permission and user.has_perm(resource_class.import_permission))
    )


def user_may_export(user, resource_class: type[ScopedResource]) -> bool:
    perm = resource_class.export_permission or resource_class.import_permission
    return user is None or user.is_superuser or bool(perm and user.has_perm(perm))


# --------------------------------------------------------------------------- reading files


def read_dataset(data: bytes, filename: str) -> tablib.Dataset:
    """Parse an uploaded .xlsx or .csv file into a Dataset, or raise ImportFileError in Chinese.

    The one way files are read (admin upload, background job, ``import_data``): an .xlsx is checked
    first (``clinics.filecheck``), then the file is parsed in a child process (``read_rows``)."""
    ext = Path(filename or "").suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        if ext == ".xls":
            raise ImportFileError(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再导入。"))
        raise ImportFileError(_("只能导入 .xlsx（Excel）或 .csv 文件。"))
    if len(data) > settings.IMPORT_MAX_FILE_SIZE:
        raise ImportFileError(
            _("文件太大（%(size)s MB），上限为 %(limit)s MB。")
            % {"size": round(len(data) / 1048576, 1), "limit": settings.IMPORT_MAX_FILE_SIZE // 1048576}
        )
    if not data.strip():
        raise ImportFileError(_("文件是空的。"))
    if ext == ".xlsx":
        if not data.startswith(b"PK"):
            raise ImportFileError(filecheck.corrupt_message())
        try:
            filecheck.check_xlsx(data)
        except filecheck.FileRefused as exc:
            raise ImportFileError(str(exc)) from None
    rows = read_rows(data, kind=ext.lstrip("."))
    if not rows:
        raise ImportFileError(_("文件是空的。"))
    header, *body = rows
    width = len(header)
    while width and _is_blank(header[width - 1]):
        width -= 1
    dataset = tablib.Dataset(headers=[str(h).strip() if h is not None else "" for h in header[:width]])
    for row in body:
        row = list(row[:width]) + [None] * (width - len(row))
        dataset.append([c.strip() if isinstance(c, str) else c for c in row])
    if not len(dataset):
        raise ImportFileError(_("文件只有表头，没有数据行。"))
    return dataset


class _RowsUnpickler(pickle.Unpickler):
    """Rows from the parse child: plain values and datetime types, nothing that could run code."""

    ALLOWED = {("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


_CHILD_PROBLEMS = {
    "corrupt": filecheck.corrupt_message,
    "csv_binary": lambda: _("文件不是有效的 CSV 文本文件。"),
    "csv_encoding": lambda: _("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV。"),
    "csv_format": lambda: _("CSV 文件格式有误。"),
    "extent": lambda: filecheck.extent_message(filecheck.Limits.from_settings()),
    "cells": lambda: filecheck.cells_message(filecheck.Limits.from_settings()),
}


def read_rows(data: bytes, *, kind: str) -> list[list]:
    """The first sheet's non-blank rows (``kind`` "xlsx" or "csv"), parsed by ``clinics/parse_child.py`` in a
    child process under a memory limit (IMPORT_PARSE_MEMORY_MB) and a time limit (IMPORT_PARSE_TIMEOUT).
    Whatever the parser does to its process, this one only sees an ImportFileError."""
    limits = {
        "kind": kind,
        "rows": settings.IMPORT_MAX_ROWS,
        "columns": settings.IMPORT_MAX_COLUMNS,
        "cells": settings.IMPORT_MAX_CELLS,
        "memory_mb": settings.IMPORT_PARSE_MEMORY_MB,
        "cpu_seconds": math.ceil(settings.IMPORT_PARSE_TIMEOUT),
    }
    python = getattr(settings, "IMPORT_PARSE_PYTHON", "") or sys.executable  # e.g. when served by uWSGI
    with tempfile.TemporaryDirectory(prefix="import-", dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
        source, target = Path(folder) / f"upload.{kind}", Path(folder) / "rows.pickle"
        source.write_bytes(data)
        try:
            # -I: the child sees neither PYTHONPATH nor the project; it imports only what it needs.
            done = subprocess.run(
                [python, "-I", str(PARSE_CHILD), str(source), str(target), json.dumps(limits)],
                capture_output=True,
                timeout=settings.IMPORT_PARSE_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ImportFileError(
                _("文件无法读取：解析超过 %(seconds)s 秒仍未完成，已停止。")
                % {"seconds": settings.IMPORT_PARSE_TIMEOUT}
            ) from None
        if done.returncode == 3:
            try:
                code = json.loads(done.stdout.decode().strip().splitlines()[-1])["error"]
            except (ValueError, KeyError, IndexError, TypeError):
                code = None
            raise ImportFileError(_CHILD_PROBLEMS.get(code, filecheck.corrupt_message)())
        if done.returncode != 0 or not target.exists():
            logger.warning("import parse child exited with %s: %s", done.returncode, done.stderr[-2000:])
            raise ImportFileError(
                _("文件无法读取：解析进程异常退出（文件可能过大或已损坏，解析内存上限为 %(mb)s MB）。")
                % {"mb": settings.IMPORT_PARSE_MEMORY_MB}
            )
        collecting = gc.isenabled()
        gc.disable()  # a million rows of values without cycles: collections would only slow the load down
        try:
            with target.open("rb") as handle:
                return _RowsUnpickler(handle).load()
        except (pickle.UnpicklingError, EOFError, ValueError):
            raise ImportFileError(
                _("文件无法读取：解析进程异常退出（文件可能过大或已损坏，解析内存上限为 %(mb)s MB）。")
                % {"mb": settings.IMPORT_PARSE_MEMORY_MB}
            ) from None
        finally:
            if collecting:
                gc.enable()


# --------------------------------------------------------------------------- running imports


@dataclass
class RowIssue:
    row: int  # spreadsheet row: header is row 1
    column: str
    message: str
    level: str = "error"

    def __str__(self):
        return _("第 %(row)s 行，“%(column)s”列：%(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportReport:
    resource: str
    total_rows: int = 0
    new: int = 0
    updated: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    file_error: str | None = None
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.errors

    def error_lines(self) -> list[str]:
        if self.file_error:
            return [self.file_error]
        return [str(e) for e in self.errors]


def _collect_issues(resource: ScopedResource, result) -> list[RowIssue]:
    issues: list[RowIssue] = []
    for error in result.base_errors:
        issues.append(RowIssue(row=1, column=_("整个文件"), message=str(error.error)))
    for invalid in result.invalid_rows:
        for key, messages in invalid.error_dict.items():
            for message in messages:
                issues.append(RowIssue(row=invalid.number + 1, column=resource.column_for(key), message=str(message)))
    for number, errors in result.row_errors():
        for error in errors:
            issues.append(
                RowIssue(row=number + 1, column=_("整行"), message=_("无法保存：%(err)s") % {"err": error.error})
            )
    issues.sort(key=lambda i: i.row)
    return issues


def run_import(
    *,
    resource_name: str,
    data: bytes,
    filename: str,
    user=None,
    dry_run: bool = False,
    progress=None,
    dataset: tablib.Dataset | None = None,
) -> ImportReport:
    """Import a file through a registered resource; all-or-nothing.

    ``user`` None means a trusted command-line import (no scope limit). A user without the
    resource's import permission is refused outright. ``dataset``: ``read_dataset(data, filename)``
    when the caller has read it already (it is not read twice).
    """
    report = ImportReport(resource=resource_name)
    try:
        resource_class = get_resource_class(resource_name)
        if not user_may_import(user, resource_class):
            raise PermissionDenied
        if dataset is None:
            dataset = read_dataset(data, filename)
        resource = resource_class(user=user)
        resource.normalise_headers(dataset)
    except ImportFileError as exc:
        report.file_error = str(exc)
        return report
    report.total_rows = len(dataset)
    if resource.fast_import is not None:
        with transaction.atomic():
            fast = resource.fast_import(dataset, dry_run=dry_run, progress=progress)
            if not fast.ok or dry_run:
                transaction.set_rollback(True)
        fast.resource, fast.total_rows, fast.committed = resource_name, len(dataset), fast.ok and not dry_run
        return fast
    # Always validate in a rolled-back transaction first; write only a clean file.
    result = resource.import_data(dataset, dry_run=True, use_transactions=True, rollback_on_validation_errors=True)
    report.errors = _collect_issues(resource, result)
    report.warnings = list(getattr(resource, "warnings", []))
    report.new = result.totals.get("new", 0)
    report.updated = result.totals.get("update", 0)
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        resource = resource_class(user=user)
        result = resource.import_data(dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True)
        errors = _collect_issues(resource, result)
        if errors:  # a race since the dry run; nothing was kept
            report.errors = errors
            transaction.set_rollback(True)
            return report
    report.committed = True
    return report


def _is_integer_lookup(model, lookup: str) -> bool:
    """Whether a ``a__b__c`` lookup ends on an integer column (a foreign key compares its target's id)."""
    from django.core.exceptions import FieldDoesNotExist

    field = None
    for part in lookup.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    if field is not None and field.is_relation:
        field = field.target_field
    return field is not None and field.get_internal_type() in {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
    }


def export_bytes(*, resource_name: str, fmt: str, user=None, queryset=None, params=None) -> bytes:
    """The user's rows of a resource as .xlsx or .csv bytes (CSV with a BOM so Excel reads Chinese).
    ``params``: the admin listing's query parameters (filters and search) to export only what it shows."""
    resource_class = get_resource_class(resource_name)
    if not user_may_export(user, resource_class):
        raise PermissionDenied
    resource = resource_class(user=user)
    if params:
        try:
            queryset = resource.filter_for_listing(
                queryset if queryset is not None else resource.get_queryset(), params
            )
        except (ValueError, ValidationError):
            raise ImportFileError(_("筛选条件无效。")) from None
    if queryset is not None and user is not None and resource.scope_paths:
        queryset = restrict(queryset, user, **resource.scope_paths)
    if fmt not in spreadsheets.FORMATS:
        raise ImportFileError(_("只能导出为 .xlsx 或 .csv。"))
    # Native values (numbers, dates) so that the one writer formats every export alike; the strict widgets
    # still render their own text (是/否, choice labels, ISO dates, codes of related rows).
    dataset = resource.export(queryset=queryset, force_native_type=True)
    return spreadsheets.to_bytes(dataset.headers, dataset, fmt)
