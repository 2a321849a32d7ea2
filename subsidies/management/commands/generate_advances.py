import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinics.management.options import county_from_option
from core.forms import joined_messages
from subsidies.models import SubsidyPolicy
from subsidies.services import advances


class Command(BaseCommand):
    help = (
        "按县的已发布补助政策中的预拨计划，生成一个季度（按季度比例）或一个月（每月固定）的预拨款。"
        "每个县每个期间只生成一次：重复运行不会重复拨付。--json 输出批次及明细（金额为字符串）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        period = parser.add_mutually_exclusive_group(required=True)
        period.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
        period.add_argument("--month", type=int, choices=range(1, 13), metavar="1-12")
        parser.add_argument("--county", help="县编码；只有一个县时可不填")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, year, quarter, month, county, json: bool, **options):
        county_obj = county_from_option(county)
        policy = (
            SubsidyPolicy.objects.filter(county=county_obj, year=year, status=SubsidyPolicy.Status.ACTIVE)
            .exclude(advance_method=SubsidyPolicy.AdvanceMethod.NONE)
            .order_by("-pk")
            .first()
        )
        if policy is None:
            raise CommandError(f"{county_obj} 没有 {year} 年设置了预拨计划的已发布补助政策。")
        try:
            batch, created = advances.generate_advances(user=None, policy=policy, quarter=quarter, month=month)
        except ValidationError as exc:
            raise CommandError(joined_messages(exc)) from None
        if json:
            rows = [
                {
                    "clinic": a.clinic.code,
                    "name": a.clinic.name,
                    "amount": str(a.amount),
                    "paid_on": a.paid_on.isoformat(),
                }
                for a in batch.advances.select_related("clinic").order_by("clinic__code")
            ]
            self.stdout.write(
                _dumps(
                    {
                        "batch": batch.pk,
                        "title": str(batch),
                        "created": created,
                        "policy": policy.name,
                        "paid_on": batch.paid_on.isoformat(),
                        "total": str(batch.total),
                        "formula": batch.basis.get("formula", ""),
                        "advances": rows,
                    }
                )
            )
        elif created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已生成{batch}：{batch.clinic_count} 个村卫生室，合计 {batch.total} 元"
                    f"（{batch.basis.get('formula', '')}）。"
                )
            )
        else:
            self.stdout.write(
                self.style.WARNING(f"{batch}已于 {batch.created_at:%Y-%m-%d %H:%M} 生成过，没有重复拨付。")
            )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
