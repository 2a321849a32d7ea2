import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinics.management.options import county_from_option
from clinics.models import County, Township
from core.forms import joined_messages
from subsidies.models import SubsidyPolicy
from subsidies.selectors.policy_check import stored_warnings
from subsidies.services import settlement


class Command(BaseCommand):
    help = "计算一份补助结算草稿（与后台“计算”相同）。--json 输出结算及明细（金额为字符串）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
        parser.add_argument("--township", help="乡镇编码；不填为全县")
        parser.add_argument("--county", help="县编码；只有一个县时可不填")
        parser.add_argument("--policy", type=int, help="补助政策编号（后台政策列表中的 ID）；不填用该县该年的现行政策")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, year, quarter, township, county, policy: int | None, json: bool, **options):
        township_obj = None
        county_obj: County | None
        if township:
            township_obj = Township.objects.filter(code=township).select_related("county").first()
            if township_obj is None:
                raise CommandError(f"找不到乡镇编码 {township}")
            county_obj = township_obj.county
        else:
            county_obj = county_from_option(county) if county or policy is None else None
        if policy is not None:
            chosen = SubsidyPolicy.objects.select_related("county").filter(pk=policy).first()
            if chosen is None:
                raise CommandError(f"找不到编号为 {policy} 的补助政策。")
            if county_obj is not None and chosen.county_id != county_obj.pk:
                raise CommandError(f"补助政策 {policy} 属于{chosen.county}，不是{county_obj}。")
        else:
            chosen = (
                SubsidyPolicy.objects.filter(county=county_obj, year=year).order_by("-status", "-pk").first()
            )  # "active" sorts before "draft" descending
            if chosen is None:
                raise CommandError(f"{county_obj} 没有 {year} 年的补助政策。")
        try:
            run = settlement.create_run(user=None, policy=chosen, year=year, quarter=quarter, township=township_obj)
        except ValidationError as exc:
            raise CommandError(joined_messages(exc)) from None
        if json:
            self.stdout.write(self._as_json(run))
        else:
            for warning in stored_warnings(run.warnings):
                self.stderr.write(self.style.WARNING(f"政策检查：{warning.message}"))
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
                "policy_id": run.policy_id,
                "warnings": [{**w.as_dict(), "message": w.message} for w in stored_warnings(run.warnings)],
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
