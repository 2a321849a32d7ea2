import json

from django.core.management.base import BaseCommand, CommandError

from subsidies.models import SubsidyPolicy
from subsidies.selectors.policy_check import policy_warnings


class Command(BaseCommand):
    help = (
        "政策检查：列出按该政策有申报数却不计补助的项目（没有单价、工分为 0、没有任务数）。"
        "有提醒时退出码为 2，便于在结算前的脚本中使用。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--policy", type=int, required=True, help="补助政策编号")
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4], help="季度；不填为全年")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, policy: int, quarter: int | None, **options):
        chosen = SubsidyPolicy.objects.select_related("county").filter(pk=policy).first()
        if chosen is None:
            raise CommandError(f"找不到编号为 {policy} 的补助政策。")
        warnings = policy_warnings(policy=chosen, quarter=quarter)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "policy": chosen.pk,
                        "year": chosen.year,
                        "quarter": quarter,
                        "warnings": [{**w.as_dict(), "message": w.message} for w in warnings],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        elif not warnings:
            self.stdout.write(self.style.SUCCESS(f"{chosen}：没有发现问题。"))
        else:
            for warning in warnings:
                self.stdout.write(self.style.WARNING(warning.message))
        if warnings:
            raise SystemExit(2)
