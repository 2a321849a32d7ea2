"""Files are checked before they are parsed, and parsing cannot take the importing process down.

The workbooks here are written by hand (a few zip members with raw sheet XML), the way a hostile or
broken file would be, rather than by openpyxl, which would never write them."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from clinics.models import Clinic
from core import dataio
from core.dataio import filecheck, reading
from tests.clinics.rawxlsx import sheet, text, workbook

EXTENT = "文件的工作表范围超过上限（最多 1,048,576 行、200 列）"


def header_row() -> str:
    names = ["卫生室编码", "卫生室名称", "行政村", "乡镇编码"]
    return '<row r="1">' + "".join(text(f"{chr(65 + i)}1", name) for i, name in enumerate(names)) + "</row>"


def grid(height: int, width: int, *, refs: bool = True) -> str:
    """``height`` rows (from row 2) of ``width`` number cells (with or without r="…" references)."""
    out = []
    for r in range(2, height + 2):
        cells = "".join(
            f'<c r="{filecheck.column_letters(c)}{r}"><v>{c}</v></c>' if refs else f"<c><v>{c}</v></c>"
            for c in range(1, width + 1)
        )
        out.append(f'<row r="{r}">{cells}</row>' if refs else f"<row>{cells}</row>")
    return "".join(out)


# One cell at XFD1048576 in a 1.5 KB file: the parser would build a 16,384 × 1,048,576 rectangle (~550 GB).
FAR_CELL = workbook(sheet(header_row() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))


def refused(data: bytes) -> str:
    report = dataio.run_import(resource_name="clinics", data=data, filename="c.xlsx")
    assert not report.ok and not report.committed
    return report.file_error


def test_the_far_cell_file_is_refused_before_parsing_by_the_command(org, tmp_path, capsys):
    path = tmp_path / "far.xlsx"
    path.write_bytes(FAR_CELL)
    before = Clinic.objects.count()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_data", "service_reports", str(path))
    assert excinfo.value.returncode == 1
    assert EXTENT in capsys.readouterr().err
    assert Clinic.objects.count() == before


@pytest.mark.parametrize("resource", ["clinics", "service_reports"])
def test_the_far_cell_file_is_refused_by_the_admin_upload(org, client_for, resource):
    upload = io.BytesIO(FAR_CELL)
    upload.name = "far.xlsx"
    response = client_for(org.users.county).post(reverse("data:import", args=[resource]), {"file": upload})
    assert response.status_code == 200
    assert EXTENT in response.content.decode()


def test_a_zip_bomb_is_refused_by_its_compression_ratio(org):
    # 20 MB of one repeated row deflates to ~20 KB.
    bomb = workbook(sheet(header_row() + "<row><c><v>0</v></c></row>" * 800_000))
    assert len(bomb) < 200_000
    assert "压缩比超过上限（最多 100 倍）" in refused(bomb)


@override_settings(IMPORT_MAX_UNCOMPRESSED_SIZE=1024 * 1024)
def test_a_file_that_inflates_past_the_size_limit_is_refused(org):
    assert "文件解压后的大小超过上限（最多 1 MB）" in refused(workbook(sheet(header_row() + grid(20_000, 4))))


@override_settings(IMPORT_MAX_ROWS=100)
@pytest.mark.parametrize("refs", [True, False])
def test_too_many_rows_are_refused(org, refs):
    message = refused(workbook(sheet(header_row() + grid(150, 3, refs=refs))))
    assert "文件的工作表范围超过上限（最多 100 行、200 列）" in message


@override_settings(IMPORT_MAX_COLUMNS=10)
def test_a_column_past_the_limit_is_refused(org):
    message = refused(workbook(sheet(header_row() + '<row r="2"><c r="K2"><v>1</v></c></row>')))
    assert "最多 1,048,576 行、10 列" in message


@override_settings(IMPORT_MAX_CELLS=50)
def test_too_many_cells_are_refused(org):
    message = refused(workbook(sheet(header_row() + grid(20, 5, refs=False))))
    assert "文件的单元格数量超过上限（最多 50 个单元格）" in message


@override_settings(IMPORT_MAX_CELLS=1000)
def test_two_cells_far_apart_count_as_the_rectangle_they_span(org):
    # Two cells only, but the parser would fill the 1,000 × 100 rectangle between them.
    message = refused(workbook(sheet(header_row() + '<row r="1000"><c r="CV1000"><v>1</v></c></row>')))
    assert "文件的单元格数量超过上限（最多 1,000 个单元格）" in message


def test_a_declared_dimension_past_the_limits_is_refused(org):
    data = workbook(sheet(header_row(), dimension="A1:XFD1048576"))
    assert "文件声明的工作表范围（A1:XFD1048576）超过上限（最多 1,048,576 行、200 列、20,000,000 个单元格）" in refused(
        data
    )


def test_a_file_within_the_limits_is_read(org):
    rows = (
        header_row()
        + '<row r="2">'
        + text("A2", "A1z")
        + text("B2", "新村卫生室")
        + text("C2", "新村")
        + text("D2", "A1")
        + "</row>"
    )
    dataset = dataio.read_dataset(workbook(sheet(rows, dimension="A1:D2")), "ok.xlsx")
    assert dataset.headers == ["卫生室编码", "卫生室名称", "行政村", "乡镇编码"]
    assert list(dataset[0]) == ["A1z", "新村卫生室", "新村", "A1"]


def test_a_corrupt_zip_keeps_its_message(org):
    assert "不是有效的 Excel" in refused(b"PK\x03\x04" + b"\x00" * 200)
    assert "不是有效的 Excel" in refused(FAR_CELL[: len(FAR_CELL) // 2])


# --------------------------------------------------------------------------- the parse child


@override_settings(IMPORT_MAX_ROWS=2_000_000, IMPORT_MAX_COLUMNS=20_000, IMPORT_MAX_CELLS=10**12)
def test_a_parser_crash_is_a_failed_import_and_this_process_survives(org, tmp_path, capsys):
    # With the checks out of the way the parser aborts its process (SIGABRT) asking for ~550 GB.
    message = refused(FAR_CELL)
    assert "文件无法读取：解析进程异常退出" in message
    path = tmp_path / "far.xlsx"
    path.write_bytes(FAR_CELL)
    with pytest.raises(CommandError) as excinfo:
        call_command("import_data", "clinics", str(path))
    assert excinfo.value.returncode == 1 and "解析进程异常退出" in capsys.readouterr().err


@override_settings(IMPORT_MAX_CELLS=10**9, IMPORT_PARSE_MEMORY_MB=300)
def test_a_file_that_needs_more_memory_than_the_limit_fails_cleanly(org):
    # Within the row and column limits, but the 200 × 400,000 rectangle needs far more than 300 MB.
    data = workbook(sheet(header_row() + '<row r="400000"><c r="GR400000"><v>1</v></c></row>'))
    assert "解析内存上限为 300 MB" in refused(data)


@override_settings(IMPORT_PARSE_TIMEOUT=0.001)
def test_a_parse_past_the_time_limit_is_stopped(org):
    assert "文件无法读取：解析超过 0.001 秒仍未完成" in refused(workbook(sheet(header_row())))


def test_csv_limits_apply_too(org, settings):
    settings.IMPORT_MAX_ROWS = 10
    data = ("卫生室编码,卫生室名称\n" + "A1x,名\n" * 20).encode()
    report = dataio.run_import(resource_name="clinics", data=data, filename="c.csv")
    assert "最多 10 行、200 列" in report.file_error
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS = 1000, 5
    report = dataio.run_import(resource_name="clinics", data=("a," * 10 + "\n").encode(), filename="c.csv")
    assert "最多 1,000 行、5 列" in report.file_error


def test_the_child_sends_back_only_cell_values():
    import pickle

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with pytest.raises(pickle.UnpicklingError):
        reading._RowsUnpickler(io.BytesIO(pickle.dumps([[Evil()]]))).load()


@override_settings(IMPORT_MAX_ROWS=100)
def test_a_sheet_written_with_a_namespace_prefix_is_checked_too(org):
    rows = "".join(f'<x:row r="{r}"><x:c r="A{r}"><x:v>1</x:v></x:c></x:row>' for r in range(1, 151))
    data = workbook(
        '<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main"><x:sheetData>{rows}</x:sheetData></x:worksheet>'
    )
    assert "最多 100 行、200 列" in refused(data)


@override_settings(IMPORT_MAX_CELLS=3000)
def test_columns_past_z_within_the_limits_are_read(org):
    # 40 columns × 51 rows = 2,040 cells: within 3,000, though 51 rows × 200 columns would not be.
    rows = header_row() + grid(50, 40)
    assert len(dataio.read_rows(workbook(sheet(rows)), kind="xlsx")) == 51
    filecheck.check_xlsx(workbook(sheet(rows)))
