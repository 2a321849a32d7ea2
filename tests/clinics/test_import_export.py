"""Clinic and township import/export: all-or-nothing, every bad row named in Chinese, no 500."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from clinics.models import Clinic, ClinicPopulation
from core import dataio
from tests.spreadsheets import xlsx_bytes

HEADERS = [
    "卫生室编码",
    "卫生室名称",
    "行政村",
    "乡镇编码",
    "地址",
    "状态",
    "开办日期",
    "新农合门诊统筹定点",
    "实行基本药物零差率",
    "偏远地区",
    "年度",
    "常住人口",
    "户籍人口",
    "参合人口",
    "65岁及以上老年人",
    "0-6岁儿童",
]


def xlsx(rows, headers=HEADERS):
    return xlsx_bytes(headers, rows)


def row(code="A1c", township="A1", resident=800, aged=100, children=50, name="孙集村卫生室", **kw):
    values = {
        "code": code,
        "name": name,
        "village": "孙集村",
        "township": township,
        "address": "",
        "status": "正常运行",
        "opened": "2015-03-01",
        "ncms": "是",
        "zero": "是",
        "remote": "否",
        "year": 2026,
    }
    values.update(kw)
    return [
        values["code"],
        values["name"],
        values["village"],
        values["township"],
        values["address"],
        values["status"],
        values["opened"],
        values["ncms"],
        values["zero"],
        values["remote"],
        values["year"],
        resident,
        resident,
        resident,
        aged,
        children,
    ]


def run(data, user=None, filename="clinics.xlsx", dry_run=False):
    return dataio.run_import(resource_name="clinics", data=data, filename=filename, user=user, dry_run=dry_run)


def test_good_file_creates_clinics_with_population(org):
    report = run(xlsx([row(), row(code="A1d", name="周庄村卫生室", resident=1200, aged=200)]), user=org.users.township)
    assert report.ok and report.committed and report.new == 2
    clinic = Clinic.objects.get(code="A1d")
    assert clinic.township == org.ta1 and clinic.ncms_designated and clinic.zero_markup
    population = ClinicPopulation.objects.get(clinic=clinic, year=2026)
    assert (population.resident, population.aged_65_plus) == (1200, 200)


def test_existing_clinic_is_updated_by_code(org):
    report = run(xlsx([row(code="A1a", name="张庄村卫生室（新址）", resident=1500)]), user=org.users.township)
    assert report.ok and report.updated == 1 and report.new == 0
    org.ca1a.refresh_from_db()
    assert org.ca1a.name == "张庄村卫生室（新址）"
    assert org.ca1a.populations.get(year=2026).resident == 1500


def test_every_bad_row_is_named_and_nothing_is_written(org):
    before = Clinic.objects.count()
    data = xlsx(
        [
            row(code="A1c"),  # row 2: fine
            row(code="A1c", name="重复"),  # row 3: duplicate code within the file
            row(code="X1", township="ZZ"),  # row 4: unknown township
            row(code="X2", resident=-5),  # row 5: negative population
            row(code="X3", opened="去年"),  # row 6: bad date
            row(code="X4", resident=100, aged=300),  # row 7: more elderly than residents
            row(code="X5", resident="很多"),  # row 8: text in a count
            row(code="X6", ncms="也许"),  # row 9: not yes/no
            row(code="X7", resident=10.5),  # row 10: decimal in a count
        ]
    )
    report = run(data, user=org.users.township)
    assert not report.ok and not report.committed
    assert Clinic.objects.count() == before
    found = {(e.row, e.column) for e in report.errors}
    assert (3, "卫生室编码") in found
    assert (4, "乡镇编码") in found
    assert (5, "常住人口") in found
    assert (6, "开办日期") in found
    assert (7, "65岁及以上老年人") in found
    assert (8, "常住人口") in found
    assert (9, "新农合门诊统筹定点") in found
    assert (10, "常住人口") in found
    assert 2 not in {e.row for e in report.errors}
    messages = " ".join(report.error_lines())
    assert "找不到编码为“ZZ”的乡镇" in messages
    assert "不能为负数" in messages and "不是整数" in messages and "第 4 行" in messages


def test_township_outside_scope_reads_as_unknown(org):
    report = run(xlsx([row(code="A1c", township="A2")]), user=org.users.township)
    assert not report.ok
    assert report.errors[0].column == "乡镇编码" and "无权" in report.errors[0].message
    assert not Clinic.objects.filter(code="A1c").exists()


def test_wrong_headers_are_reported_as_a_whole(org):
    report = run(xlsx([["A1c", "x"]], headers=["编号", "名字"]))
    assert report.file_error and "缺少列" in report.file_error and "无法识别的列：编号、名字" in report.file_error


def test_english_field_names_are_accepted_as_headers(org):
    english = [
        "code",
        "name",
        "village",
        "township",
        "address",
        "status",
        "opened_on",
        "ncms_designated",
        "zero_markup",
        "remote",
        "year",
        "resident",
        "registered",
        "insured",
        "aged_65_plus",
        "children_0_6",
    ]
    report = run(xlsx([row(code="A1e")], headers=english))
    assert report.ok, report.error_lines()
    assert Clinic.objects.filter(code="A1e").exists()


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (b"", "clinics.xlsx", "文件是空的"),
        (b"this is not a spreadsheet", "clinics.xlsx", "不是有效的 Excel"),
        (b"PK\x03\x04garbage", "clinics.xlsx", "不是有效的 Excel"),
        (b"%PDF-1.4", "clinics.pdf", "只能导入"),
        (b"old", "clinics.xls", "另存为 .xlsx"),
        (",".join(HEADERS).encode(), "clinics.csv", "没有数据行"),
    ],
)
def test_bad_files_get_a_clear_error(org, data, filename, message):
    report = run(data, filename=filename)
    assert report.file_error and message in report.file_error


def test_gbk_csv_from_chinese_excel_is_read(org):
    lines = [",".join(HEADERS), ",".join(str(v) for v in row(code="A1f"))]
    report = run("\n".join(lines).encode("gb18030"), filename="clinics.csv")
    assert report.ok, report.error_lines()
    assert Clinic.objects.get(code="A1f").name == "孙集村卫生室"


def test_export_is_scoped_and_reimportable(org):
    content = dataio.export_bytes(resource_name="clinics", fmt="xlsx", user=org.users.township)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert sorted(r[0] for r in rows[1:]) == ["A1a", "A1b"]
    report = run(content, user=org.users.township, dry_run=True)
    assert report.ok and report.updated == 2


def test_command_exits_1_and_lists_bad_rows(org, tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx([row(code="Y1", township="ZZ"), row(code="Y2", resident=-1)]))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_data", "clinics", str(path))
    assert excinfo.value.returncode == 1
    err = capsys.readouterr().err
    assert "第 2 行" in err and "第 3 行" in err
    assert not Clinic.objects.filter(code__in=["Y1", "Y2"]).exists()


def test_command_round_trip(org, tmp_path):
    out = tmp_path / "clinics.csv"
    call_command("export_data", "clinics", "--out", str(out))
    assert out.read_bytes().startswith("\ufeff卫生室编码".encode())
    call_command("import_data", "clinics", str(out), "--dry-run")


def test_admin_import_preview_then_confirm(org, client_for):
    client = client_for(org.users.township)
    url = reverse("data:import", args=["clinics"])
    upload = io.BytesIO(xlsx([row(code="A1g")]))
    upload.name = "new.xlsx"
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    assert "检查通过" in response.content.decode()
    assert not Clinic.objects.filter(code="A1g").exists()  # preview writes nothing
    token = response.context["token"]
    response = client.post(url, {"token": token})
    assert response.status_code == 302
    assert Clinic.objects.filter(code="A1g").exists()


def test_admin_import_shows_errors_in_a_table(org, client_for):
    client = client_for(org.users.township)
    upload = io.BytesIO(xlsx([row(code="A1h", resident=-3)]))
    upload.name = "bad.xlsx"
    page = client.post(reverse("data:import", args=["clinics"]), {"file": upload}).content.decode()
    assert "第 2 行" in page and "常住人口" in page and "不能为负数" in page and "整个文件没有导入" in page


def test_admin_import_of_garbage_is_not_a_500(org, client_for):
    client = client_for(org.users.county)
    upload = io.BytesIO(b"\x00\x01\x02 not excel")
    upload.name = "disguised.xlsx"
    response = client.post(reverse("data:import", args=["clinics"]), {"file": upload})
    assert response.status_code == 200 and "不是有效的 Excel" in response.content.decode()


def test_confirm_with_a_forged_token_does_nothing(org, client_for):
    client = client_for(org.users.township)
    response = client.post(reverse("data:import", args=["clinics"]), {"token": "../../settings.py"})
    assert response.status_code == 302


def test_admin_export_download_is_scoped(org, client_for):
    response = client_for(org.users.other_township).get(reverse("data:export", args=["clinics"]) + "?format=csv")
    text = response.content.decode("utf-8-sig")
    assert response["Content-Disposition"].startswith("attachment")
    assert "A2a" in text and "A1a" not in text and "B1a" not in text


def test_export_honours_the_listing_filters(org, client_for):
    client = client_for(org.users.county)
    url = reverse("data:export", args=["clinics"])
    text = client.get(url, {"format": "csv", "township": org.ta2.pk}).content.decode("utf-8-sig")
    assert "A2a" in text and "A1a" not in text
    text = client.get(url, {"format": "csv", "q": "张庄"}).content.decode("utf-8-sig")
    assert "A1a" in text and "A1b" not in text
    # Filters never widen the scope: county B's township id gives nothing.
    text = client.get(url, {"format": "csv", "township": org.tb1.pk}).content.decode("utf-8-sig")
    assert "B1a" not in text
    assert client.get(url, {"format": "csv", "township": "abc"}).status_code == 404  # explained, not a redirect
