"""Reading an uploaded file into rows: checked first (``filecheck``), parsed in a child process."""

from __future__ import annotations

import gc
import json
import logging
import math
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import tablib
from django.conf import settings
from django.utils.translation import gettext as _

from core.dataio import filecheck
from core.validation import is_blank as _is_blank

SUPPORTED_EXTENSIONS = (".xlsx", ".csv")
PARSE_CHILD = Path(__file__).with_name("parse_child.py")
logger = logging.getLogger(__name__)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (wrong type, empty, corrupt, wrong headers)."""


# --------------------------------------------------------------------------- widgets


def read_dataset(data: bytes, filename: str) -> tablib.Dataset:
    """Parse an uploaded .xlsx or .csv file into a Dataset, or raise ImportFileError in Chinese.

    The one way files are read (admin upload, background job, ``import_data``): an .xlsx is checked
    first (``core.dataio.filecheck``), then the file is parsed in a child process (``read_rows``)."""
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
    """The first sheet's non-blank rows (``kind`` "xlsx" or "csv"), parsed by ``core/dataio/parse_child.py`` in a
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
