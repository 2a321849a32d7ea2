"""The shared parsers (core.validation) and every numeric / date import column of every registered
resource: a value is either stored and reads back equal, or refused with a Chinese message."""

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from hypothesis import event, given, settings
from hypothesis import strategies as st

from clinics.models import Clinic, ClinicPopulation
from core import dataio
from core.validation import limits_of, parse_date, parse_decimal, parse_integer
from subsidies.models import ScoreItem, ScoreSheet, SubsidyPolicy

CJK = re.compile(r"[\u4e00-\u9fff]")
TODAY = timezone.localdate()
DAY = TODAY - timedelta(days=5)
# A service record's day: in the current month when it is old enough to have a past day, else the previous month
# (a record may not be dated in the future, and earlier months may already be closed for submission).
RECORD_DAY = TODAY.replace(day=1) if TODAY.day > 1 else TODAY - timedelta(days=1)
STRICT = (dataio.StrictIntegerWidget, dataio.StrictDecimalWidget, dataio.StrictDateWidget)


# --------------------------------------------------------------------------- the parsers


@pytest.mark.parametrize(
    "value, expected",
    [("12", 12), (" 12 ", 12), ("+12", 12), ("1,234", 1234), ("12.0", 12), (12.0, 12), (7, 7), ("-0", 0)],
)
def test_whole_numbers_that_are_accepted(value, expected):
    assert parse_integer(value, min_value=0) == expected


@pytest.mark.parametrize(
    "value",
    ["１２", "²", "٣", "①", "1e3", "1_000", "12abc", "0x1f", "1,2,3", "12.5", 12.5, "NaN", "inf", True, "1" * 5000],
)
def test_whole_numbers_that_are_refused_in_chinese(value):
    with pytest.raises(ValidationError) as exc:
        parse_integer(value)
    assert CJK.search(exc.value.messages[0])


def test_full_width_digits_get_a_message_that_says_so():
    with pytest.raises(ValidationError) as exc:
        parse_integer("１２")
    assert "半角数字" in exc.value.messages[0]


@pytest.mark.parametrize("value, message", [("", "不能为空"), (str(10**30), "数字太大"), ("-1", "不能为负数")])
def test_blank_huge_and_negative_numbers(value, message):
    with pytest.raises(ValidationError) as exc:
        parse_integer(value, required=True, min_value=0, max_value=2_147_483_647)
    assert message in exc.value.messages[0]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("6.8", Decimal("6.80")),
        ("6.800", Decimal("6.80")),
        (6.8, Decimal("6.80")),
        ("1,234.5", Decimal("1234.50")),
        ("99999999.99", Decimal("99999999.99")),
        (".5", Decimal("0.50")),
    ],
)
def test_decimals_that_are_accepted(value, expected):
    assert parse_decimal(value, max_digits=10, decimal_places=2) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("1000000000000", "太大"),
        ("100000000", "太大"),
        ("6.805", "最多保留 2 位小数"),
        ("1e3", "不是数字"),
        ("NaN", "不是数字"),
        ("６.８", "半角数字"),
        (float("inf"), "不是数字"),
        ("1" * 5000, "太大"),
    ],
)
def test_decimals_that_are_refused(value, message):
    with pytest.raises(ValidationError) as exc:
        parse_decimal(value, max_digits=10, decimal_places=2)
    assert message in exc.value.messages[0]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("2026/1/5", date(2026, 1, 5)),
        ("2026.1.5", date(2026, 1, 5)),
        ("2026-11-20 00:00:00", date(2026, 11, 20)),
        (datetime(2026, 11, 20, 0, 0), date(2026, 11, 20)),
    ],
)
def test_dates_that_are_accepted(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-20xyz",
        "2026-11-2012",
        "2026-02-30",
        "20261120",
        "2026-W47-5",
        "２０２６-11-20",
        "0026-11-20",
        "9999-12-31",
        "2026-11-20 12:30",
    ],
)
def test_dates_that_are_refused(value):
    with pytest.raises(ValidationError) as exc:
        parse_date(value)
    assert CJK.search(exc.value.messages[0])


def test_limits_come_from_the_model_field():
    from doctors.models import TrainingAttendance
    from programs.models import DrugSale, ServiceReport

    price = limits_of(DrugSale._meta.get_field("unit_price"))
    assert (price.max_digits, price.decimal_places) == (10, 2)
    score = limits_of(TrainingAttendance._meta.get_field("written_score"))
    assert (score.min_value, score.max_value, score.max_digits, score.decimal_places) == (0, 100, 5, 1)
    year = limits_of(ServiceReport._meta.get_field("year"))
    assert (year.min_value, year.max_value) == (0, 32767)  # PositiveSmallIntegerField, on every database


# --------------------------------------------------------------------------- every import column


