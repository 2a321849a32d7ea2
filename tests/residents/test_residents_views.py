"""The register's admin pages: masked numbers only, the move history, bounded queries, the county's access log."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.urls import reverse

from residents import crypto
from residents.models import PersonalDataAccess
from residents.services import record_access
from tests.residents.helpers import make_id, phone_for, register

pytestmark = pytest.mark.django_db

YEAR = 2026


def _no_whole_numbers(html: str, serials):
    for serial in serials:
        assert make_id(serial) not in html
        assert phone_for(serial) not in html
    return True


def test_list_shows_masked_numbers_tags_and_scope(org, client_for):
    register(org.ca1a, 1, name="张三", year=YEAR, flags={"hypertension": True, "elderly": True}, village_group="二组")
    register(org.ca2a, 2, name="李四", year=YEAR)
    response = client_for(org.users.township).get(reverse("residents:list"), {"year": YEAR})
    html = response.content.decode()
    assert response.status_code == 200
    assert "张三" in html and "李四" not in html
    assert crypto.mask_id_number(make_id(1)) in html and crypto.mask_phone(phone_for(1)) in html
    assert "高血压" in html and "老年人" in html and "二组" in html
    assert _no_whole_numbers(html, [1, 2])


def test_list_filters_and_search(org, client_for):
    register(org.ca1a, 1, name="张三", year=YEAR, flags={"diabetes": True})
    register(org.ca1b, 2, name="李四", year=YEAR)
    client = client_for(org.users.county)
    url = reverse("residents:list")
    html = client.get(url, {"year": YEAR, "flag": "diabetes"}).content.decode()
    assert "张三" in html and "李四" not in html
    html = client.get(url, {"year": YEAR, "clinic": org.ca1b.pk}).content.decode()
    assert "李四" in html and "张三" not in html
    html = client.get(url, {"year": YEAR, "q": make_id(2)}).content.decode()
    assert "李四" in html and "张三" not in html and _no_whole_numbers(html.replace(f'value="{make_id(2)}"', ""), [1])
    html = client.get(url, {"year": YEAR, "q": phone_for(1)[-4:]}).content.decode()
    assert "张三" in html and "李四" not in html
    html = client.get(url, {"year": YEAR, "flag": "nonsense"}).content.decode()
    assert "张三" not in html
    html = client.get(url, {"year": YEAR, "clinic": org.cb1a.pk}).content.decode()
    assert "筛选条件无效" in html


def test_empty_register_tells_how_to_import(org, client_for):
    html = client_for(org.users.township).get(reverse("residents:list")).content.decode()
    assert "还没有辖区居民登记" in html and "import_data residents" in html
    assert reverse("data:import", args=["residents"]) in html


def test_list_queries_do_not_grow_with_rows(org, client_for, django_assert_max_num_queries):
    for serial in range(1, 61):
        register(org.ca1a, serial, name=f"居民{serial}", year=YEAR, flags={"child": serial % 2 == 0})
    client = client_for(org.users.township)
    client.get(reverse("residents:list"), {"year": YEAR})  # warm caches (scope, menus)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("residents:list"), {"year": YEAR})
    assert len(re.findall(r'href="/admin/residents/\d+/"', response.content.decode())) == 50


def test_detail_shows_registrations_and_moves_masked(org, client_for):
    registration = register(org.ca1a, 5, name="王五", year=YEAR - 1, user=org.users.township)
    register(org.ca1a, 5, name="王五", year=YEAR, user=org.users.township)
    register(org.ca1b, 5, name="王五", year=YEAR, user=org.users.township)  # moved
    url = reverse("residents:detail", args=[registration.resident_id])
    html = client_for(org.users.township).get(url).content.decode()
    assert "迁入李家村卫生室" in html and "张庄村卫生室" in html
    assert str(YEAR - 1) in html and crypto.mask_id_number(make_id(5)) in html
    assert _no_whole_numbers(html, [5])
    assert client_for(org.users.other_county).get(url).status_code == 404


def test_access_log_lists_the_county_entries_masked(org, client_for):
    resident = register(org.ca1a, 6, name="赵六").resident
    far = register(org.cb1a, 7, name="钱七").resident
    record_access(
        user=org.users.township,
        kind=PersonalDataAccess.Kind.WHOLE_PHONE,
        page="抽查电话",
        residents=[resident],
        county_id=org.county_a.pk,
    )
    record_access(
        user=org.users.other_county,
        kind=PersonalDataAccess.Kind.EXPORT,
        page="导出",
        residents=[far],
        county_id=org.county_b.pk,
    )
    response = client_for(org.users.county).get(reverse("residents:access_log"))
    html = response.content.decode()
    assert "抽查电话" in html and "赵六" in html and "查看完整电话" in html
    assert "钱七" not in html
    assert crypto.mask_id_number(make_id(6)) in html and _no_whole_numbers(html, [6, 7])
    assert client_for(org.users.township).get(reverse("residents:access_log")).status_code in (302, 403)


def test_export_from_the_list_is_masked_and_recorded(org, client_for):
    register(org.ca1a, 8, name="孙八", year=YEAR)
    response = client_for(org.users.township).get(
        reverse("data:export", args=["residents"]), {"format": "xlsx", "year": YEAR}
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    text = " ".join(str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None)
    assert "孙八" in text and make_id(8) not in text and phone_for(8) not in text
    assert PersonalDataAccess.objects.get().kind == PersonalDataAccess.Kind.EXPORT
