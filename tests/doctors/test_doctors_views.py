"""Admin and portal pages, reminders, and Excel import/export of the doctors feature."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core import dataio
from doctors import services
from doctors.models import Licence, LicenceReminder, RenewalApplication, TrainingAttendance, VillageDoctor
from tests.doctors.helpers import eligible_doctor, id_number, make_doctor, make_licence, make_session


@pytest.fixture
def today():
    return timezone.localdate()


def test_portal_apply_then_township_and_county_through_the_pages(org, client_for, today):
    _doctor, licence = eligible_doctor(org.ca1a, user=org.users.doctor, today=today, expires_in=30)
    doctor_client = client_for(org.users.doctor)
    page = doctor_client.get(reverse("portal_doctors:licence")).content.decode()
    assert licence.number in page and "申请再注册" in page and "可以执业" in page
    response = doctor_client.post(reverse("portal_doctors:apply"), {"note": "按期申请"})
    assert response.status_code == 302
    application = RenewalApplication.objects.get()
    detail = reverse("doctors:renewal", args=[application.pk])
    staff = client_for(org.users.township)
    assert "符合再注册条件" in staff.get(detail).content.decode()
    assert staff.post(detail, {"action": "forward", "note": ""}).status_code == 302
    county = client_for(org.users.county)
    page = county.get(detail).content.decode()
    assert "还剩 15 天" in page
    assert county.post(detail, {"action": "approve", "note": "", "new_number": "QS-2031-00001"}).status_code == 302
    page = doctor_client.get(reverse("portal_doctors:licence")).content.decode()
    assert "QS-2031-00001" in page and "已批准" in page


def test_portal_apply_outside_window_shows_chinese_error_and_writes_nothing(org, client_for, today):
    doctor = make_doctor(org.ca1a, user=org.users.doctor)
    make_licence(doctor, today=today, expires_in=200)
    response = client_for(org.users.doctor).post(reverse("portal_doctors:apply"), {"note": ""})
    assert response.status_code == 400 and "起受理" in response.content.decode()
    assert not RenewalApplication.objects.exists()


def test_portal_without_record_explains(org, client_for):
    page = client_for(org.users.doctor).get(reverse("portal_doctors:licence")).content.decode()
    assert "未在乡村医生名册中登记，请联系乡镇卫生院" in page


def test_refuse_without_reason_shows_field_error(org, client_for, today):
    _doctor, licence = eligible_doctor(org.ca1a, user=org.users.doctor, today=today, expires_in=30)
    application = services.apply_for_renewal(licence=licence, user=org.users.doctor, on=today)
    services.township_review(application=application, user=org.users.township, forward=True, on=today)
    response = client_for(org.users.county).post(
        reverse("doctors:renewal", args=[application.pk]), {"action": "refuse", "note": ""}
    )
    assert response.status_code == 400 and "不予批准时必须填写原因" in response.content.decode()
    application.refresh_from_db()
    assert application.status == RenewalApplication.Status.FORWARDED


def test_other_county_cannot_even_see_the_application(org, client_for, today):
    _doctor, licence = eligible_doctor(org.ca1a, user=org.users.doctor, today=today, expires_in=30)
    application = services.apply_for_renewal(licence=licence, user=org.users.doctor, on=today)
    response = client_for(org.users.other_county).post(
        reverse("doctors:renewal", args=[application.pk]), {"action": "approve"}
    )
    assert response.status_code == 404


def test_worklist_lists_and_query_count(org, client_for, today, django_assert_max_num_queries):
    def build(n):
        for i in range(n):
            doctor = make_doctor(org.ca1a if i % 2 else org.ca1b, name=f"医生{i}")
            make_licence(doctor, today=today, expires_in=[10, 80, -5, 400][i % 4])

    client = client_for(org.users.township)
    build(4)
    with django_assert_max_num_queries(30):
        small = client.get(reverse("doctors:worklist"))
    build(40)
    with django_assert_max_num_queries(30):
        large = client.get(reverse("doctors:worklist"))
    assert small.status_code == large.status_code == 200
    page = large.content.decode()
    assert "90 天内到期" in page and "医生0" in page and "已过期（不能上报服务）" in page


def test_doctor_list_masks_id_numbers_and_is_bounded(org, client_for, django_assert_max_num_queries):
    for i in range(3):
        make_doctor(org.ca1a, name=f"甲{i}")
    client = client_for(org.users.township)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("villagedoctor:index")).content.decode()
    doctor = VillageDoctor.objects.first()
    assert doctor.id_number not in page and doctor.masked_id_number in page
    for i in range(30):
        make_doctor(org.ca1b, name=f"乙{i}")
    with django_assert_max_num_queries(40):
        assert client.get(reverse("villagedoctor:index")).status_code == 200


def test_admin_create_doctor_with_bad_id_and_mobile_shows_chinese_errors(org, client_for):
    response = client_for(org.users.township).post(
        reverse("villagedoctor:add"),
        {
            "name": "李秀英",
            "gender": "F",
            "birth_date": "1980-05-17",
            "id_number": "410102198005171231",
            "mobile": "12345",
            "clinic": org.ca1a.pk,
            "qualification": "village",
            "status": "practising",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "校验位不正确" in page and "手机号应为 11 位" in page
    assert not VillageDoctor.objects.exists()


def test_admin_edit_clinic_records_a_move(org, client_for):
    doctor = make_doctor(org.ca1a, user=org.users.doctor)
    response = client_for(org.users.township).post(
        reverse("villagedoctor:edit", args=[doctor.pk]),
        {
            "name": doctor.name,
            "gender": doctor.gender,
            "birth_date": doctor.birth_date.isoformat(),
            "id_number": doctor.id_number,
            "mobile": doctor.mobile,
            "email": "",
            "clinic": org.ca1b.pk,
            "qualification": "village",
            "status": "practising",
        },
    )
    assert response.status_code == 302
    doctor.refresh_from_db()
    assert doctor.clinic == org.ca1b and doctor.moves.count() == 1
    org.users.doctor.scope.refresh_from_db()
    assert org.users.doctor.scope.clinic == org.ca1b


def test_admin_attendance_for_doctor_of_another_township_is_refused(org, client_for):
    far = make_doctor(org.ca2a)
    session = make_session(org.county_a, date(2026, 3, 1))
    response = client_for(org.users.township).post(
        reverse("trainingattendance:add"),
        {"session": session.pk, "doctor": far.pk, "attended": "on", "written_score": "80"},
    )
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not TrainingAttendance.objects.exists()


def test_reminders_at_90_30_7_days_once_each(org):
    org.users.township.email = "a1@example.com"
    org.users.township.save()
    doctor = make_doctor(org.ca1a, user=org.users.doctor, email="doc@example.com")
    licence = make_licence(doctor, issued_on=date(2021, 6, 1))  # expires 2026-05-31
    expires = licence.expires_on
    call_command("licence_reminders", "--date", (expires - timedelta(days=91)).isoformat())
    assert not LicenceReminder.objects.exists()
    for days in (90, 89, 30, 7, 7):
        call_command("licence_reminders", "--date", (expires - timedelta(days=days)).isoformat())
    assert sorted(LicenceReminder.objects.values_list("days_before", flat=True)) == [7, 30, 90]
    assert len(mail.outbox) == 3 and set(mail.outbox[0].to) == {"doc@example.com", "a1@example.com"}
    assert "执业证书到期提醒" in mail.outbox[0].subject
    call_command("licence_reminders", "--date", (expires + timedelta(days=1)).isoformat())
    licence.refresh_from_db()
    assert licence.status == Licence.Status.EXPIRED


def test_reminders_catch_up_after_missed_days(org):
    doctor = make_doctor(org.ca1a)
    licence = make_licence(doctor, issued_on=date(2021, 6, 1))
    call_command("licence_reminders", "--date", (licence.expires_on - timedelta(days=20)).isoformat())
    assert list(LicenceReminder.objects.values_list("days_before", flat=True)) == [30]


def _csv(rows):
    return "\n".join(",".join(r) for r in rows).encode("utf-8")


def test_import_doctors_all_or_nothing_with_chinese_row_errors(org):
    good = id_number(date(1975, 3, 9), male=True)
    data = _csv(
        [
            ["姓名", "性别", "出生日期", "身份证号", "手机号", "卫生室编码"],
            ["刘德明", "男", "1975-03-09", good, "13912345678", "A1a"],
            ["陈红霞", "女", "1981-01-01", "410102198101011234", "13912345678", "A1a"],
            ["周玉兰", "女", "1982-02-02", id_number(date(1982, 2, 2), male=False), "1391234", "B1a"],
        ]
    )
    report = dataio.run_import(resource_name="doctors", data=data, filename="d.csv", user=org.users.township)
    assert not report.ok and not VillageDoctor.objects.exists()
    lines = "\n".join(report.error_lines())
    assert "第 3 行，“身份证号”列" in lines and "第 4 行，“手机号”列" in lines and "第 4 行，“卫生室编码”列" in lines
    ok = dataio.run_import(
        resource_name="doctors",
        data=_csv(
            [
                ["姓名", "性别", "出生日期", "身份证号", "手机号", "卫生室编码"],
                ["刘德明", "男", "1975-03-09", good, "13912345678", "A1a"],
            ]
        ),
        filename="d.csv",
        user=org.users.township,
    )
    assert ok.ok and ok.committed and VillageDoctor.objects.get().clinic == org.ca1a


def test_import_licences_duplicate_number_and_expiry_before_issue(org):
    doctor = make_doctor(org.ca1a)
    make_licence(doctor, issued_on=date(2020, 1, 1), number="QS-1")
    data = _csv(
        [
            ["证书编号", "身份证号", "发证日期", "有效期至"],
            ["QS-1", doctor.id_number, "2021-01-01", ""],
            ["QS-2", doctor.id_number, "2021-01-01", "2020-01-01"],
            ["QS-3", doctor.id_number, "2024-02-29", ""],
        ]
    )
    report = dataio.run_import(resource_name="licences", data=data, filename="l.csv", user=org.users.township)
    lines = "\n".join(report.error_lines())
    assert (
        "第 2 行" in lines and "证书编号已存在" in lines and "第 3 行" in lines and "有效期至必须晚于发证日期" in lines
    )
    assert Licence.objects.count() == 1
    report = dataio.run_import(
        resource_name="licences",
        data=_csv([["证书编号", "身份证号", "发证日期"], ["QS-3", doctor.id_number, "2024-02-29"]]),
        filename="l.csv",
        user=org.users.township,
    )
    assert report.ok and Licence.objects.get(number="QS-3").expires_on == date(2029, 2, 28)


def test_import_attendance_outside_township_is_refused(org):
    far = make_doctor(org.ca2a)
    mine = make_doctor(org.ca1a, name="本乡")
    session = make_session(org.county_a, date(2026, 3, 1), code="PX-1")
    data = _csv(
        [
            ["培训编号", "身份证号", "出勤", "笔试成绩", "口试成绩"],
            ["PX-1", mine.id_number, "是", "88", "90"],
            ["PX-1", far.id_number, "是", "80", "80"],
        ]
    )
    report = dataio.run_import(
        resource_name="training_attendance", data=data, filename="a.csv", user=org.users.township
    )
    assert not report.ok and "第 3 行，“身份证号”列" in "\n".join(report.error_lines())
    assert not TrainingAttendance.objects.exists()
    data = _csv(
        [["培训编号", "身份证号", "出勤", "笔试成绩", "口试成绩"], ["PX-1", mine.id_number, "是", "88", "90.5"]]
    )
    assert dataio.run_import(
        resource_name="training_attendance", data=data, filename="a.csv", user=org.users.township
    ).ok
    assert TrainingAttendance.objects.get(session=session).oral_score == 90.5


def test_exports_are_scoped(org):
    make_licence(make_doctor(org.ca1a, name="甲医生"), issued_on=date(2022, 1, 1))
    make_licence(make_doctor(org.cb1a, name="乙医生"), issued_on=date(2022, 1, 1))
    for resource in ("doctors", "licences"):
        text = dataio.export_bytes(resource_name=resource, fmt="csv", user=org.users.township).decode("utf-8-sig")
        assert "甲医生" in text and "乙医生" not in text


def test_licence_list_offers_renewal_and_cancel_to_the_right_people(org, client_for, today):
    doctor = make_doctor(org.ca1a)
    licence = make_licence(doctor, today=today, expires_in=30)
    township_page = client_for(org.users.township).get(reverse("licence:index")).content.decode()
    assert reverse("doctors:apply", args=[licence.pk]) in township_page
    assert reverse("doctors:cancel", args=[licence.pk]) not in township_page
    county = client_for(org.users.county)
    assert reverse("doctors:cancel", args=[licence.pk]) in county.get(reverse("licence:index")).content.decode()
    response = county.post(reverse("doctors:cancel", args=[licence.pk]), {"reason": "death", "note": "病故"})
    assert response.status_code == 302
    licence.refresh_from_db()
    doctor.refresh_from_db()
    assert licence.status == Licence.Status.CANCELLED and doctor.status == VillageDoctor.Status.DEREGISTERED
    response = county.post(reverse("doctors:cancel", args=[licence.pk]), {"reason": "death"})
    assert response.status_code == 400 and "已注销" in response.content.decode()


@pytest.mark.parametrize(
    "url_name", ["doctors:renewals", "doctors:training", "licence:index", "trainingattendance:index"]
)
def test_lists_use_bounded_queries(org, client_for, today, url_name, django_assert_max_num_queries):
    client = client_for(org.users.county)
    session = make_session(org.county_a, today - timedelta(days=20))

    def build(n, start):
        for i in range(start, start + n):
            doctor = make_doctor(org.ca1a if i % 2 else org.ca2a, name=f"医生{i}")
            licence = make_licence(doctor, today=today, expires_in=30 + i)
            services.record_attendance(session=session, doctor=doctor, user=None, written_score=80)
            services.apply_for_renewal(licence=licence, user=None, on=today)

    build(2, 0)
    with django_assert_max_num_queries(40):
        small = client.get(reverse(url_name))
    build(25, 2)
    with django_assert_max_num_queries(40):
        large = client.get(reverse(url_name))
    assert small.status_code == large.status_code == 200
    page = large.content.decode()
    assert "医生26" in page or (url_name == "trainingattendance:index" and "医生1" in page)


def test_worklist_shows_reminder_addresses_whole_only_to_the_clinics_own_township(org, client_for, today):
    doctor = make_doctor(org.ca1a, user=org.users.doctor, email="zhangjianguo@example.com")
    licence = make_licence(doctor, today=today, expires_in=30)
    LicenceReminder.objects.create(
        licence=licence, days_before=30, sent_on=today, emailed_to="zhangjianguo@example.com, a1@example.com"
    )
    own = client_for(org.users.township).get(reverse("doctors:worklist")).content.decode()
    assert "zhangjianguo@example.com, a1@example.com" in own
    county = client_for(org.users.county).get(reverse("doctors:worklist")).content.decode()
    assert "z***@example.com, a***@example.com" in county and "zhangjianguo" not in county
