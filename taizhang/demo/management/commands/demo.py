"""taizhang demo: load the demo organization, campaign and records, then print the demo logins."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from taizhang.demo.bureau.accounts import DEMO_LOGINS
from taizhang.demo.city import CITY_LOGINS, city_load
from taizhang.demo.loader import DEMO_PASSWORD, demo_load, holds_foreign_data


class Command(BaseCommand):
    help = (
        "加载演示数据（局党委、6个党支部、约120名党员、2023年第二批主题教育及其记录）并打印演示账号。"
        "可重复运行：已加载的部分不会重复加载。数据库中已有非演示数据时拒绝运行，除非加 --force。"
        " Loads the demo data; idempotent; refuses to touch a database holding real data without --force."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--size",
            choices=["bureau", "city"],
            default="bureau",
            help="bureau: one bureau (default); city: the large city-scale dataset",
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="city only: a fraction of the full size (0.01 builds a hundredth, for tests)",
        )
        parser.add_argument(
            "--force", action="store_true", help="load even though the database holds other data"
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        if holds_foreign_data() and not options["force"]:
            raise CommandError("数据库中已有非演示数据，为防止混入演示数据已停止。确需加载请加 --force。")
        size = options["size"]
        if size == "city":
            scale = options["scale"]
            if not 0 < scale <= 1:
                raise CommandError("--scale 须大于 0 且不大于 1")
            try:
                loaded = city_load(scale=scale, out=self.stdout)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            if not loaded:
                self.stdout.write("城市规模演示数据已加载，无需重复加载。")
            self.print_logins(tuple((u, d) for u, _, d in CITY_LOGINS))
            return
        else:
            loaded = demo_load(size=size, out=self.stdout)
            if not loaded:
                self.stdout.write("演示数据已全部加载，无需重复加载。")
        self.print_logins()

    def print_logins(self, logins: tuple[tuple[str, str], ...] | None = None) -> None:
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, description in logins or DEMO_LOGINS:
            self.stdout.write(f"  {username:<14} {description}")
        self.stdout.write("打开 http://127.0.0.1:8000/ 登录。")
