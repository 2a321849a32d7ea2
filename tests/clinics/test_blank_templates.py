"""The blank template of every resource (#19): the import's headers with no rows, dropdowns for lists and codes
of the user's own scope only, an instructions sheet with each column's rule — and a filled-in template imports."""

import io

import openpyxl
import pytest
from django.urls import reverse

from clinics.models import Clinic
from core import dataio
from core.dataio.blank import blank_template, column_help


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def dropdowns(sheet) -> dict[str, str]:
    """Column letter → the list its dropdown offers (formula or literal)."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            found[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation.formula1
    return found


def test_service_reports_template_for_a_township_clerk(org, client_for):
    response = client_for(org.users.township).get(reverse("data:template", args=["service_reports"]))
    assert response.status_code == 200
    book = workbook(response.content)
    data, guide, codes = book.worksheets
    assert [c.value for c in data[1]] == ["卫生室编码", "项目编码", "年度", "月份", "申报数"]
    assert data.max_row == 1  # headers only: nothing of anyone's data
    assert guide.title == "填写说明" and codes.title == "编码对照"
    rules = {row[0].value: (row[1].value, row[2].value) for row in guide.iter_rows(min_row=2) if row[0].value}
    assert rules["月份"][0] == "必填" and "整数" in rules["月份"][1] and "1 到 12" in rules["月份"][1]
    # The clinic codes offered are the clerk's own township's, each with its name; nobody else's.
    own = set(Clinic.objects.filter(township=org.ta1).values_list("code", flat=True))
    listed = {row[0].value for row in codes.iter_rows(min_row=2) if row[0].value}
    clinic_codes = {code for code in listed if Clinic.objects.filter(code=code).exists()}
    assert clinic_codes == own
    assert "'编码对照'!$A$2" in dropdowns(data)["A"]


def test_a_filled_template_imports(org):
    content = blank_template(dataio.get_resource_class("clinics"), user=org.users.county)
    book = workbook(content)
    data = book.worksheets[0]
    headers = [c.value for c in data[1]]
    values = {
        "卫生室编码": "NEW-01",
        "卫生室名称": "新建村卫生室",
        "行政村": "新建村",
        "乡镇编码": org.ta1.code,
        "状态": "正常运行",
        "新农合门诊统筹定点": "是",
        "年度": 2026,
        "常住人口": 900,
        "户籍人口": 950,
        "参合人口": 800,
        "65岁及以上老年人": 120,
        "0-6岁儿童": 60,
    }
    data.append([values.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    report = dataio.run_import(
        resource_name="clinics", data=out.getvalue(), filename="t.xlsx", user=org.users.county, dry_run=True
    )
    assert report.ok, [(e.row, e.column, e.message) for e in report.errors]


@pytest.mark.parametrize("name", sorted(n for n, r in dataio.registry().items() if r.import_permission is not None))
def test_every_importable_resource_has_a_template_that_reads_back(name, org):
    """Every template opens, its headers are the import's own, and an empty template is not an error file."""
    resource_class = dataio.get_resource_class(name)
    resource = resource_class(user=org.users.county)
    book = workbook(blank_template(resource_class, user=org.users.county))
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers == [c.name for c in column_help(resource, org.users.county)]
    assert set(resource.required_columns()) <= set(headers)
