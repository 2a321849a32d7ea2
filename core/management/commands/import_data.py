from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from core import dataio


class Command(BaseCommand):
    help = "从 .xlsx 或 .csv 文件导入数据（与后台导入同一套规则）。有任何一行出错则什么都不写入，退出码为 1。"

    def add_arguments(self, parser):
        parser.add_argument("resource", help="数据类型，如 clinics、townships")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument(
            "--user",
            metavar="登录名",
            help="以该用户的身份导入：只能导入其权限和辖区内的数据，变更记录记在其名下（考核分数必须指定考核人）",
        )

    def handle(self, resource, file, dry_run, user=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user, is_active=True).first()
            if importer is None:
                raise CommandError(f"找不到登录名为“{user}”的在用账号。")
        try:
            report = dataio.run_import(
                resource_name=resource, data=path.read_bytes(), filename=path.name, dry_run=dry_run, user=importer
            )
        except PermissionDenied:
            raise CommandError(f"“{user}”没有导入这类数据的权限。", returncode=1) from None
        if not report.ok:
            for line in report.error_lines():
                self.stderr.write(line)
            raise CommandError(f"导入失败：共 {len(report.errors) or 1} 处错误，没有写入任何数据。", returncode=1)
        for warning in report.warnings:
            self.stdout.write(f"提醒：{warning}")
        verb = "检查通过（未写入）" if dry_run else "导入完成"
        self.stdout.write(
            self.style.SUCCESS(f"{verb}：共 {report.total_rows} 行，新增 {report.new}，更新 {report.updated}。")
        )
