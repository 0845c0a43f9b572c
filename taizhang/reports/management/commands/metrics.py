"""taizhang metrics: print every catalog figure of a campaign (optionally for one unit's subtree)."""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from taizhang.campaigns.selectors import campaign_get_by_code
from taizhang.org.models import Organization
from taizhang.reports import metrics


def org_for_command(code: str | None, campaign) -> Organization | None:  # noqa: ANN001
    """The --org unit of a command, which must sit in the campaign's subtree (None without --org)."""
    if not code:
        return None
    try:
        org = Organization.objects.get(code=code)
    except Organization.DoesNotExist:
        raise CommandError(f"没有编码为“{code}”的组织") from None
    if not org.is_under(campaign.org):
        raise CommandError(f"组织“{org.name}”不在“{campaign.name}”的组织范围内")
    return org


class Command(BaseCommand):
    help = (
        "输出学习教育活动的全部统计指标（DESIGN.md 指标目录）。--org 限定为某组织及其下级组织；"
        "--json 输出 {指标键: 数值} 的 JSON 对象，供其他工具使用。"
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--campaign", required=True, help="学习教育活动编码，如 zt2023b2")
        parser.add_argument("--org", help="组织编码（默认：活动的组织单位）")
        parser.add_argument("--json", action="store_true", help="输出 JSON")
        parser.add_argument(
            "--as-of",
            help="统计日期（超期、静默类指标按该日判断），默认今天；活动已结束时默认其结束日。格式 2024-01-31",
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        campaign = campaign_get_by_code(options["campaign"])
        org = org_for_command(options.get("org"), campaign)
        as_of = None
        if options.get("as_of"):
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError("--as-of 应为日期，如 2024-01-31") from None
        values = metrics.compute(campaign, org, as_of=as_of or metrics.default_as_of(campaign))
        if options["json"]:
            self.stdout.write(json.dumps(values, ensure_ascii=False, indent=2))
            return
        scope = org.name if org else campaign.org.name
        self.stdout.write(f"{campaign.name}（{campaign.code}） · {scope}")
        for key, value in values.items():
            metric = metrics.get(key)
            shown = "—" if value is None else value
            self.stdout.write(
                f"  {metric.label:<16} {shown} {'' if metric.unit == '%' else metric.unit}  [{key}]"
            )
