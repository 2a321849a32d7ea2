"""``ScopedResource``: a ModelResource with Chinese headers, scope on every row, strict widgets."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from import_export import fields, resources

if TYPE_CHECKING:
    from core.dataio.runner import ImportReport
from core.dataio.reading import ImportFileError
from core.dataio.widgets import StrictIntegerWidget
from core.scope import restrict
from core.validation import MAX_YEAR, MIN_YEAR


def model_field_for(model, attribute: str):
    """The concrete model field behind a resource attribute ("report__year" follows the relation)."""

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
    # What a column means beyond its type and limits (column name → lazily translated text), written in the
    # blank template's instructions sheet after the rule the widget gives.
    column_notes: dict[str, Any] = {}
    # What the import page and the blank template call the data; the model's verbose name when unset.
    verbose_name: Any = None

    @classmethod
    def data_name(cls) -> str:
        return str(cls.verbose_name or cls._meta.model._meta.verbose_name)

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
        for field_name, problem in self.complete_row(instance, row, errors).items():
            errors.setdefault(field_name, problem)
        if errors:
            raise ValidationError(errors)

    def complete_row(self, instance, row, errors: dict[str, Any]) -> dict[str, ValidationError]:
        """A resource's own part of reading a row, after its columns: set what the row names beyond them (the
        record it belongs to) and check what spans columns. ``errors``: the row's errors so far, by field.
        Returns more errors, by field; every error of the row is reported together."""
        return {}

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


def _is_integer_lookup(model, lookup: str) -> bool:
    """Whether a ``a__b__c`` lookup ends on an integer column (a foreign key compares its target's id)."""

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


def year_field(attribute: str) -> fields.Field:
    """The 年度 column of every resource that has one: required, a whole year within the project's years."""
    return fields.Field(
        attribute=attribute,
        column_name="年度",
        widget=StrictIntegerWidget(required=True, min_value=MIN_YEAR, max_value=MAX_YEAR),
    )


def month_field(attribute: str) -> fields.Field:
    """The 月份 column: required, 1 to 12."""
    return fields.Field(
        attribute=attribute, column_name="月份", widget=StrictIntegerWidget(required=True, min_value=1, max_value=12)
    )
