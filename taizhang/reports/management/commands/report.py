"""taizhang report: write the summary report (.docx) of a campaign, optionally for one unit's subtree."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from taizhang.campaigns.selectors import campaign_get_by_code
from taizhang.reports.management.commands.metrics import org_for_command
from taizhang.reports.metrics import default_as_of
from taizhang.reports.summary import ISSUED_BEFORE_AS_OF


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} 应为日期，如 2024-01-31") from None


class Command(BaseCommand):
    help = (
        "按报告模板生成学习教育活动的总结报告（.docx，GB/T 9704 版式），全部数字取自指标目录。"
        "--org 限定为某组织及其下级组织；--date 成文日期；--appendix 附指标与记录对照表（内部使用，上报时不加）；"
        "--snapshot 同时保存报告快照（可在系统中查看数据变化）。"
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--campaign", required=True, help="学习教育活动编码，如 zt2023b2")
        parser.add_argument("--org", help="组织编码（默认：活动的组织单位）")
        parser.add_argument("--out", required=True, help="输出文件，如 report.docx")
        parser.add_argument("--as-of", help="统计日期，默认今天；活动已结束时默认其结束日。格式 2024-01-31")
        parser.add_argument(
            "--date", help="成文日期，默认今天；活动已结束时默认其结束日，且不早于统计日期。格式 2024-01-31"
        )
        parser.add_argument(
            "--appendix", action="store_true", help="附指标与记录对照表（内部使用；上报的报告不附）"
        )
        parser.add_argument("--template", help="报告模板文本文件（默认：该单位保存的模板或系统默认模板）")
        parser.add_argument("--no-charts", action="store_true", help="不附数据图示")
        parser.add_argument("--snapshot", action="store_true", help="同时保存为系统中的报告快照")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        from taizhang.reports.report_text import ReportTextError
        from taizhang.reports.summary import report_build

        campaign = campaign_get_by_code(options["campaign"])
        org = org_for_command(options.get("org"), campaign)
        as_of = _day(options.get("as_of"), "--as-of")
        issued_on = _day(options.get("date"), "--date")
        if issued_on and issued_on < (as_of or default_as_of(campaign)):
            raise CommandError(f"{ISSUED_BEFORE_AS_OF}（--date {issued_on}）")
        text = None
        if options.get("template"):
            try:
                text = Path(options["template"]).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"无法读取报告模板：{exc}") from None
        out = Path(options["out"])
        try:
            if options["snapshot"]:
                from taizhang.reports.services import report_generate

                report = report_generate(
                    campaign=campaign,
                    org=org,
                    as_of=as_of,
                    text=text,
                    issued_on=issued_on,
                    with_appendix=options["appendix"],
                    with_charts=not options["no_charts"],
                )
                with report.file.open("rb") as source:
                    out.write_bytes(source.read())
                title, note = report.title, report.fit_note
            else:
                built = report_build(
                    campaign=campaign,
                    org=org,
                    as_of=as_of,
                    text=text,
                    issued_on=issued_on,
                    with_appendix=options["appendix"],
                    with_charts=not options["no_charts"],
                )
                out.write_bytes(built.docx)
                title, note = built.title, built.fit.note
        except ReportTextError as exc:
            raise CommandError(f"报告模板有误：{exc}") from None
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc}") from None
        self.stdout.write(f"已生成《{title}》：{out}（{note}）")
