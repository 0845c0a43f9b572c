"""taizhang plan_match: compare every study plan with what was recorded (run daily after `taizhang lights`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from taizhang.campaigns.selectors import campaign_get_by_code
from taizhang.plans.services import plans_match_all


class Command(BaseCommand):
    help = (
        "将各级学习计划与已记录的学习活动、个人自学逐项比对，更新“已开展/未开展”。"
        "学习活动补录后运行一次即可；建议与 taizhang lights 一起每天运行。"
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--campaign", help="只比对这项学习教育（编码，如 zt2023b2）的学习计划")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        campaign = campaign_get_by_code(options["campaign"]) if options.get("campaign") else None
        changed = plans_match_all(campaign=campaign)
        self.stdout.write(f"已比对学习计划，{changed} 份计划的对应关系有变化")
