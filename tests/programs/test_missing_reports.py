"""月报未报: the list names exactly the clinics of my scope still missing a month's report; 提醒 reaches the doctor
through the portal, e-mail and SMS, each recorded in the outbox; failures are retried; no second reminder soon."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core import sms
from core.dashboard import staff_tiles
from doctors.models import OutboxMessage, PortalMessage, VillageDoctor
from programs.models import ServiceReport
from programs.selectors.missing import missing_reports
from tests.factories import make_clinic

YEAR, MONTH = 2026, 3
LIST = reverse("missing:list")


def page(client, query=f"year={YEAR}&month={MONTH}"):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return response.content.decode()


def remind(client, clinic, **extra):
    return client.post(
        f"{LIST}?year={YEAR}&month={MONTH}", {"year": YEAR, "month": MONTH, "clinic": clinic.pk, **extra}
    )


def shown(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture(autouse=True)
def _sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def test_the_list_names_exactly_the_missing_clinics(org, services, client_for):
    ServiceReport.objects.create(clinic=org.ca1a, year=YEAR, month=MONTH, status="submitted")
    ServiceReport.objects.create(clinic=org.ca2a, year=YEAR, month=MONTH, status="draft")
    township = page(client_for(org.users.township))
    assert "李家村卫生室" in township and "未填报" in township  # A1b: no report
    assert "张庄村卫生室" not in township  # reported
    assert "王营村卫生室" not in township and "赵寨村卫生室" not in township  # another township, another county
    county = page(client_for(org.users.county))
    assert "李家村卫生室" in county and "王营村卫生室" in county and "草稿未提交" in county
    assert "张庄村卫生室" not in county and "赵寨村卫生室" not in county
    only_a2 = page(client_for(org.users.county), f"year={YEAR}&month={MONTH}&township={org.ta2.pk}")
    assert "王营村卫生室" in only_a2 and "李家村卫生室" not in only_a2
    listing = missing_reports(user=org.users.county, year=YEAR, month=MONTH)
    assert [r.clinic.code for r in listing.rows] == ["A1b", "A2a"] and listing.clinics == 3


def test_returned_reports_are_listed_and_marked(org, services, client_for):
    ServiceReport.objects.create(
        clinic=org.ca1a, year=YEAR, month=MONTH, status="returned", return_comment="高血压随访数偏高"
    )
    ServiceReport.objects.create(clinic=org.ca1b, year=YEAR, month=MONTH, status="verified")
    body = page(client_for(org.users.township))
    assert "张庄村卫生室" in body and "已退回，待重新提交" in body and "高血压随访数偏高" in body
    assert "李家村卫生室" not in body
    assert "另有 1 个已被退回" in body


def test_doctors_and_phone_numbers_masked_outside_the_township(org, services, client_for):
    VillageDoctor.objects.filter(clinic=org.ca1b).update(name="李医生", mobile="13912345678")
    township = page(client_for(org.users.township))
    assert "李医生" in township and "13912345678" in township  # the staff who must call
    county = page(client_for(org.users.county))
    assert "李医生" in county and "139****5678" in county and "13912345678" not in county


def test_last_report_date_is_shown(org, services, client_for):
    earlier = ServiceReport.objects.create(clinic=org.ca1b, year=YEAR, month=1, status="verified")
    ServiceReport.objects.filter(pk=earlier.pk).update(
        submitted_at=timezone.make_aware(timezone.datetime(2026, 2, 6, 9))
    )
    body = page(client_for(org.users.township))
    assert "2026年1月" in body and "2026-02-06 提交" in body
    assert body.count("从未上报") == 1  # A1a


def test_default_month_is_last_month_and_a_bad_query_is_explained(org, services, client_for):
    client = client_for(org.users.township)
    today = timezone.localdate()
    last = (today.replace(day=1) - timedelta(days=1)).month
    assert f"{last}月" in page(client, "")
    for query in ("year=abc&month=13", "township=987654", "month=%EF%BC%91", "year=99999999999999999999"):
        assert "筛选条件无效" in page(client, query)


def test_empty_state_when_everyone_reported(org, services, client_for):
    for clinic in (org.ca1a, org.ca1b):
        ServiceReport.objects.create(clinic=clinic, year=YEAR, month=MONTH, status="submitted")
    body = page(client_for(org.users.township))
    assert "3月所有村卫生室都已上报" in body and reverse("reports:list") in body


def test_the_dashboard_tile_opens_this_list(org):
    tiles = staff_tiles(user=org.users.township, today=timezone.datetime(2026, 4, 20).date())
    missing = next(t for t in tiles if t.title == "3月月报未报")
    assert missing.url == f"{LIST}?year=2026&month=3"


def test_reminder_sends_every_channel_and_the_doctor_sees_it(
    org, services, client_for, django_capture_on_commit_callbacks
):
    VillageDoctor.objects.filter(clinic=org.ca1b).update(mobile="13912345678", email="li@example.com")
    # The reminder's e-mail and SMS go to the worker when the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = remind(client_for(org.users.township), org.ca1b)
    assert response.status_code == 302 and "已提醒 李家村卫生室" in shown(response)[0]
    rows = {m.channel: m for m in OutboxMessage.objects.filter(clinic=org.ca1b)}
    assert set(rows) == {"portal", "email", "sms"}
    assert all(m.status == "sent" and m.attempts == 1 and m.triggered_by == org.users.township for m in rows.values())
    assert rows["sms"].address == "13912345678" and sms.outbox[0][0] == "13912345678"
    assert "3月的公共卫生服务月报还没有提交" in sms.outbox[0][1] and rows["sms"].provider_id == sms.outbox[0][2]
    assert mail.outbox[-1].to == ["li@example.com"] and mail.outbox[-1].subject == "请上报2026年3月月报"
    doctor = client_for(org.users.other_doctor)
    home = doctor.get(reverse("portal:home")).content.decode()
    assert "新提醒" in home and "请上报2026年3月月报" in home
    assert "请上报2026年3月月报" not in client_for(org.users.doctor).get(reverse("portal:home")).content.decode()
    message = PortalMessage.objects.get(user=org.users.other_doctor)
    answer = doctor.post(reverse("portal_messages:inbox"), {"message": message.pk, "open": ""})
    assert answer.status_code == 302 and answer["Location"] == reverse("portal_reports:report", args=[YEAR, MONTH])
    assert "新提醒" not in doctor.get(reverse("portal:home")).content.decode()  # read: gone from the home


def test_a_second_reminder_soon_is_refused(org, services, client_for):
    client = client_for(org.users.township)
    remind(client, org.ca1b)
    count = OutboxMessage.objects.count()
    again = remind(client_for(org.users.county), org.ca1b)
    assert "24 小时内不再重复提醒" in shown(again)[0] and "staff_a1" in shown(again)[0]
    assert OutboxMessage.objects.count() == count
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(hours=25))
    remind(client, org.ca1b)
    assert OutboxMessage.objects.count() == 2 * count


def test_a_reported_clinic_or_another_townships_clinic_is_not_reminded(org, services, client_for):
    ServiceReport.objects.create(clinic=org.ca1a, year=YEAR, month=MONTH, status="submitted")
    client = client_for(org.users.township)
    assert "不用再提醒" in shown(remind(client, org.ca1a))[-1]
    assert "不在您的管辖范围内" in shown(remind(client_for(org.users.township), org.ca2a))[-1]
    assert not OutboxMessage.objects.exists()


def test_remind_all_reminds_each_missing_clinic_once(org, services, client_for):
    ServiceReport.objects.create(clinic=org.ca1b, year=YEAR, month=MONTH, status="submitted")
    response = client_for(org.users.county).post(LIST, {"year": YEAR, "month": MONTH, "remind_all": ""})
    told = shown(response)
    # A1a is reminded; A2a has no doctor to reach (named); not A1b (reported), not B1a (county B)
    assert "已提醒 1 个村卫生室" in told[0] and "王营村卫生室 没有在岗村医" in told[1] and len(told) == 2
    assert set(OutboxMessage.objects.values_list("clinic__code", flat=True)) == {"A1a"}
    again = shown(client_for(org.users.county).post(LIST, {"year": YEAR, "month": MONTH, "remind_all": ""}))
    assert len(again) == 2 and "张庄村卫生室 已于" in again[0] and "不再重复提醒" in again[0]
    assert OutboxMessage.objects.count() == 2  # A1a's portal message and SMS, once
    assert "刚提醒过" in page(client_for(org.users.county))


def test_a_failing_sms_backend_leaves_a_failed_row_that_retry_sends(
    org, services, client_for, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "tests.doctors.sms_backends.FailingSmsBackend"
    # The reminder's e-mail and SMS go to the worker when the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        remind(client_for(org.users.township), org.ca1b)
    failed = OutboxMessage.objects.get(channel="sms")
    assert failed.status == "failed" and failed.attempts == 1 and "短信服务商无响应" in failed.last_error
    assert OutboxMessage.objects.get(channel="portal").status == "sent"
    outbox = client_for(org.users.township).get(reverse("outbox:list")).content.decode()
    assert "发送失败" in outbox and "重发" in outbox
    settings.SMS_BACKEND = "core.sms.LocmemSmsBackend"
    response = client_for(org.users.township).post(reverse("outbox:list"), {"message": failed.pk})
    assert "已重发" in shown(response)[0]
    failed.refresh_from_db()
    assert failed.status == "sent" and failed.attempts == 2 and failed.last_error == "" and len(sms.outbox) == 1


def test_send_outbox_retries_what_is_due(org, services, client_for, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.doctors.sms_backends.FailingSmsBackend"
    # The reminder's e-mail and SMS go to the worker when the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        remind(client_for(org.users.township), org.ca1b)
    settings.SMS_BACKEND = "core.sms.LocmemSmsBackend"
    call_command("send_outbox")
    assert OutboxMessage.objects.get(channel="sms").status == "failed"  # its wait is not over
    OutboxMessage.objects.filter(channel="sms").update(attempted_at=timezone.now() - timedelta(minutes=11))
    call_command("send_outbox")
    assert OutboxMessage.objects.get(channel="sms").status == "sent" and len(sms.outbox) == 1


def test_outbox_is_scoped_and_masked(org, services, client_for):
    VillageDoctor.objects.filter(clinic=org.ca1b).update(mobile="13912345678", email="lixiuying@example.com")
    remind(client_for(org.users.township), org.ca1b)
    own = client_for(org.users.township).get(reverse("outbox:list")).content.decode()
    assert "13912345678" in own and "lixiuying@example.com" in own
    county = client_for(org.users.county).get(reverse("outbox:list")).content.decode()
    assert "139****5678" in county and "13912345678" not in county
    assert "l***@example.com" in county and "lixiuying" not in county
    other = client_for(org.users.other_township).get(reverse("outbox:list")).content.decode()
    assert "李家村卫生室" not in other and "发件箱是空的" in other
    failed = OutboxMessage.objects.get(channel="sms")
    OutboxMessage.objects.filter(pk=failed.pk).update(status="failed")
    refused = client_for(org.users.other_township).post(reverse("outbox:list"), {"message": failed.pk})
    assert "不在您的管辖范围内" in shown(refused)[0]


def test_the_list_reads_a_bounded_number_of_queries(org, services, client_for, django_assert_max_num_queries):
    for n in range(12):
        clinic = make_clinic(org.ta1, f"A1x{n:02d}", f"新村{n}卫生室")
        VillageDoctor.objects.create(
            name=f"医生{n}",
            gender="M",
            birth_date="1980-01-01",
            id_number=f"41010219800101{n:04d}",
            mobile="13700000000",
            clinic=clinic,
        )
    client = client_for(org.users.county)
    page(client)  # warm caches (session, permissions)
    with django_assert_max_num_queries(24):
        body = page(client)
    assert "新村11卫生室" in body and "医生11" in body
