"""Daily licence reminders. Cron (every day at 07:00):

    0 7 * * *  cd /srv/clinics && .venv/bin/python manage.py licence_reminders >> /var/log/clinics/reminders.log 2>&1

Marks licences past their expiry as expired, then reminds each doctor and their township 90, 30 and
7 days before expiry (once per threshold; e-mail where an address exists; always shown in the
doctor's portal and on the admin's 证书工作台).
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from doctors import services


class Command(BaseCommand):
    help = "每天运行：标记已过期的执业证书，并在到期前 90、30、7 天提醒医生和乡镇卫生院。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按指定日期运行（YYYY-MM-DD），默认今天")

    def handle(self, *args, date=None, **options):
        on = timezone.localdate()
        if date:
            try:
                on = _parse(date)
            except ValueError:
                raise CommandError(f"日期“{date}”无效，请按 2026-01-31 的格式填写。") from None
        expired = services.expire_lapsed_licences(on=on)
        sent = services.send_licence_reminders(on=on)
        for reminder in sent:
            licence = reminder.licence
            self.stdout.write(
                f"  {licence.doctor.name} {licence.number} 到期 {licence.expires_on}（{reminder.days_before} 天提醒）"
                + (f" 邮件：{reminder.emailed_to}" if reminder.emailed_to else "")
            )
        self.stdout.write(self.style.SUCCESS(f"{on}：发出 {len(sent)} 条到期提醒，{expired} 本证书标记为已过期。"))


def _parse(text: str) -> date:
    return date.fromisoformat(text.strip())
