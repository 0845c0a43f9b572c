"""taizhang fill: fill a user's draft (.docx/.txt/.md) with a campaign's figures, showing every choice."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from taizhang.campaigns.selectors import campaign_get_by_code
from taizhang.org.models import Organization
from taizhang.reports.fill import services
from taizhang.reports.fill.documents import kind_of, read_draft
from taizhang.reports.models import FillTemplate

EXIT_UNMATCHED = 2


class Command(BaseCommand):
    help = (
        "按学习教育活动的统计指标填写文稿（.docx、.txt 或 .md）中的空格（X、XX、×、＿＿、（  ）、X%），"
        "逐个列出空格、所选指标、数值和依据，以及未能匹配的空格。输出文件与原稿格式相同；未匹配的空格在"
        " .docx 中以黄色突出显示，在 .txt/.md 中前加【未匹配】。退出状态：0 全部匹配；2 有空格未匹配"
        "（文件照常写出）；1 出错。--template 使用已保存模板中确认过的对应关系。"
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("draft", help="文稿文件（.docx、.txt、.md）")
        parser.add_argument("--campaign", required=True, help="学习教育活动编码，如 zt2023b2")
        parser.add_argument("--org", help="组织编码（默认：活动的组织单位）")
        parser.add_argument("--out", required=True, help="输出文件，扩展名与原稿相同")
        parser.add_argument("--template", type=int, help="已保存的文稿模板编号：按其确认过的对应关系填写")
        parser.add_argument("--as-of", help="统计日期（超期类指标按该日判断），默认今天，格式 2024-01-31")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出每个空格的匹配结果")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        campaign = campaign_get_by_code(options["campaign"])
        org = campaign.org
        if options.get("org"):
            try:
                org = Organization.objects.get(code=options["org"])
            except Organization.DoesNotExist:
                raise CommandError(f"没有编码为“{options['org']}”的组织") from None
        try:
            services.check_org_in_campaign(campaign, org)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        as_of = None
        if options.get("as_of"):
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError("--as-of 应为日期，如 2024-01-31") from None

        source = Path(options["draft"])
        out = Path(options["out"])
        if not source.is_file():
            raise CommandError(f"找不到文稿文件 {source}")
        if kind_of(source.name) is None:
            raise CommandError(f"{source.name}：只能填写 .docx、.txt 或 .md 文稿")
        if kind_of(out.name) != kind_of(source.name):
            raise CommandError(f"输出文件应与原稿格式相同（{source.suffix}）")
        try:
            draft = read_draft(source.read_bytes(), name=source.name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

        rows = services.draft_rows(draft)
        if options.get("template"):
            try:
                template = FillTemplate.objects.get(pk=options["template"])
            except FillTemplate.DoesNotExist:
                raise CommandError(f"没有编号为 {options['template']} 的文稿模板") from None
            rows = services.rows_apply_mapping(rows, template.mapping)
        values = services.values_for(campaign, org, as_of=as_of)
        out.write_bytes(services.draft_render(draft, rows, values))
        shown = services.rows_with_values(rows, values)

        if options["json"]:
            self.stdout.write(json.dumps(self._as_json(shown), ensure_ascii=False, indent=2))
        else:
            self._print(draft, shown, campaign, org, out)
        unmatched = [r for r in shown if not r["matched"]]
        if unmatched:
            raise CommandError(f"{len(unmatched)} 个空格未匹配，已在 {out} 中标出", returncode=EXIT_UNMATCHED)

    def _as_json(self, rows: list[dict]) -> list[dict]:
        keep = (
            "index",
            "placeholder",
            "context",
            "key",
            "label",
            "shown",
            "confidence",
            "reason",
            "evidence",
        )
        return [{k: r.get(k) for k in keep} | {"value": r["shown"] if r["matched"] else None} for r in rows]

    def _print(self, draft, rows: list[dict], campaign, org, out: Path) -> None:  # noqa: ANN001
        self.stdout.write(f"{draft.name} · {campaign.name}（{campaign.code}） · {org.name}")
        if draft.debris_removed:
            self.stdout.write(f"已删除 {draft.debris_removed} 处无关标记（如 ##paidbegin##）")
        for row in rows:
            self.stdout.write(f"#{row['index'] + 1:<3} {row['context']}")
            if row["matched"]:
                flag = "（无数据，填“—”）" if row["missing_value"] else ""
                self.stdout.write(
                    f"     → {row['label']} [{row['key']}] = {row['shown']}{flag}"
                    f"  置信度 {row['confidence_label']}（{row['confidence']:.2f}）  依据：{row['reason']}"
                )
            else:
                extra = f"（可能是：{'、'.join(row['candidates'])}）" if row.get("candidates") else ""
                self.stdout.write(f"     → 未匹配：{row['reason']}{extra}")
        matched = sum(1 for r in rows if r["matched"])
        self.stdout.write(
            f"共 {len(rows)} 个空格：已填写 {matched} 个，未匹配 {len(rows) - matched} 个；已写入 {out}"
        )
        unmatched = [r for r in rows if not r["matched"]]
        if unmatched:
            self.stdout.write("未匹配的空格：" + "、".join(f"#{r['index'] + 1}" for r in unmatched))
