import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from subsidies import pdf
from subsidies.models import SettlementRun
from subsidies.selectors.settlement import line_explanations


class Command(BaseCommand):
    help = "为一份结算的每个村卫生室生成 PDF 结算单。"

    def add_arguments(self, parser):
        parser.add_argument("run", type=int, help="结算编号")
        parser.add_argument("--out", required=True, help="输出目录")

    def handle(self, *args, run, out, **options):
        settlement = SettlementRun.objects.filter(pk=run).first()
        if settlement is None:
            raise CommandError(f"找不到结算 #{run}")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        lines = list(settlement.lines.select_related("run__county", "run__township", "clinic__township"))
        explanations = line_explanations(lines)
        for line in lines:
            (folder / pdf.statement_filename(line)).write_bytes(pdf.statement_pdf(line, explanations[line.pk]))
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {len(lines)} 份结算单到 {folder}（{seconds:.1f} 秒，{len(lines) / max(seconds, 0.001):.1f} 份/秒）。"
            )
        )
