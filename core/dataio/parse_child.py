"""Reads one uploaded spreadsheet in a child process: ``python -I parse_child.py SRC OUT LIMITS_JSON``.

Parsing runs here, not in the web or worker process, so that a file which makes the parser allocate
without bound, loop or crash (python-calamine aborts the whole process when an allocation fails) kills
only this process. The parent (``core.dataio``) sets the limits, waits with a timeout and turns any
death into a Chinese error. This file imports nothing of Django or of the project (it runs with ``-I``):
only the standard library and python-calamine, so it starts in a few tens of milliseconds.

Protocol: exit 0 and the rows pickled into OUT (a list of lists of str / int / float / bool / None /
datetime values; blank rows dropped, an empty Excel cell read as None); or exit 3 and one JSON line on stdout naming a
problem the parent words for the user (``{"error": "corrupt"}``, ``{"error": "extent"}``, ...).
"""

from __future__ import annotations

import csv
import gc
import io
import json
import pickle
import sys

FILE_ERROR_EXIT = 3


class FileProblem(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def limit_resources(memory_mb: int, cpu_seconds: int) -> None:
    """Address-space and CPU limits for this process: past them an allocation fails (MemoryError, or an
    abort inside Rust) or the kernel ends the process, and the parent reports it."""
    try:
        import resource
    except ImportError:  # not on Linux: the parent's timeout still applies
        return
    if memory_mb:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def _blank(cell) -> bool:
    return cell is None or (cell.__class__ is str and not cell.strip())


def _clean(rows, *, empty_is_none: bool) -> list[list]:
    """Rows with nothing in them dropped; for Excel, "" (calamine's empty cell) read as None."""
    cleaned = []
    for row in rows:
        if empty_is_none:  # in place: a second copy of a million rows would double the child's memory
            for i, cell in enumerate(row):
                if cell == "":
                    row[i] = None
        for cell in row:
            if not _blank(cell):
                cleaned.append(row)
                break
    return cleaned


def read_xlsx(path: str, limits: dict) -> list[list]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(path)
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # calamine raises its own error types for every kind of broken file
        raise FileProblem("corrupt") from None
    check_shape(rows, limits)
    return _clean(rows, empty_is_none=True)


def read_csv(path: str, limits: dict) -> list[list]:
    with open(path, "rb") as handle:
        data = handle.read()
    if b"\x00" in data[:4096]:
        raise FileProblem("csv_binary")
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese Excel saves CSV as GBK by default
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileProblem("csv_encoding")
    del data
    rows: list[list[str]] = []
    cells = 0
    max_rows, max_columns, max_cells = limits["rows"], limits["columns"], limits["cells"]
    try:
        for row in csv.reader(io.StringIO(text)):
            # Counted while reading, so a file of a million commas stops at the limit.
            if len(row) > max_columns or len(rows) >= max_rows:
                raise FileProblem("extent")
            cells += len(row)
            if cells > max_cells:
                raise FileProblem("cells")
            rows.append(row)
    except csv.Error:
        raise FileProblem("csv_format") from None
    return _clean(rows, empty_is_none=False)


def check_shape(rows, limits: dict) -> None:
    """The parsed sheet within the limits (the parent checked the file before; this is the last word)."""
    if len(rows) > limits["rows"] or any(len(row) > limits["columns"] for row in rows):
        raise FileProblem("extent")
    if sum(len(row) for row in rows) > limits["cells"]:
        raise FileProblem("cells")


def main(argv: list[str]) -> int:
    # Millions of cell values and no reference cycles: the cyclic collector would only rescan them.
    gc.disable()
    source, target, limits_json = argv[1:4]
    limits = json.loads(limits_json)
    limit_resources(limits.get("memory_mb", 0), limits.get("cpu_seconds", 0))
    try:
        rows = read_xlsx(source, limits) if limits["kind"] == "xlsx" else read_csv(source, limits)
    except FileProblem as problem:
        sys.stdout.write(json.dumps({"error": problem.code}) + "\n")
        return FILE_ERROR_EXIT
    with open(target, "wb") as out:
        pickle.dump(rows, out, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
