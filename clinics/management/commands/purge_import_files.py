from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from clinics.services import purge_old_import_files


class Command(BaseCommand):
    help = "删除超过保留期限的导入上传文件（默认 IMPORT_FILE_RETENTION_DAYS 天），建议每天运行一次。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="保留天数，默认取 IMPORT_FILE_RETENTION_DAYS")

    def handle(self, *args, days=None, **options):
        days = settings.IMPORT_FILE_RETENTION_DAYS if days is None else days
        removed = purge_old_import_files(older_than=timedelta(days=max(days, 0)))
        self.stdout.write(self.style.SUCCESS(f"已删除 {removed} 个超过 {days} 天的导入文件。"))
