"""提醒 on a notice's unread list: the doctor who has not read gets a portal message (and e-mail / SMS where they
have an address), recorded in the outbox; a doctor who has read is not reminded; no second reminder soon."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cms import services
from doctors.models import OutboxMessage, PortalMessage

pytestmark = pytest.mark.django_db


def shown(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_unread_doctor_is_reminded_once(org, notices, client_for):
    url = reverse("receipts:detail", args=[notices.doctors.pk])
    staff = client_for(org.users.township)
    body = staff.get(url).content.decode()
    assert "全部提醒（2 位村医）" in body and 'data-testid="remind-unread"' in body
    response = staff.post(url, {"doctor": org.users.doctor.pk})
    assert response.status_code == 302 and "已提醒 1 位村医" in shown(response)[0]
    message = PortalMessage.objects.get(user=org.users.doctor)
    assert message.title == "请阅读通知：慢病管理培训通知" and message.link.endswith(f"/{notices.doctors.pk}/")
    assert OutboxMessage.objects.filter(user=org.users.doctor, channel="portal", status="sent").count() == 1
    home = client_for(org.users.doctor).get(reverse("portal:home")).content.decode()
    assert "请阅读通知：慢病管理培训通知" in home
    again = client_for(org.users.township).post(url, {"doctor": org.users.doctor.pk})
    assert "不再重复提醒" in shown(again)[0]
    assert PortalMessage.objects.filter(user=org.users.doctor).count() == 1


def test_remind_all_skips_those_who_read(org, notices, client_for):
    services.mark_read(user=org.users.doctor, notice=notices.doctors)
    url = reverse("receipts:detail", args=[notices.doctors.pk])
    response = client_for(org.users.township).post(url, {"remind_all": ""})
    assert "已提醒 1 位村医" in shown(response)[0]
    assert list(PortalMessage.objects.values_list("user__username", flat=True)) == ["doc_a1b"]


def test_a_doctor_outside_the_unread_list_is_refused(org, notices, client_for):
    url = reverse("receipts:detail", args=[notices.doctors.pk])
    response = client_for(org.users.township).post(url, {"doctor": org.users.far_doctor.pk})
    assert "不在未读名单中" in shown(response)[0]
    editor = client_for(org.users.editor).post(url, {"doctor": org.users.doctor.pk})
    assert editor.status_code == 302 and editor["Location"] == "/admin/"  # Wagtail's way of refusing
    assert not PortalMessage.objects.exists()
