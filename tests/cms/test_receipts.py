"""Read receipts: doctors acknowledge, township staff see who has not read, the county sees rates."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from clinics.roles import Role
from cms import services
from cms.models import NoticeReceipt
from cms.selectors import notice_rates, township_rates, unread_doctors, unread_for_doctor
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_mark_read_is_idempotent_and_records_the_clinic(org, notices):
    first = services.mark_read(user=org.users.doctor, notice=notices.public)
    again = services.mark_read(user=org.users.doctor, notice=notices.public)
    assert first.pk == again.pk and first.clinic_id == org.ca1a.pk
    assert NoticeReceipt.objects.filter(notice=notices.public).count() == 1


def test_only_addressed_doctors_can_acknowledge(org, notices):
    with pytest.raises(ValidationError):
        services.mark_read(user=org.users.far_doctor, notice=notices.a1_only)
    with pytest.raises(ValidationError):
        services.mark_read(user=org.users.doctor, notice=notices.draft)
    with pytest.raises(ValidationError):  # a public notice of another county is not addressed to them
        services.mark_read(user=org.users.doctor, notice=notices.far_public)
    with pytest.raises(PermissionDenied):
        services.mark_read(user=org.users.township, notice=notices.public)


def test_portal_lists_unread_until_acknowledged(org, notices, client_for):
    client = client_for(org.users.doctor)
    html = client.get(reverse("portal_notices:index")).content.decode()
    assert "您有 3 条通知尚未确认阅读" in html and "绿水县" not in html
    assert {n.pk for n in unread_for_doctor(user=org.users.doctor)} == {
        notices.public.pk,
        notices.doctors.pk,
        notices.a1_only.pk,
    }
    response = client.post(reverse("portal_notices:read", args=[notices.doctors.pk]))
    assert response.status_code == 302
    html = client.get(reverse("portal_notices:index")).content.decode()
    assert "您有 2 条通知尚未确认阅读" in html
    detail = client.get(reverse("portal_notices:detail", args=[notices.doctors.pk])).content.decode()
    assert "确认阅读" in detail and "我已阅读" not in detail


def test_portal_guessed_ids_are_404(org, notices, client_for):
    client = client_for(org.users.doctor)
    for page in (notices.far_doctors, notices.draft, notices.expired):
        assert client.get(reverse("portal_notices:detail", args=[page.pk])).status_code == 404
        assert client.post(reverse("portal_notices:read", args=[page.pk])).status_code == 404
    assert client.get(reverse("portal_notices:read", args=[notices.public.pk])).status_code == 405


def test_township_unread_list_shrinks_and_exports(org, notices, client_for):
    assert [r.user for r in unread_doctors(user=org.users.township, notice=notices.public)] == [
        org.users.doctor,
        org.users.other_doctor,
    ]
    services.mark_read(user=org.users.doctor, notice=notices.public)
    rows = list(unread_doctors(user=org.users.township, notice=notices.public))
    assert [r.user for r in rows] == [org.users.other_doctor]

    client = client_for(org.users.township)
    html = client.get(reverse("receipts:detail", args=[notices.public.pk])).content.decode()
    assert "doc_a1b" in html and "doc_a1a" not in html.split('data-testid="unread-list"')[1]
    response = client.get(reverse("receipts:unread_export", args=[notices.public.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["乡镇", "卫生室编码", "村卫生室", "村医", "登录名"]
    assert values[1:] == [["城关镇", "A1b", "李家村卫生室", "doc_a1b", "doc_a1b"]]


def test_township_staff_see_only_their_township_doctors(org, notices):
    make_user("doc_a2a", Role.VILLAGE_DOCTOR, clinic=org.ca2a)
    names = {r.user.username for r in unread_doctors(user=org.users.township, notice=notices.public)}
    assert names == {"doc_a1a", "doc_a1b"}
    assert not list(unread_doctors(user=org.users.other_township, notice=notices.a1_only))


def test_county_sees_rate_per_township(org, notices):
    make_user("doc_a2a", Role.VILLAGE_DOCTOR, clinic=org.ca2a)
    services.mark_read(user=org.users.doctor, notice=notices.public)
    rates = {
        r.township.code: (r.expected, r.read, r.percent)
        for r in township_rates(user=org.users.county, notice=notices.public)
    }
    assert rates == {"A1": (2, 1, 50), "A2": (1, 0, 0)}
    # A notice for township A1 only reaches A1.
    rates = {
        r.township.code: (r.expected, r.read) for r in township_rates(user=org.users.county, notice=notices.a1_only)
    }
    assert rates == {"A1": (2, 0)}
    summary = notice_rates(user=org.users.county, notices=[notices.public, notices.doctors, notices.a1_only])
    assert summary == {notices.public.pk: (3, 1), notices.doctors.pk: (3, 0), notices.a1_only.pk: (2, 0)}
    # The township's view counts only its own doctors.
    assert notice_rates(user=org.users.township, notices=[notices.public]) == {notices.public.pk: (2, 1)}


def test_receipt_of_a_doctor_who_left_is_not_counted(org, notices):
    services.mark_read(user=org.users.doctor, notice=notices.public)
    org.users.doctor.is_active = False
    org.users.doctor.save()
    assert notice_rates(user=org.users.township, notices=[notices.public]) == {notices.public.pk: (1, 0)}


def test_receipt_pages_for_other_scopes_are_404(org, notices, client_for):
    assert (
        client_for(org.users.other_county).get(reverse("receipts:detail", args=[notices.public.pk])).status_code == 404
    )
    assert (
        client_for(org.users.other_township)
        .get(reverse("receipts:unread_export", args=[notices.a1_only.pk]))
        .status_code
        == 404
    )
    assert client_for(org.users.county).get(reverse("receipts:detail", args=[notices.draft.pk])).status_code == 404


def test_receipt_list_queries_do_not_grow(org, notices, client_for, django_assert_max_num_queries):
    from tests.cms.conftest import add_notice
    from tests.factories import make_clinic

    client = client_for(org.users.county)
    with django_assert_max_num_queries(25) as small:
        client.get(reverse("receipts:list"))
    for i in range(12):
        clinic = make_clinic(org.ta2, f"X{i}", f"新村{i}卫生室")
        user = make_user(f"docx{i}", Role.VILLAGE_DOCTOR, clinic=clinic)
        notice = add_notice(org.county_a, f"多条通知{i}", townships=[org.ta2], audience="townships")
        services.mark_read(user=user, notice=notice)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(reverse("receipts:list")).content.decode()
    assert "多条通知11" in html


def test_dashboard_tiles_show_unread(org, notices):
    from django.utils import timezone

    from cms.dashboard_tiles import doctor_tiles, staff_tiles

    tiles = doctor_tiles(user=org.users.doctor, clinic=org.ca1a, today=timezone.localdate())
    assert tiles[0].value == "3"
    services.mark_read(user=org.users.doctor, notice=notices.public)
    tiles = doctor_tiles(user=org.users.doctor, clinic=org.ca1a, today=timezone.localdate())
    assert tiles[0].value == "2"
    tile = staff_tiles(user=org.users.township, townships=[org.ta1], today=timezone.localdate())[0]
    # public: 1 of 2 read; doctors: 0 of 2; a1_only: 0 of 2 → 5 receipts missing over 3 notices.
    assert tile.value == "5" and "3" in tile.detail


def test_county_dashboard_column_is_read_rate_per_township(org, notices):
    from django.utils import timezone

    from cms.dashboard_tiles import township_columns

    make_user("doc_a2a", Role.VILLAGE_DOCTOR, clinic=org.ca2a)
    services.mark_read(user=org.users.doctor, notice=notices.public)
    services.mark_read(user=org.users.doctor, notice=notices.a1_only)
    [column] = township_columns(user=org.users.county, townships=[org.ta1, org.ta2], today=timezone.localdate())
    # A1: public 2 + doctors 2 + a1_only 2 = 6 expected, 2 read. A2: public 1 + doctors 1 = 2, 0 read.
    assert column.cells[org.ta1.pk].value == "33%" and "4" in column.cells[org.ta1.pk].detail
    assert column.cells[org.ta2.pk].value == "0%"
    assert column.total.value == "25%"
    assert township_columns(user=org.users.doctor, townships=[org.ta1], today=timezone.localdate()) == []
