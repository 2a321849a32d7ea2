"""Checks an uploaded .xlsx before anything parses it, cheaply and in bounded memory.

An .xlsx is a zip of XML parts. The parser (python-calamine) builds the first worksheet as a dense
rectangle from A1 to its last cell, so a 5 KB file with one cell at XFD1048576 asks for ~550 GB, and a
small zip can inflate to gigabytes. Before the file reaches the parser this module refuses, with a
Chinese message naming the limit:

- a total uncompressed size over ``IMPORT_MAX_UNCOMPRESSED_SIZE`` (declared sizes, and the bytes the
  worksheet really inflates to);
- a member compressed more than ``IMPORT_MAX_COMPRESSION_RATIO`` times (a zip bomb);
- a worksheet whose declared ``<dimension ref=…>`` or real extent exceeds ``IMPORT_MAX_ROWS`` /
  ``IMPORT_MAX_COLUMNS``, or whose cells (counted, and the rectangle they span) exceed ``IMPORT_MAX_CELLS``.

The worksheet's XML is streamed through zlib in 1 MB pieces and searched with byte counts and regular
expressions that only match what is over a limit, so a legitimate file costs a fraction of its parse
time and no tree is built. What this cannot see (cells without a reference, sheets lying about their
structure) the parse child's memory limit still catches (``core.dataio``).
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

CHUNK = 1024 * 1024
# Small members (styles, themes) compress very well and can do no harm; only larger ones are judged.
RATIO_MIN_SIZE = 1024 * 1024
# Workbook parts read whole to find the first worksheet; real ones are a few KB.
MAX_INDEX_PART = 16 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    rows: int
    columns: int
    cells: int
    uncompressed: int
    ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            cells=settings.IMPORT_MAX_CELLS,
            uncompressed=settings.IMPORT_MAX_UNCOMPRESSED_SIZE,
            ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
        )


def corrupt_message() -> str:
    return _("文件不是有效的 Excel (.xlsx) 文件，可能已损坏或扩展名被改过。")


def extent_message(limits: Limits) -> str:
    return _("文件的工作表范围超过上限（最多 %(rows)s 行、%(cols)s 列）。") % {
        "rows": f"{limits.rows:,}",
        "cols": f"{limits.columns:,}",
    }


def cells_message(limits: Limits) -> str:
    return _("文件的单元格数量超过上限（最多 %(cells)s 个单元格）。") % {"cells": f"{limits.cells:,}"}


def dimension_message(limits: Limits, ref: str) -> str:
    return _("文件声明的工作表范围（%(ref)s）超过上限（最多 %(rows)s 行、%(cols)s 列、%(cells)s 个单元格）。") % {
        "ref": ref[:40],
        "rows": f"{limits.rows:,}",
        "cols": f"{limits.columns:,}",
        "cells": f"{limits.cells:,}",
    }


def size_message(limits: Limits) -> str:
    return _("文件解压后的大小超过上限（最多 %(mb)s MB）。") % {"mb": f"{limits.uncompressed // 1048576:,}"}


def ratio_message(limits: Limits, member: str) -> str:
    return _("文件中的“%(member)s”压缩比超过上限（最多 %(ratio)s 倍），可能是恶意构造的压缩文件。") % {
        "member": member[:80],
        "ratio": f"{limits.ratio:,}",
    }


class FileRefused(Exception):
    """Raised with the Chinese message; ``core.dataio`` turns it into an ImportFileError."""


# --------------------------------------------------------------------------- patterns


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _greater_number(limit: int) -> str:
    """A regex for decimal numbers (no leading zeros) greater than ``limit``."""
    digits = str(limit)
    size = len(digits)
    alternatives = [f"[1-9][0-9]{{{size},}}"]
    for i, digit in enumerate(digits):
        if digit != "9":
            alternatives.append(f"{digits[:i]}[{int(digit) + 1}-9][0-9]{{{size - i - 1}}}")
    return "(?:" + "|".join(alternatives) + ")"


def _greater_column(limit: int) -> str:
    """A regex for column letters after column number ``limit`` (upper case; compiled ignoring case)."""
    letters = column_letters(limit) if limit > 0 else ""
    size = len(letters)
    alternatives = [f"[A-Z]{{{size + 1},}}"]
    for i, letter in enumerate(letters):
        if letter != "Z":
            alternatives.append(f"{letters[:i]}[{chr(ord(letter) + 1)}-Z][A-Z]{{{size - i - 1}}}")
    return "(?:" + "|".join(alternatives) + ")"


@functools.lru_cache(maxsize=32)
def row_beyond(limit: int) -> re.Pattern:
    # A row tag's r="N" past the limit. (A cell whose own reference disagrees with its row's is left
    # to the parse child's memory limit.)
    return re.compile(('<row r="0*' + _greater_number(limit) + '"').encode())


@functools.lru_cache(maxsize=32)
def column_beyond(limit: int) -> re.Pattern:
    # A cell's r="AB12" naming a column past the limit. Literal-led and case-sensitive (references are
    # upper case), so the regex engine skips ahead with a fast search: most of the check's cost.
    return re.compile((' r="' + _greater_column(limit) + "[0-9]").encode())


MULTI_LETTER = re.compile(rb' r="[A-Z]{2}')
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")
ROOT = re.compile(rb"<(\w+:)?worksheet[\s>]")
CELL_REF = re.compile(r"^\$?([A-Za-z]{1,7})\$?([0-9]{1,9})$")


def _extent_of(ref: str) -> tuple[int, int] | None:
    """(last row, last column) of a range reference such as "A1:H1000001"; None when unreadable."""
    match = CELL_REF.match(ref.split(":")[-1].strip())
    if match is None:
        return None
    return int(match.group(2)), column_number(match.group(1))


# --------------------------------------------------------------------------- the check


def check_xlsx(data: bytes, limits: Limits | None = None) -> None:
    """Refuse (FileRefused with a Chinese message) an .xlsx that is corrupt or outside a limit."""
    limits = limits or Limits.from_settings()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FileRefused(corrupt_message()) from None
    if sum(member.file_size for member in members) > limits.uncompressed:
        raise FileRefused(size_message(limits))
    for member in members:
        if member.file_size > RATIO_MIN_SIZE and member.file_size > limits.ratio * max(member.compress_size, 1):
            raise FileRefused(ratio_message(limits, member.filename))
    sheets = _first_worksheet(archive)
    if not sheets:
        raise FileRefused(corrupt_message())
    try:
        for name in sheets:
            _check_sheet(archive, name, limits)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, RuntimeError):
        raise FileRefused(corrupt_message()) from None


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_INDEX_PART:
        return None
    try:
        return archive.read(info)
    except Exception:  # broken member: the parser will say the file is corrupt
        return None


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    return {name.split(b":")[-1]: value for name, value in re.findall(rb'([\w:]+)="([^"]*)"', tag)}


def _first_worksheet(archive: zipfile.ZipFile) -> list[str]:
    """The member the parser reads as sheet 1 (workbook.xml's first <sheet> through its relationship);
    every worksheet member when that cannot be told, so nothing escapes the check."""
    names = set(archive.namelist())
    workbook = _read_small(archive, "xl/workbook.xml")
    rels = _read_small(archive, "xl/_rels/workbook.xml.rels")
    if workbook and rels:
        first = re.search(rb"<(?:\w+:)?sheet\b[^>]*>", workbook)
        rel_id = _attributes(first.group(0)).get(b"id") if first else None
        for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
            attributes = _attributes(tag)
            if rel_id is not None and attributes.get(b"Id") == rel_id:
                target = attributes.get(b"Target", b"").decode("utf-8", "replace")
                path = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                )
                if path in names:
                    return [path]
    return sorted(name for name in names if name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _check_sheet(archive: zipfile.ZipFile, name: str, limits: Limits) -> None:
    info = archive.getinfo(name)
    prefix = None
    carry = b""
    inflated = 0
    rows = rows_with_ref = cells = 0
    last_row = 0
    head = True  # before <sheetData>, where <dimension> is
    beyond_column = column_beyond(limits.columns)
    # Set from the first piece, whose root tag gives the namespace prefix of the tags.
    beyond_row: re.Pattern[bytes]
    row_tag: bytes
    cell_tag: bytes
    row_ref: bytes
    wide = False  # a column reference of two letters or more seen (past Z)
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                piece, carry = carry, b""
                if not piece:
                    break
            else:
                inflated += len(chunk)
                if inflated > limits.uncompressed:  # the member's declared size may lie
                    raise FileRefused(size_message(limits))
                buffer = carry + chunk
                # Split before the last "<": every pattern starts at a tag, so none straddles pieces.
                cut = buffer.rfind(b"<")
                if cut <= 0 or len(buffer) - cut > CHUNK:
                    piece, carry = buffer, b""
                else:
                    piece, carry = buffer[:cut], buffer[cut:]
            if prefix is None:  # the root tag opens the first piece: <worksheet> or <x:worksheet>
                root = ROOT.search(piece)
                prefix = (root.group(1) or b"") if root else b""
                if prefix:
                    beyond_row = re.compile(row_beyond(limits.rows).pattern.replace(b"<row", b"<" + prefix + b"row"))
                else:
                    beyond_row = row_beyond(limits.rows)
                # "<row" / "<c" also open <rowBreaks>, <cols>, <cfRule>...: a handful outside sheetData, so
                # the counts err a little on the safe side, for one pass each.
                row_tag, cell_tag = b"<" + prefix + b"row", b"<" + prefix + b"c"
                row_ref = b"<" + prefix + b'row r="'
            if head:
                data_start = SHEET_DATA.search(piece)
                found = DIMENSION.search(piece, 0, data_start.start() if data_start else len(piece))
                if found is not None:
                    _check_dimension(found.group(1).decode("ascii", "replace"), limits)
                head = data_start is None and found is None
            # Byte counts and literal-led searches only: C speed, no tree, no per-cell Python.
            if beyond_row.search(piece):
                raise FileRefused(extent_message(limits))
            multi = MULTI_LETTER.search(piece) is not None  # past Z: only then can a column be past 26
            wide = wide or multi
            if (multi or limits.columns < 26) and beyond_column.search(piece):
                raise FileRefused(extent_message(limits))
            rows += piece.count(row_tag)
            rows_with_ref += piece.count(row_ref)
            last = piece.rfind(row_ref)
            if last >= 0:  # rows come in order: the last one in the piece is the highest so far
                number = piece[last + len(row_ref) : piece.find(b'"', last + len(row_ref))]
                if number.isdigit():
                    last_row = max(last_row, int(number))
            cells += piece.count(cell_tag)
            if rows > limits.rows:
                raise FileRefused(extent_message(limits))
            if cells > limits.cells:
                raise FileRefused(cells_message(limits))
            if not chunk:
                break
    # Rows without r="N" follow the one before, so this bounds the last row either way.
    height = last_row + (rows - rows_with_ref)
    if height > limits.rows:
        raise FileRefused(extent_message(limits))
    # The parser fills the rectangle from A1, so cells far apart cost as much as a full sheet: with this
    # many rows, a column past ``widest`` would make the rectangle larger than the cell limit.
    columns = limits.columns if wide else min(26, limits.columns)
    if height and height * columns > limits.cells:
        widest = limits.cells // height
        if widest < 1 or _any_match(archive, info, column_beyond(widest)):
            raise FileRefused(cells_message(limits))


def _check_dimension(ref: str, limits: Limits) -> None:
    extent = _extent_of(ref)
    if extent is None:
        return  # the parser ignores a dimension it cannot read
    height, width = extent
    if height > limits.rows or width > limits.columns or height * width > limits.cells:
        raise FileRefused(dimension_message(limits, ref))


def _any_match(archive: zipfile.ZipFile, info: zipfile.ZipInfo, pattern: re.Pattern) -> bool:
    carry = b""
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            buffer = carry + chunk
            if pattern.search(buffer):
                return True
            carry = buffer[-64:]
    return bool(pattern.search(carry))
