"""Import of service records (服务记录): all-or-nothing, every bad row named, the county's column mapping,
matched / unmatched residents."""

from django.core.management import call_command

from core import dataio
from programs.models import RecordColumnMapping, ServiceRecord
from programs.services import periods
from residents.crypto import keyed_hash
from tests.programs.records_helpers import id_number, make_resident
from tests.spreadsheets import xlsx_bytes

HEADERS = ["卫生室编码", "项目编码", "服务日期", "身份证号", "居民姓名", "医生姓名", "备注"]


def run(rows, user=None, headers=HEADERS, dry_run=False):
    return dataio.run_import(
        resource_name="service_records",
        data=xlsx_bytes(headers, rows),
        filename="records.xlsx",
        user=user,
        dry_run=dry_run,
    )


def test_import_matches_residents_by_hash_and_flags_the_unmatched(org, services):
    known = make_resident("张三", id_number(1), clinic=org.ca1a)
    report = run(
        [
            ["A1a", "PH09", "2026-11-20", id_number(1), "张三", "", "随访"],
            ["A1a", "PH10", "2026-11-20", id_number(2), "李四", "", ""],
        ],
        user=org.users.township,
    )
    assert report.ok and report.committed and report.new == 2, report.error_lines()
    matched = ServiceRecord.objects.get(id_number_hash=keyed_hash(id_number(1)))
    assert matched.resident == known and matched.matched and matched.source == "import"
    unmatched = ServiceRecord.objects.get(id_number_hash=keyed_hash(id_number(2)))
    assert unmatched.resident is None and not unmatched.matched
    assert unmatched.id_number_masked == id_number(2)[:4] + "**********" + id_number(2)[-4:]
    assert [w.row for w in report.warnings] == [3] and "未匹配居民" in report.warnings[0].message


def test_every_bad_row_is_named_and_nothing_is_written(org, services):
    ServiceRecord.objects.all().delete()
    run([["A1a", "PH09", "2026-10-01", id_number(9), "老王", "", ""]], user=org.users.township)
    bad_id = id_number(3)[:-1] + ("0" if id_number(3)[-1] != "0" else "1")
    report = run(
        [
            ["A1a", "PH09", "2026-11-20", id_number(3), "好行", "", ""],  # row 2: fine
            ["A1a", "PH09", "2026-11-20", bad_id, "错号", "", ""],  # 3: check digit
            ["A1a", "PH09", "2026-11-20xyz", id_number(4), "错日", "", ""],  # 4: not a whole date
            ["A1a", "PH99", "2026-11-20", id_number(5), "错项", "", ""],  # 5: unknown item
            ["A2a", "PH09", "2026-11-20", id_number(6), "外镇", "", ""],  # 6: another township's clinic
            ["A1a", "PH09", "2026-11-20", id_number(3), "好行", "", ""],  # 7: duplicate of row 2
            ["A1a", "PH09", "2026-10-01", id_number(9), "老王", "", ""],  # 8: already in the database
            ["A1a", "PH09", "2030-01-01", id_number(7), "未来", "", ""],  # 9: future
        ],
        user=org.users.township,
    )
    assert not report.ok and not report.committed
    named = [(e.row, e.column) for e in report.errors]
    assert named == [
        (3, "身份证号"),
        (4, "服务日期"),
        (5, "项目编码"),
        (6, "卫生室编码"),
        (7, "身份证号"),
        (8, "身份证号"),
        (9, "服务日期"),
    ], report.error_lines()
    messages = {e.row: e.message for e in report.errors}
    assert "校验位" in messages[3] and "2026-11-20xyz" in messages[4] and "PH99" in messages[5]
    assert "第 2 行重复" in messages[7] and "已有记录" in messages[8]
    assert ServiceRecord.objects.count() == 1  # only the earlier import's


def test_locked_or_closed_month_is_refused(org, services):
    periods.lock_periods(township_ids=[org.ta1.pk], year=2026, months=[9], user=org.users.county)
    periods.close_period(township_id=org.ta1.pk, year=2026, month=8, user=org.users.county)
    report = run(
        [
            ["A1a", "PH09", "2026-09-03", id_number(11), "甲", "", ""],
            ["A1a", "PH09", "2026-08-03", id_number(12), "乙", "", ""],
        ],
        user=org.users.township,
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "服务日期"), (3, "服务日期")]
    assert "锁定" in report.errors[0].message and "关账" in report.errors[1].message
    assert not ServiceRecord.objects.exists()


def test_county_mapping_renames_the_provincial_headers(org, services):
    RecordColumnMapping.objects.create(
        county=org.county_a, columns={"卫生室编码": "机构编码", "身份证号": "证件号码", "服务日期": "随访日期"}
    )
    theirs = ["机构编码", "项目编码", "随访日期", "证件号码", "居民姓名"]
    report = run([["A1a", "PH09", "2026-11-02", id_number(21), "丙"]], user=org.users.county, headers=theirs)
    assert report.ok and report.committed, report.error_lines()
    # Another county's mapping does not apply to county A's importers.
    RecordColumnMapping.objects.filter(county=org.county_a).delete()
    RecordColumnMapping.objects.create(county=org.county_b, columns={"卫生室编码": "机构编码"})
    refused = run([["A1a", "PH10", "2026-11-02", id_number(22), "丁"]], user=org.users.county, headers=theirs)
    assert refused.file_error and "机构编码" in refused.file_error


def test_command_line_uses_the_county_of_the_files_clinics(org, services, tmp_path):
    RecordColumnMapping.objects.create(county=org.county_a, columns={"身份证号": "证件号码"})
    path = tmp_path / "records.xlsx"
    path.write_bytes(
        xlsx_bytes(
            ["卫生室编码", "项目编码", "服务日期", "证件号码", "居民姓名"],
            [["A2a", "PH09", "2026-11-03", id_number(31), "戊"]],
        )
    )
    call_command("import_data", "service_records", str(path))
    assert ServiceRecord.objects.get().clinic == org.ca2a


def test_doctor_name_is_matched_to_the_clinics_doctor(org, services):
    from doctors.selectors import doctor_for_user

    doctor = doctor_for_user(org.users.doctor)
    report = run(
        [
            ["A1a", "PH09", "2026-11-04", id_number(41), "己", doctor.name, ""],
            ["A1a", "PH10", "2026-11-04", id_number(41), "己", "不认识", ""],
        ],
        user=org.users.township,
    )
    assert report.ok, report.error_lines()
    assert ServiceRecord.objects.get(item__code="PH09").doctor == doctor
    assert ServiceRecord.objects.get(item__code="PH10").doctor is None
    assert any(w.column == "医生姓名" for w in report.warnings)
