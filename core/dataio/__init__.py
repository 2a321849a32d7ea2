"""Excel / CSV import and export (a package: ``widgets``, ``resources``, ``registry``, ``reading``,
``runner``, ``exporting``; the names below are its public interface), shared by the admin and the ``import_data`` / ``export_data`` commands.

Every resource is a django-import-export ``ModelResource`` subclassing ``ScopedResource``: Chinese
column headers (English field names accepted too), the user's scope applied to exports and to
every imported row, and strict widgets whose errors are Chinese sentences. An import is
all-or-nothing: ``run_import`` first does a dry run and writes only when no row has an error.
Row numbers in reports are spreadsheet rows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

from core.dataio.exporting import export_bytes
from core.dataio.reading import PARSE_CHILD, SUPPORTED_EXTENSIONS, ImportFileError, read_dataset, read_rows
from core.dataio.registry import get_resource_class, register, registry, user_may_export, user_may_import
from core.dataio.resources import ScopedResource, model_field_for, month_field, year_field
from core.dataio.runner import ImportReport, RowIssue, run_import
from core.dataio.widgets import (
    ChineseBooleanWidget,
    ChoiceWidget,
    CodeForeignKeyWidget,
    StrictDateWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
    TextWidget,
)

__all__ = [
    "PARSE_CHILD",
    "SUPPORTED_EXTENSIONS",
    "ChineseBooleanWidget",
    "ChoiceWidget",
    "CodeForeignKeyWidget",
    "ImportFileError",
    "ImportReport",
    "RowIssue",
    "ScopedResource",
    "StrictDateWidget",
    "StrictDecimalWidget",
    "StrictIntegerWidget",
    "TextWidget",
    "export_bytes",
    "get_resource_class",
    "model_field_for",
    "month_field",
    "read_dataset",
    "read_rows",
    "register",
    "registry",
    "run_import",
    "user_may_export",
    "user_may_import",
    "year_field",
]
