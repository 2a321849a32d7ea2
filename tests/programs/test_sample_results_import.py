"""The call list as Excel (verification_samples): exported with residents' numbers masked and the export logged;
results typed into it imported back through the call-list service, in file order (a refusal brings in the reserve
entry a later row records); all-or-nothing with every bad row named; importing the same file again changes
nothing, and a call recorded since the export is not counted twice."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from core import dataio
from programs.models import SampleEntry, SamplingRule
from programs.services import sampling
from residents.models import PersonalDataAccess
from tests.programs.sampling_helpers import make_records, make_report
from tests.spreadsheets import xlsx_bytes

pytestmark = pytest.mark.django_db
Outcome = SampleEntry.Outcome


@pytest.fixture
def sample(org, services):
    """A1a, March 2026: 60 PH09 records, share 16 % → 10 called, 3 in reserve (positions 11–13)."""
    item = services["PH09"]
    make_records(org.ca1a, item, count=60)
    make_report(org.ca1a, {item: 60})
    SamplingRule.objects.create(county=org.county_a, year=2026, share=Decimal("0.16"), reserve=3)
    [drawn] = sampling.draw_samples(user=org.users.township, year=2026, month=3, seed=42)
    return drawn


def export(user, **params) -> list[list]:
    content = dataio.export_bytes(resource_name="verification_samples", fmt="xlsx", user=user, params=params)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def filled(rows: list[list], results: dict[int, str], extra: list[list] | None = None) -> bytes:
    """The exported list with 核实结果 filled in for the given 序号 (and rows appended)."""
    headers = rows[0]
    at, result = headers.index("序号"), headers.index("核实结果")
    body = []
    for row in rows[1:]:
        row = list(row)
        row[result] = results.get(row[at], row[result])
        body.append(row)
    return xlsx_bytes(headers, body + (extra or []))


def run(data: bytes, user, dry_run=False):
    return dataio.run_import(
        resource_name="verification_samples", data=data, filename="回访.xlsx", user=user, dry_run=dry_run
    )


def test_the_export_is_the_call_list_masked_and_logged(org, sample):
    rows = export(org.users.township, year="2026", month="3")
    headers = rows[0]
    assert headers[:8] == ["卫生室编码", "项目编码", "年度", "月份", "序号", "核实结果", "备注", "联系次数"]
    assert [r[headers.index("序号")] for r in rows[1:]] == list(range(1, 11))  # the sample proper, not the reserve
    phones = {r[headers.index("联系电话")] for r in rows[1:]}
    assert all("****" in p for p in phones), phones
    assert all("*" in r[headers.index("身份证号")] for r in rows[1:])
    logged = PersonalDataAccess.objects.get(kind=PersonalDataAccess.Kind.EXPORT, user=org.users.township)
    assert "回访名单导出（10 行）" in logged.page


def test_results_from_paper_give_the_hand_computed_rate(org, sample):
    """8 属实, 1 不属实, 序号 10 拒绝 → the first reserve (序号 11) joins the sample; a later row records it 属实:
    9 属实 of 10 counted → 90 %, and 60 declared → 54 verified."""
    rows = export(org.users.township)
    results = dict.fromkeys(range(1, 9), "属实") | {9: "不属实", 10: "拒绝"}
    reserve_row = ["A1a", "PH09", 2026, 3, 11, "属实", "入户核实"]
    report = run(filled(rows, results, extra=[reserve_row + [None] * (len(rows[0]) - 7)]), org.users.township)
    assert report.ok, report.error_lines()
    assert report.updated == 11
    assert sampling.authenticity(sample) == (10, 9)
    eleventh = sample.entries.get(position=11)
    assert (eleventh.reserve, eleventh.outcome, eleventh.note, eleventh.called_by) == (
        False,
        Outcome.CONFIRMED,
        "入户核实",
        org.users.township,
    )
    sampling.apply_samples_to_report(user=org.users.township, report=sample.clinic.service_reports.get())
    assert sample.clinic.service_reports.get().lines.get().verified_count == 54


def test_the_same_file_imported_again_changes_nothing(org, sample):
    data = filled(export(org.users.township), {1: "属实", 2: "不属实"})
    assert run(data, org.users.township).updated == 2
    again = run(data, org.users.township)
    assert again.ok and again.updated == 0
    assert list(sample.entries.filter(position__lte=2).values_list("attempts", flat=True)) == [1, 1]


def test_a_call_recorded_since_the_export_is_not_counted_twice(org, sample):
    data = filled(export(org.users.township), {3: "无法联系"})
    assert run(data, org.users.township).updated == 1
    third = sample.entries.get(position=3)
    assert (third.outcome, third.attempts) == ("", 1)  # not final before the rule's 3 attempts
    again = run(data, org.users.township)
    assert not again.ok
    assert again.error_lines() == [
        "第 4 行，“联系次数”列：导出后这条记录又有回访（现在已联系 1 次），请重新导出回访名单再填"
    ]
    assert sample.entries.get(position=3).attempts == 1


def test_every_bad_row_is_named_and_nothing_is_written(org, sample):
    rows = export(org.users.township)
    width = len(rows[0])
    extra = [
        ["A1a", "PH09", 2026, 3, 99, "属实"] + [None] * (width - 6),  # no such 序号
        ["A1a", "PH09", 2026, 3, 12, "属实"] + [None] * (width - 6),  # reserve, not brought in
        ["A1a", "PH09", 2026, 3, 1, "属实"] + [None] * (width - 6),  # row 2 again
        ["B1a", "PH09", 2026, 3, 1, "属实"] + [None] * (width - 6),  # another county's clinic
    ]
    report = run(filled(rows, {1: "属实", 2: "不知道"}, extra=extra), org.users.township)
    assert not report.ok
    lines = report.error_lines()
    assert lines[0].startswith("第 3 行，“核实结果”列：“不知道”不是可选值")
    assert lines[1:] == [
        "第 12 行，“序号”列：A1a 2026年3月的“PH09”样本中没有序号 99，或您无权操作",
        "第 13 行，“核实结果”列：备选记录只在替换后才能回访。",
        "第 14 行，“序号”列：与第 2 行重复",
        "第 15 行，“序号”列：B1a 2026年3月的“PH09”样本中没有序号 1，或您无权操作",
    ]
    assert not sample.entries.exclude(outcome="").exists()
    assert not sample.entries.filter(attempts__gt=0).exists()


def test_only_the_samples_caller_records(org, sample):
    sampling.assign_sample(user=org.users.county, sample=sample, assignee=None)
    data = filled(export(org.users.county), {1: "属实"})
    report = run(data, org.users.county)
    assert report.error_lines() == ["第 2 行，“卫生室编码”列：您不是这份样本的回访人，不能记录结果"]
    assert not sample.entries.exclude(outcome="").exists()


def test_a_dry_run_writes_nothing(org, sample):
    report = run(filled(export(org.users.township), {1: "属实"}), org.users.township, dry_run=True)
    assert report.ok and report.updated == 1
    assert not sample.entries.exclude(outcome="").exists()


def test_export_scope(org, sample):
    assert len(export(org.users.county)) == 11
    assert len(export(org.users.other_township)) == 1  # headers only
    assert len(export(org.users.other_county)) == 1
    with pytest.raises(PermissionDenied):
        dataio.export_bytes(resource_name="verification_samples", fmt="xlsx", user=org.users.doctor)


def test_the_command_records_as_the_named_caller(org, sample, tmp_path, capsys):
    path = tmp_path / "回访.xlsx"
    path.write_bytes(filled(export(org.users.township), {1: "属实"}))
    with pytest.raises(CommandError):
        call_command("import_data", "verification_samples", str(path))
    assert "请在后台导入，或在命令后加 --user 登录名" in capsys.readouterr().err
    call_command("import_data", "verification_samples", str(path), "--user", org.users.township.username)
    assert sample.entries.get(position=1).called_by == org.users.township


def test_the_samples_page_offers_the_list_and_the_import(org, sample, client_for):
    page = client_for(org.users.township).get(reverse("sampling:list") + "?year=2026&month=3").content.decode()
    assert reverse("data:export", args=["verification_samples"]) + "?format=xlsx&year=2026&month=3" in page
    assert "导入核实结果" in page
    empty = client_for(org.users.township).get(reverse("sampling:list") + "?year=2026&month=4").content.decode()
    assert "导出回访名单" not in empty
