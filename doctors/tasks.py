"""Delivery of the outbox (django-tasks, run by ``manage.py db_worker``; inline in tests).

``deliver_outbox`` sends the e-mail and SMS rows of a reminder. A row that fails stays ``failed`` with its error;
where the task backend can run a task later (the database backend of ``make run`` and production), the same task is
queued again after ``OUTBOX_RETRY_MINUTES`` (doubling each time) until ``OUTBOX_MAX_ATTEMPTS``. ``manage.py
send_outbox`` (cron) retries whatever is due as well, so a stopped worker loses nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django_tasks import default_task_backend, task

from doctors import selectors, services
from doctors.models import OutboxMessage


@task()
def deliver_outbox(message_ids: list[int]) -> None:
    again = []
    for message_id in message_ids:
        message = services.deliver_message(message_id=message_id)
        if (
            message is not None
            and message.status == OutboxMessage.Status.FAILED
            and message.attempts < settings.OUTBOX_MAX_ATTEMPTS
        ):
            again.append(message)
    if again and default_task_backend.supports_defer:
        wait = min(selectors.retry_delay(m.attempts) for m in again)
        deliver_outbox.using(run_after=timezone.now() + wait).enqueue([m.pk for m in again])


def queue_delivery(messages: list[OutboxMessage]) -> None:
    """Hand a reminder's e-mail and SMS rows to the worker (after the reminder's transaction committed)."""
    ids = [m.pk for m in messages if m.status == OutboxMessage.Status.QUEUED]
    if ids:
        deliver_outbox.enqueue(ids)
