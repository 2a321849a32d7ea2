import json

from django.core.management.base import BaseCommand, CommandError

from clinics.management.options import county_from_option
from clinics.models import Township
from subsidies.models import SubsidyPolicy
from subsidies.services import settlement


class Command(BaseCommand):
    help = "计算一份补助结算草稿（与后台“计算”相同）。--json 输出结算及明细（金额为字符串）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
        parser.add_argument("--township", help="乡镇编码；不填为全县")
        parser.add_argument("--county", help="县编码；只有一个县时可不填")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, year, quarter, township, county, json: bool, **options):
        township_obj = None
        if township:
            township_obj = Township.objects.filter(code=township).select_related("county").first()
            if township_obj is None:
                raise CommandError(f"找不到乡镇编码 {township}")
            county_obj = township_obj.county
        else:
            county_obj = county_from_option(county)
        policy = (
            SubsidyPolicy.objects.filter(county=county_obj, year=year).order_by("-status", "-pk").first()
        )  # "active" sorts before "draft" descending
        if policy is None:
            raise CommandError(f"{county_obj} 没有 {year} 年的补助政策。")
        run = settlement.create_run(user=None, policy=policy, year=year, quarter=quarter, township=township_obj)
        if json:
            self.stdout.write(self._as_json(run))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已生成结算草稿 #{run.pk}：{run}，{run.lines.count()} 个村卫生室，"
                    f"应拨合计 {run.total_balance} 元。"
                )
            )

    def _as_json(self, run):
        lines = [
            {
                "clinic": line.clinic.code,
                "name": line.clinic.name,
                "public_health": str(line.public_health),
                "drug_subsidy": str(line.drug_subsidy),
                "deductions": str(line.deductions),
                "advances": str(line.advances),
                "balance": str(line.balance),
            }
            for line in run.lines.select_related("clinic").order_by("clinic__code")
        ]
        return json.dumps(
            {
                "run": run.pk,
                "title": str(run),
                "year": run.year,
                "quarter": run.quarter,
                "township": run.township.code if run.township_id else None,
                "status": run.status,
                "policy": run.policy.name,
                "lines": lines,
                "totals": {
                    "public_health": str(run.total_public_health),
                    "drug": str(run.total_drug),
                    "deductions": str(run.total_deductions),
                    "advances": str(run.total_advances),
                    "balance": str(run.total_balance),
                },
            },
            ensure_ascii=False,
            indent=2,
        )
