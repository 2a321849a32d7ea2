"""The outbox's delivery: the worker task queues itself again, later, for a failed message (where the task backend
can defer), and gives up after OUTBOX_MAX_ATTEMPTS; a doctor's '知道了' marks the message read."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from doctors import services
from doctors.models import OutboxMessage, PortalMessage
from doctors.tasks import deliver_outbox
from tests.doctors.helpers import make_doctor


def _sms(org):
    make_doctor(org.ca1b, user=org.users.other_doctor, name="李秀英")
    rows = services.send_reminder(
        user=org.users.township, clinic=org.ca1b, topic="report:2026-03", subject="请上报2026年3月月报", text="请上报"
    )
    return next(r for r in rows if r.channel == "sms")


def _deliveries():
    """The deliver_outbox tasks queued (saving a model queues Wagtail's reference-index tasks too)."""
    return [r for r in default_task_backend.results if r.task.module_path == deliver_outbox.module_path]


def test_a_failed_message_is_queued_again_later_until_the_last_attempt(org, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.SMS_BACKEND = "tests.doctors.sms_backends.FailingSmsBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    sms = _sms(org)
    deliver_outbox.call([sms.pk])
    sms.refresh_from_db()
    assert sms.status == "failed" and sms.attempts == 1
    (again,) = _deliveries()
    assert again.args == [[sms.pk]] and again.task.run_after > timezone.now() + timedelta(minutes=9)
    deliver_outbox.call([sms.pk])  # the second and last attempt: not queued again
    sms.refresh_from_db()
    assert sms.attempts == 2 and len(_deliveries()) == 1


def test_got_it_marks_the_message_read(org, client_for):
    _sms(org)
    message = PortalMessage.objects.get(user=org.users.other_doctor)
    client = client_for(org.users.other_doctor)
    assert "您有 1 条提醒未读" in client.get(reverse("portal_messages:inbox")).content.decode()
    response = client.post(reverse("portal_messages:inbox"), {"message": message.pk})
    assert response.status_code == 302 and response["Location"] == reverse("portal_messages:inbox")
    message.refresh_from_db()
    assert message.read_at is not None
    assert "提醒都已读完" in client.get(reverse("portal_messages:inbox")).content.decode()
    other = client_for(org.users.doctor).post(reverse("portal_messages:inbox"), {"message": message.pk})
    assert other.status_code == 302 and OutboxMessage.objects.filter(channel="portal").count() == 1
