"""The residents import (all-or-nothing, every bad row named) and export (masked, recorded)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command

from clinics.models import AuditEntry
from core import dataio
from residents import crypto
from residents.models import PersonalDataAccess, Resident, ResidentRegistration
from tests.residents.helpers import make_id, phone_for
from tests.spreadsheets import xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = [
    "卫生室编码",
    "年度",
    "姓名",
    "身份证号",
    "联系电话",
    "村民小组",
    "65岁以上老年人",
    "高血压",
    "2型糖尿病",
    "严重精神障碍",
    "肺结核",
    "孕产妇",
    "0–6岁儿童",
]
NO_FLAGS = ["否"] * 7


def row(code, serial, *, name="居民", year=2026, phone=None, flags=None, group="一组", id_number=None):
    return [
        code,
        year,
        name,
        id_number or make_id(serial),
        phone_for(serial) if phone is None else phone,
        group,
        *(flags or NO_FLAGS),
    ]


def run(rows, user=None, headers=HEADERS, dry_run=False):
    return dataio.run_import(
        resource_name="residents", data=xlsx_bytes(headers, rows), filename="居民.xlsx", user=user, dry_run=dry_run
    )


def test_import_creates_residents_and_registrations(org):
    report = run(
        [
            row("A1a", 1, name="张三", flags=["是", "是", "否", "否", "否", "否", "否"]),
            row("A1b", 2, name="李四", phone=""),
            row("A1a", 1, name="张三", year=2025),
        ],
        user=org.users.township,
    )
    assert report.ok, report.error_lines()
    assert report.committed and report.new == 3
    assert Resident.objects.count() == 2
    zhang = Resident.objects.get(name="张三")
    assert crypto.decrypt(zhang.id_number_encrypted) == make_id(1)
    assert zhang.id_number_masked == crypto.mask_id_number(make_id(1))
    assert zhang.phone_masked == crypto.mask_phone(phone_for(1))
    registration = zhang.registrations.get(year=2026)
    assert registration.elderly and registration.hypertension and not registration.diabetes
    assert registration.village_group == "一组"
    assert Resident.objects.get(name="李四").phone_hash == ""
    assert AuditEntry.objects.filter(content_type__model="residentregistration").count() == 3


def test_reimport_updates_and_records_a_move(org):
    run([row("A1a", 3)], user=org.users.township)
    report = run([row("A1b", 3, flags=["否", "否", "是", "否", "否", "否", "否"])], user=org.users.township)
    assert report.ok and report.updated == 1 and report.new == 0
    registration = ResidentRegistration.objects.get()
    assert registration.clinic == org.ca1b and registration.diabetes
    move = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).get()
    assert move.reason == "迁入李家村卫生室"
    assert "clinic" in move.changes and "diabetes" in move.changes


def test_every_bad_row_is_named_and_nothing_is_written(org):
    good = make_id(9)
    report = run(
        [
            row("A1a", 1),
            row("A1a", 2, id_number=good[:17]),  # 17 digits
            row("A1a", 3, id_number=good[:17] + ("0" if good[17] != "0" else "1")),  # check digit
            row("A1a", 4, id_number="320102" + "19800231" + "0011"),  # 31 February
            row("A1a", 5, phone="12345"),
            row("ZZ9", 6),  # no such clinic
            row("A2a", 7),  # another township's clinic
            row("A1a", 1, name="重复"),  # the same ID number again
            row("A1a", 8, flags=["也许", *NO_FLAGS[1:]]),
            row("A1a", 10, year="二〇二六"),
        ],
        user=org.users.township,
    )
    assert not report.ok and not report.committed
    lines = report.error_lines()
    named = {(issue.row, issue.column) for issue in report.errors}
    assert named == {
        (3, "身份证号"),
        (4, "身份证号"),
        (5, "身份证号"),
        (6, "联系电话"),
        (7, "卫生室编码"),
        (8, "卫生室编码"),
        (9, "身份证号"),
        (10, "65岁以上老年人"),
        (11, "年度"),
    }, lines
    assert any("第 3 行，“身份证号”列：身份证号应为 18 位" in line for line in lines)
    assert any("校验位" in line and "第 4 行" in line for line in lines)
    assert any("与第 2 行的身份证号重复" in line for line in lines)
    assert not Resident.objects.exists() and not ResidentRegistration.objects.exists()


def test_county_may_import_any_clinic_of_its_county_but_not_another(org):
    assert run([row("A1a", 1), row("A2a", 2)], user=org.users.county).ok
    report = run([row("B1a", 3)], user=org.users.county)
    assert [(i.row, i.column) for i in report.errors] == [(2, "卫生室编码")]


def test_english_headers_and_the_command_line(org, tmp_path):
    english = ["clinic", "year", "name", "id_number", "phone", "village_group", *ResidentRegistration.FLAGS]
    path = tmp_path / "residents.xlsx"
    path.write_bytes(xlsx_bytes(english, [row("B1a", 4)]))
    call_command("import_data", "residents", str(path))
    assert ResidentRegistration.objects.get().clinic == org.cb1a


def test_doctors_may_not_import(org):
    report = None
    with pytest.raises(Exception):  # noqa: B017 PermissionDenied
        report = run([row("A1a", 1)], user=org.users.doctor)
    assert report is None and not Resident.objects.exists()


def _cells(content: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None]


def test_export_is_masked_scoped_and_recorded(org):
    run([row("A1a", 1, name="张三"), row("A2a", 2, name="李四")], user=org.users.county)
    content = dataio.export_bytes(resource_name="residents", fmt="xlsx", user=org.users.township)
    cells = _cells(content)
    assert "张三" in cells and "李四" not in cells
    text = " ".join(cells)
    for serial in (1, 2):
        assert make_id(serial) not in text and phone_for(serial) not in text
    assert crypto.mask_id_number(make_id(1)) in cells
    entry = PersonalDataAccess.objects.get()
    assert entry.kind == PersonalDataAccess.Kind.EXPORT and entry.user == org.users.township
    assert entry.county == org.county_a and entry.resident_count == 1
    assert list(entry.residents.values_list("name", flat=True)) == ["张三"]


def test_export_of_a_listing_honours_its_filters(org):
    run(
        [row("A1a", 1, name="张三", flags=["否", "是", *NO_FLAGS[2:]]), row("A1a", 2, name="李四")],
        user=org.users.township,
    )
    content = dataio.export_bytes(
        resource_name="residents", fmt="xlsx", user=org.users.township, params={"year": "2026", "flag": "hypertension"}
    )
    assert "张三" in _cells(content) and "李四" not in _cells(content)
    content = dataio.export_bytes(
        resource_name="residents", fmt="xlsx", user=org.users.township, params={"q": make_id(2)[-4:]}
    )
    assert "李四" in _cells(content) and "张三" not in _cells(content)
