import importlib
import pkgutil

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.signal_handlers import disable_reference_index_auto_update

from clinics.demo import seed_organisation
from clinics.models import County


def demo_modules():
    """Each app's ``demo_*.py`` modules (sorted by name), in INSTALLED_APPS order; each has ``seed(ctx)``."""
    for config in apps.get_app_configs():
        if not config.path.startswith(str(settings.BASE_DIR)):
            continue
        names = sorted(m.name for m in pkgutil.iter_modules([config.path]) if m.name.startswith("demo_"))
        for name in names:
            yield importlib.import_module(f"{config.name}.{name}")


class Command(BaseCommand):
    help = "创建一个演示县的数据（乡镇、村卫生室、各角色用户）。同样的参数总是得到同样的数据。"

    def add_arguments(self, parser):
        parser.add_argument("--townships", type=int, default=6)
        parser.add_argument("--clinics-per-township", type=int, default=8)
        parser.add_argument("--year", type=int, default=timezone.localdate().year)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="已有演示数据时什么也不做（make run 使用）")
        parser.add_argument("--logins", action="store_true", help="只列出演示账号（make run 在启动网站前使用）")

    def handle(self, *args, townships, clinics_per_township, year, seed, if_empty, logins, **options):
        if logins:
            self.print_logins(None)
            return
        if County.objects.filter(code="DEMO").exists():
            if if_empty:
                self.stdout.write("演示数据已存在，跳过。")
                self.print_logins(None)
                return
            raise CommandError("演示县（编码 DEMO）已存在。请先清空数据库再生成。")
        if townships < 1 or clinics_per_township < 1:
            raise CommandError("--townships 和 --clinics-per-township 至少为 1。")
        # Every saved object would otherwise queue one Wagtail reference-index task (thousands for a county),
        # which the background worker then drains for minutes while holding SQLite's write lock again and again.
        # The index is built once, in one pass, at the end.
        with transaction.atomic(), disable_reference_index_auto_update():
            ctx = seed_organisation(
                townships=townships, clinics_per_township=clinics_per_township, year=year, seed=seed, stdout=self.stdout
            )
            for module in demo_modules():
                module.seed(ctx)
        call_command("rebuild_references_index", verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成演示数据：{ctx.county.name}，{townships} 个乡镇，{townships * clinics_per_township} 个村卫生室，{year} 年度。"
            )
        )
        self.print_logins(ctx)

    def print_logins(self, ctx):
        self.stdout.write(f"演示账号（密码均为 {settings.DEMO_PASSWORD}）：")
        logins = (
            ctx.logins
            if ctx
            else [
                ("系统管理员（超级用户）", "admin", "全部"),
                ("卫健局管理员", "county", "青山县"),
                ("宣传编辑", "editor", "青山县"),
                ("市卫健委（只读）", "city", "示范市"),
                ("省卫健委（只读）", "province", "示范省"),
                ("卫生院工作人员", "staff01", "第 1 个乡镇"),
                ("村医", "doc001", "第 1 个村卫生室"),
            ]
        )
        for role, username, place in logins:
            self.stdout.write(f"  {role:<14} {username:<10} {place}")
        self.stdout.write("登录地址：http://127.0.0.1:8000/accounts/login/ （工作人员后台：/admin/）")
