import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinics.models import County, Township
from core.forms import joined_messages
from programs.services import sampling


class Command(BaseCommand):
    help = (
        "抽取某月的核实样本（每个卫生室每个项目一份，按县的抽查规则和风险等级）。已抽取的不再重抽。"
        "--seed 可重现同一批样本；--json 输出每份样本的卫生室、项目、记录数、抽查人数、种子和序号（不含个人信息）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--month", type=int, required=True, choices=range(1, 13), metavar="1-12")
        parser.add_argument("--county", help="县编码")
        parser.add_argument("--township", help="乡镇编码")
        parser.add_argument("--seed", type=int)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, year, month, county, township, seed, json: bool, **options):
        county_id = township_id = None
        if county:
            county_id = County.objects.filter(code=county).values_list("pk", flat=True).first()
            if county_id is None:
                raise CommandError(f"找不到县编码 {county}")
        if township:
            township_id = Township.objects.filter(code=township).values_list("pk", flat=True).first()
            if township_id is None:
                raise CommandError(f"找不到乡镇编码 {township}")
        try:
            drawn = sampling.draw_samples(
                user=None, year=year, month=month, county=county_id, township=township_id, seed=seed
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(joined_messages(exc) if isinstance(exc, ValidationError) else str(exc)) from None
        if json:
            rows = [
                {
                    "clinic": s.clinic.code,
                    "item": s.item.code,
                    "year": s.year,
                    "month": s.month,
                    "record_count": s.record_count,
                    "size": s.size,
                    "risk_band": s.risk_band,
                    "seed": s.seed,
                    "positions": list(s.entries.filter(reserve=False).values_list("position", flat=True)),
                    "reserve_positions": list(s.entries.filter(reserve=True).values_list("position", flat=True)),
                }
                for s in drawn
            ]
            self.stdout.write(json_module_dumps(rows))
            return
        for s in drawn:
            self.stdout.write(
                f"{s.clinic.code} {s.item.code} {s.year}-{s.month:02d}：{s.record_count} 条记录，抽 {s.size} 人，种子 {s.seed}"
            )
        self.stdout.write(f"共抽取 {len(drawn)} 份样本。")


def json_module_dumps(rows) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2)
