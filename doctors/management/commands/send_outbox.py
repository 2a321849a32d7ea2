"""Retry the outbox (cron, e.g. every 10 minutes; the background worker retries too):

    */10 * * * *  cd /srv/clinics && .venv/bin/python manage.py send_outbox >> /var/log/clinics/outbox.log 2>&1

Sends the e-mail and SMS messages still queued a few minutes after their reminder (a worker that was down) and
the failed ones whose wait is over (``OUTBOX_RETRY_MINUTES``, doubling), up to ``OUTBOX_MAX_ATTEMPTS`` tries.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from doctors import selectors, services
from doctors.models import OutboxMessage


class Command(BaseCommand):
    help = "重发发件箱中待发送和发送失败的提醒（到了重试时间的）。"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="不等重试时间，所有失败的消息都立即重发")

    def handle(self, *args, all=False, **options):
        sent = failed = 0
        for message_id in selectors.outbox_due(now=timezone.now(), ignore_wait=all):
            message = services.deliver_message(message_id=message_id)
            if message is None:
                continue
            if message.status == OutboxMessage.Status.SENT:
                sent += 1
            else:
                failed += 1
                self.stdout.write(f"  #{message.pk} {message.get_channel_display()} {message.last_error}")
        self.stdout.write(self.style.SUCCESS(f"发件箱：发出 {sent} 条，仍失败 {failed} 条。"))
