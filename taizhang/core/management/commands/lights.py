"""taizhang lights: bring every open item's recorded light up to date (run daily, e.g. from cron at 00:10)."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand

from taizhang.core.lights import LitModel, lights_refresh


def lit_models() -> list[type[LitModel]]:
    return [m for m in apps.get_models() if issubclass(m, LitModel)]


class Command(BaseCommand):
    help = (
        "刷新所有带红黄绿灯的事项（工作任务、问题、整改措施、办实事）的灯色；灯色变化记入动态，"
        "以便历史上的红灯月份仍可查。建议每天运行一次。"
    )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        total = 0
        for model in lit_models():
            changed = lights_refresh(model)
            total += changed
            self.stdout.write(f"{model._meta.verbose_name}: {changed} 项灯色变化")
        self.stdout.write(f"共 {total} 项灯色变化")
