from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import dataio


class Command(BaseCommand):
    help = "把数据导出为 .xlsx 或 .csv（按扩展名），列名为中文，可直接作为导入模板。"

    def add_arguments(self, parser):
        parser.add_argument("resource", help="数据类型，如 clinics、townships")
        parser.add_argument("--out", required=True, help="输出文件，.xlsx 或 .csv")

    def handle(self, resource, out, **options):
        path = Path(out)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError("输出文件的扩展名必须是 .xlsx 或 .csv。")
        try:
            content = dataio.export_bytes(resource_name=resource, fmt=fmt)
        except dataio.ImportFileError as exc:
            raise CommandError(str(exc)) from None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"已导出到 {path}"))