def import_columns(resource):
    """(field name, column) of the numeric and date columns a file may fill."""
    found = []
    for name, fld in resource.fields.items():
        if fld.readonly:
            continue
        model_field = dataio.model_field_for(resource._meta.model, fld.attribute) if fld.attribute else None
        numeric = isinstance(model_field, (models.IntegerField, models.DecimalField, models.DateField))
        if numeric or isinstance(fld.widget, STRICT):
            found.append((name, fld.column_name))
    return found


def importable():
    return {name: cls for name, cls in dataio.registry().items() if cls.import_permission}


def test_every_numeric_or_date_column_uses_a_strict_widget_with_the_model_fields_limits(db):
    for name, resource_class in importable().items():
        resource = resource_class()
        for key, column in import_columns(resource):
            fld = resource.fields[key]
            assert isinstance(fld.widget, STRICT), (name, column)
            if isinstance(fld.widget, dataio.StrictDateWidget):
                continue
            model_field = (
                dataio.model_field_for(resource._meta.model, fld.attribute) if fld.attribute else fld.widget.bound_to
            )
            assert model_field is not None and fld.widget.bound_to == model_field, (name, column)
            mine, model = fld.widget.limits, limits_of(model_field)
            assert (mine.max_digits, mine.decimal_places) == (model.max_digits, model.decimal_places), (name, column)
            assert mine.min_value is not None, (name, column)
            if model.min_value is not None:
                assert mine.min_value >= model.min_value, (name, column)
            if model.max_value is not None:
                assert mine.max_value is not None and mine.max_value <= model.max_value, (name, column)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The organisation and the records the base rows refer to, built once for the module."""
    from doctors.models import VillageDoctor
    from programs.models import SampleEntry, ServiceItem, ServiceRecord, VerificationSample
    from programs.services import drugs
    from residents.validation import check_digit
    from tests.doctors.helpers import id_number, make_doctor, make_session
    from tests.factories import build_org
    from tests.reference import ensure_service_catalogue

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            # A transactional test that ran earlier in this process flushed what the data migrations created.
            ensure_service_catalogue()
            org = build_org()
            assert ServiceItem.objects.filter(code="PH09").exists()
            drug = drugs.save_drug(
                code="YP001", generic_name="阿莫西林胶囊", dosage_form="胶囊剂", specification="0.25g×24粒", unit="盒"
            )
            drugs.record_purchase(
                clinic=org.ca1a,
                drug=drug,
                on=date(2020, 1, 1),
                batch_no="B0",
                expiry=date(2090, 1, 1),
                quantity=10**6,
                unit_price="6.80",
            )
            doctor = make_doctor(org.ca1a)
            session = make_session(org.county_a, date(2026, 3, 2), code="SX1")
            first_17 = "32010219500309001"
            resident_id = first_17 + check_digit(first_17)
            sheet = ScoreSheet.objects.create(county=org.county_a, year=2026, name="考核表")
            # the policy a policy_items row names
            SubsidyPolicy.objects.create(
                county=org.county_a,
                year=2026,
                name="基础政策",
                per_capita_rate=99,
                village_share="0.4",
                drug_amount=5,
            )
            ScoreItem.objects.create(
                sheet=sheet,
                code="Z1",
                category="medical",
                name="处方",
                max_points=20,
                mode="deduction",
                points_per_occurrence=2,
            )
            record = ServiceRecord.objects.create(
                clinic=org.ca1a,
                item=ServiceItem.objects.get(code="PH09"),
                service_date=date(2026, 3, 5),
                resident_name="钱居民",
                id_number_hash="h" * 64,
                id_number_masked="3201**********1234",
                source=ServiceRecord.Source.IMPORT,
            )
            verification = VerificationSample.objects.create(
                clinic=org.ca1a, item=record.item, year=2026, month=3, seed=1, record_count=1, size=1
            )
            SampleEntry.objects.create(sample=verification, record=record, position=1)
            born = date(1985, 3, 9)
            new_id = id_number(born)
            assert not VillageDoctor.objects.filter(id_number=new_id).exists()
            base = {
                "clinics": {
                    "卫生室编码": "Z9",
                    "卫生室名称": "测试村卫生室",
                    "行政村": "测试村",
                    "乡镇编码": "A1",
                    "开办日期": "2010-01-01",
                    "年度": 2026,
                    "常住人口": 1000,
                    "户籍人口": 1000,
                    "参合人口": 1000,
                    "65岁及以上老年人": 100,
                    "0-6岁儿童": 50,
                },
                "doctors": {
                    "姓名": "王医生",
                    "性别": "男",
                    "出生日期": born.isoformat(),
                    "身份证号": new_id,
                    "手机号": "13812345678",
                    "卫生室编码": "A1a",
                },
                "licences": {
                    "证书编号": "LX-NEW",
                    "身份证号": doctor.id_number,
                    "发证日期": "2024-01-01",
                    "有效期至": "",
                },
                "training_attendance": {
                    "培训编号": session.code,
                    "身份证号": doctor.id_number,
                    "出勤": "是",
                    "笔试成绩": "80",
                    "口试成绩": "85.5",
                },
                "drug_purchases": {
                    "卫生室编码": "A1a",
                    "药品编码": "YP001",
                    "采购日期": DAY.isoformat(),
                    "批号": "B1",
                    "有效期至": (TODAY + timedelta(days=300)).isoformat(),
                    "数量": 10,
                    "进价（元）": "6.80",
                },
                "drug_sales": {
                    "卫生室编码": "A1a",
                    "药品编码": "YP001",
                    "销售日期": DAY.isoformat(),
                    "数量": 1,
                    "售价（元）": "6.80",
                },
                "service_reports": {"卫生室编码": "A1a", "项目编码": "PH09", "年度": 2026, "月份": 3, "申报数": 5},
                "quotas": {"卫生室编码": "A1a", "项目编码": "PH09", "年度": 2026, "任务数": 100},
                "counties": {"县编码": "NEWC", "县名": "新县", "卫健局名称": "新县卫健局"},
                "score_sheets": {
                    "县编码": org.county_a.code,
                    "年度": 2027,
                    "版本": 1,
                    "评分表名称": "考核表",
                    "项目编号": "Z1",
                    "类别": "基本医疗",
                    "考核内容": "处方",
                    "满分": "20",
                    "评分方式": "按次扣分",
                    "每次扣分": "2",
                    "指标": "",
                    "目标值": "1",
                    "排序": "1",
                },
                "item_prices": {
                    "县编码": org.county_a.code,
                    "年度": 2027,
                    "项目编码": "PH09",
                    "单价（元）": "12.50",
                    "工分": "1.5",
                },
                "policies": {
                    "县编码": org.county_a.code,
                    "年度": 2027,
                    "名称": "2027年村级补助",
                    "状态": "草稿（可模拟测算）",
                    "人均补助标准（元/人·年）": "99",
                    "村级任务比例": "0.4",
                    "公共卫生补助方式": "按项目单价",
                    "任务数封顶倍数": "1.2",
                    "考核合格分": "60",
                    "质量系数分档": '[[90, 1.0, "优秀"], [60, 0.8, "合格"]]',
                    "基本药物补助方式": "按服务人口",
                    "基本药物补助标准": "5",
                    "每次加价销售扣款（元）": "50",
                    "核实差异容忍度": "0.05",
                    "偏远地区系数": "1.1",
                    "预算上限（元）": "1000000",
                    "生效日期": "2027-01-01",
                    "政策文件链接": "https://example.org/p.pdf",
                    "预拨方式": "按季度比例预拨",
                    "第一季度预拨比例": "0.25",
                    "第二季度预拨比例": "0.25",
                    "第三季度预拨比例": "0.25",
                    "第四季度预拨比例": "0.15",
                    "每月固定预拨（元/室）": "0",
                },
                "policy_items": {
                    "县编码": org.county_a.code,
                    "年度": 2026,
                    "政策名称": "基础政策",
                    "项目编码": "PH09",
                    "单价（元）": "40.00",
                    "工分": "15",
                },
                "residents": {
                    "卫生室编码": "A1a",
                    "年度": 2026,
                    "姓名": "赵居民",
                    "身份证号": resident_id,
                    "联系电话": "13912345678",
                    "村民小组": "1组",
                },
                "assessment_scores": {
                    "卫生室编码": "A1a",
                    "年度": 2026,
                    "季度": 1,
                    "项目编号": "Z1",
                    "发现次数": 2,
                    "扣分理由": "处方不规范",
                    "考核日期": "2026-04-08",
                    "提交": "否",
                },
                "verification_samples": {
                    "卫生室编码": "A1a",
                    "项目编码": "PH09",
                    "年度": 2026,
                    "月份": 3,
                    "序号": 1,
                    "核实结果": "属实",
                    "备注": "电话回访",
                },
                "service_records": {
                    "卫生室编码": "A1a",
                    "项目编码": "PH09",
                    "服务日期": RECORD_DAY.isoformat(),
                    "身份证号": resident_id,
                    "居民姓名": "赵居民",
                },
            }
            # The resources whose import is done in someone's name (an assessor, a caller).
            base["importers"] = dict.fromkeys(("assessment_scores", "verification_samples"), org.users.township)
            base["importers"]["policies"] = base["importers"]["policy_items"] = org.users.county
            yield base
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


FUZZED = sorted(name for name, cls in importable().items() if import_columns(cls()))


def test_every_resource_with_numeric_columns_has_a_base_row(world):
    assert set(FUZZED) <= set(world), "add a valid base row for the new resource to world()"
    for name in FUZZED:
        resource = importable()[name]()
        assert set(resource.required_columns()) <= set(world[name]), name
        report = dataio.run_import(
            resource_name=name,
            data=to_csv(world[name]),
            filename="x.csv",
            user=world["importers"].get(name),
            dry_run=True,
        )
        assert report.ok, (name, report.error_lines())


def to_csv(row):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(row))
    writer.writerow(["" if v is None else v for v in row.values()])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(row):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(row))
    sheet.append(list(row.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_back(name, resource, key):
    """The value stored for a column, read from the database (every column of the row is read, so a value
    the database cannot give back — as numeric(10,2) with 13 digits on SQLite — fails here)."""
    fld = resource.fields[key]
    if name == "clinics" and not fld.attribute:
        population = ClinicPopulation.objects.get(clinic=Clinic.objects.get(code="Z9"))
        population.refresh_from_db()
        return getattr(population, key)
    if name == "score_sheets" and not fld.attribute:
        item = ScoreItem.objects.select_related("sheet").order_by("-pk").first()
        return {"year": item.sheet.year, "version": item.sheet.version, "sheet_name": item.sheet.name}[key]
    model = resource._meta.model
    obj = model.objects.order_by("-pk").first()
    obj.refresh_from_db()
    list(model.objects.filter(pk=obj.pk).values())
    return model.objects.filter(pk=obj.pk).values_list(fld.attribute, flat=True).get()


text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
odd = st.sampled_from(
    [
        "",
        " ",
        "\u3000",
        "１２",
        "²",
        "٣",
        "①",
        "1e3",
        "1E3",
        "0x10",
        "1_000",
        "12abc",
        " 12 ",
        "+7",
        "-0",
        "1,234",
        "1,2,3",
        "12.0",
        "12.",
        ".5",
        "6.80",
        "6.805",
        "NaN",
        "Infinity",
        "-inf",
        "2026-11-20xyz",
        "2026-02-30",
        "2026/1/31",
        "2026.1.31",
        "20261120",
        "2026-11-20 00:00:00",
        "2026-11-20T12:00",
        "0001-01-01",
        "1900-01-01",
        "9999-12-31",
        "2999-01-01",
        "1000000000000",
        str(10**30),
        "-" + str(10**30),
        "1" * 400,
        "99999999.99",
        "100000000",
        "2147483648",
    ]
)
as_text = st.one_of(
    odd,
    text,
    st.integers(-(10**40), 10**40).map(str),
    st.integers(-3, 3000).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
    st.builds(lambda d, junk: d.isoformat() + junk, st.dates(min_value=date(1990, 1, 1)), text),
)
plausible = st.one_of(
    st.integers(0, 500).map(str),
    st.integers(1, 12),
    st.integers(2000, 2030),
    st.dates(min_value=date(2020, 1, 1), max_value=TODAY).map(date.isoformat),
    st.decimals(min_value=0, max_value=1000, places=2).map(str),
    st.decimals(min_value=0, max_value=100, places=1),
)
as_cell = st.one_of(
    st.integers(-(10**20), 10**20),
    st.integers(0, 40000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e6, max_value=1e6),
    st.dates(min_value=date(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1)),
)


@pytest.mark.parametrize("name", FUZZED)
@settings(max_examples=35)
@given(data=st.data())
def test_every_import_column_stores_or_refuses_in_chinese(world, db, name, data):
    resource_class = importable()[name]
    resource = resource_class()
    key, column = data.draw(st.sampled_from(import_columns(resource)), label="column")
    value = data.draw(st.one_of(plausible, as_text, as_cell), label="value")
    row = dict(world[name])
    row[column] = value
    as_file = (to_csv(row), "x.csv") if isinstance(value, str) else (to_xlsx(row), "x.xlsx")
    try:
        seen = dataio.read_dataset(*as_file)
    except dataio.ImportFileError:
        seen = None
    with transaction.atomic():
        report = dataio.run_import(
            resource_name=name, data=as_file[0], filename=as_file[1], user=world["importers"].get(name)
        )
        event("stored" if report.ok else "refused")
        if report.ok:
            assert report.committed and seen is not None
            expected = resource.fields[key].widget.clean(seen[0][seen.headers.index(column)])
            stored = read_back(name, resource, key)
            if expected is not None:
                assert stored == expected, (column, value, stored)
        else:
            problems = report.error_lines()
            assert problems and all(CJK.search(p) for p in problems), problems
            # An unexpected exception would be reported as "无法保存：<English error>".
            assert not any("无法保存" in e.message for e in report.errors), problems
        transaction.set_rollback(True)
