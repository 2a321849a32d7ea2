"""The township's residents register at 1280 px: masked numbers, key-population tags, filters."""

from django.utils import timezone

from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.residents.helpers import make_id, phone_for, register

FLAGS = [
    {"elderly": True, "hypertension": True},
    {"diabetes": True},
    {},
    {"child": True},
    {"maternal": True},
    {"hypertension": True, "diabetes": True},
]
NAMES = ["张秀英", "王建国", "李桂兰", "刘子涵", "陈晓燕", "杨德明"]


def test_register_list(page, org):
    year = timezone.localdate().year
    for serial, (name, flags) in enumerate(zip(NAMES, FLAGS, strict=True), start=1):
        clinic = org.ca1a if serial % 2 else org.ca1b
        register(clinic, serial, name=name, year=year, flags=flags, village_group=f"{serial}组")
    login(page, org.users.township.username, PASSWORD)
    page.goto_path("/admin/residents/")
    table = page.locator("[data-testid=residents]")
    assert table.locator("tbody tr").count() == len(NAMES)
    text = table.inner_text()
    assert "高血压" in text and "张庄村卫生室" in text
    for serial in range(1, len(NAMES) + 1):
        assert make_id(serial) not in text and phone_for(serial) not in text
    screenshot(page, "residents_register_1280")
