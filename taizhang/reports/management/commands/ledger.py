"""taizhang ledger: write one of the ledgers (.xlsx) of a campaign, optionally for one unit's subtree."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from taizhang.campaigns.selectors import campaign_get_by_code
from taizhang.reports.ledgers import KINDS, ledger_write
from taizhang.reports.management.commands.metrics import org_for_command


class Command(BaseCommand):
    help = (
        "导出台账（.xlsx）：problems 问题整改台账（每条整改措施一行）、study 学习台账、matters 办实事台账、"
        "institutions 制度清单。--org 限定为某组织及其下级组织。"
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("kind", choices=sorted(KINDS), help="台账种类")
        parser.add_argument("--campaign", required=True, help="学习教育活动编码，如 zt2023b2")
        parser.add_argument("--org", help="组织编码（默认：活动的组织单位）")
        parser.add_argument("--out", required=True, help="输出文件，如 problems.xlsx")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        from taizhang.reports.services import export_audit

        campaign = campaign_get_by_code(options["campaign"])
        org = org_for_command(options.get("org"), campaign)
        try:
            rows = ledger_write(options["kind"], campaign=campaign, org=org, out=options["out"])
        except OSError as exc:
            raise CommandError(f"无法写入 {options['out']}：{exc}") from None
        export_audit(kind=options["kind"], campaign=campaign, org=org or campaign.org, rows=rows)
        self.stdout.write(f"已导出{KINDS[options['kind']].title} {rows} 行：{options['out']}")
