"""The all-or-nothing import: a dry run first, writing only when no row has an error."""

from __future__ import annotations

from dataclasses import dataclass, field

import tablib
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from core.dataio.reading import ImportFileError, read_dataset
from core.dataio.registry import get_resource_class, user_may_import
from core.dataio.resources import ScopedResource


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
    source: str = "",
) -> ImportReport:
    """Import a file through a registered resource; all-or-nothing.

    ``user`` None means a trusted command-line import (no scope limit). A user without the
    resource's import permission is refused outright. ``dataset``: ``read_dataset(data, filename)``
    when the caller has read it already (it is not read twice). What it writes is one action of the change
    history, its source the file (``source``: e.g. the background job that runs it).
    """
    with audit.action(user=user, source=source or _("Excel 导入：%(file)s") % {"file": filename}):
        return _run_import(
            resource_name=resource_name,
            data=data,
            filename=filename,
            user=user,
            dry_run=dry_run,
            progress=progress,
            dataset=dataset,
        )


def _run_import(
    *,
    resource_name: str,
    data: bytes,
    filename: str,
    user,
    dry_run: bool,
    progress,
    dataset: tablib.Dataset | None,
) -> ImportReport:
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
