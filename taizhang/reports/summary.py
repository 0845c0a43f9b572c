"""The summary report (总结汇报): the unit's template rendered over the catalog's figures and examples drawn
from the records, laid out by gongwen.GongwenDocument, with the appendix listing every figure.

    report_build(campaign=, org=, as_of=, text=) -> BuiltReport (docx bytes, figures, ids, title, used keys)

Queries are bounded whatever the data size: the catalog (one aggregate per model), one id query per model
for the appendix and the snapshot, and one small query per list of examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import F, Q

from taizhang.lib.dates import cn
from taizhang.lib.text import nest_quotes
from taizhang.reports import charts, fit, metrics
from taizhang.reports.gongwen import GongwenDocument, attachment_note_lines, write_blocks
from taizhang.reports.report_text import format_figure, parse_blocks, render_text

EXAMPLES = 4  # examples of each kind named in the text
# Examples are spread over units (one unit's four matters read as that unit's report): the first rows in
# order are fetched, at most this many per example, and one per unit is taken before any unit's second.
EXAMPLE_POOL = 25
APPENDIX_NAME = "指标与记录对照表"
CHARTS_NAME = "主要数据图示"
ISSUED_BEFORE_AS_OF = "成文日期不能早于统计日期"


@dataclass
class BuiltReport:
    title: str
    docx: bytes
    figures: dict[str, Any]
    ids: dict[str, list[int]]  # only figures with at most FREEZE_IDS_LIMIT rows (see report_build)
    used: set[str]
    text: str
    as_of: date
    issued_on: date | None = None  # 成文日期
    fit: Any = None  # reports.fit.FitResult: the line pitch used and whether the signature page was checked
    charts: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # rows behind every figure


def template_text_for(org: Any) -> str:
    """The unit's own template, else its nearest ancestor's, else the default shipped with the product."""
    from taizhang.reports.models import ReportTemplate
    from taizhang.reports.report_text import default_template_text

    if org is not None:
        own = (
            ReportTemplate.objects.filter(org_id__in=org.ancestor_ids() or [org.pk])
            .order_by("-org__depth")
            .values_list("text", flat=True)
            .first()
        )
        if own:
            return own
    return default_template_text()


def _sentence(text: str) -> str:
    return (text or "").strip().rstrip("。；;，,.")


def across_units(rows: Any, n: int = EXAMPLES) -> list:
    """Up to n rows in their order, but one per unit (row.org_id) before any unit's second."""
    first, more, seen = [], [], set()
    for row in rows:
        (more if row.org_id in seen else first).append(row)
        seen.add(row.org_id)
    return (first + more)[:n]


def default_issued_on(campaign: Any, as_of: date | None = None) -> date:
    """成文日期 when the office names none: today, or the campaign's last day once it is over (the day a
    summary of a finished campaign is normally dated) — never before the day of its figures."""
    day = metrics.default_as_of(campaign)
    return max(day, as_of) if as_of else day


def report_data(campaign: Any, org: Any, as_of: date) -> dict:
    """Plain data for the template: names, dates and examples, never model objects."""
    from taizhang.campaigns.models import CampaignRole
    from taizhang.study.models import Material

    scope = org or campaign.org
    seats = CampaignRole.objects.filter(campaign=campaign).select_related("member").order_by("order", "id")
    if org is not None and org != campaign.org:
        seats = seats.filter(member__org__path__startswith=org.path)
    seats = list(seats)

    def people(*roles: str) -> list[dict]:
        return [{"name": s.member.name, "title": s.title} for s in seats if s.role in roles]

    directors = people("office_director")
    reading = across_units(
        metrics.rows("study.reading_class", campaign, org, as_of=as_of)
        .select_related("org")
        .order_by("date", "id")[: EXAMPLES * EXAMPLE_POOL]
    )
    matters = across_units(
        metrics.rows("matters.done", campaign, org, as_of=as_of)
        .select_related("org")
        .order_by(F("beneficiary_count").desc(nulls_last=True), "done_on", "id")[: EXAMPLES * EXAMPLE_POOL]
    )
    institutions = list(
        metrics.rows("institutions.total", campaign, org, as_of=as_of).order_by("issued_on", "id")[
            : EXAMPLES * 2
        ]
    )
    topics = metrics.rows("research.topics", campaign, org, as_of=as_of).order_by("id")[:EXAMPLES]
    featured = metrics.rows("plan.tasks.featured", campaign, org, as_of=as_of).order_by("planned_start", "id")
    materials = (
        Material.objects.filter(Q(campaign=campaign) | Q(campaign=None), required=True)
        .order_by("-campaign_id", "sort_order", "id")
        .values_list("title", flat=True)[:EXAMPLES]
    )
    return {
        "campaign": {
            "name": campaign.name,
            "code": campaign.code,
            "start": cn(campaign.start_date),
            "end": cn(campaign.end_date),
            "requirement": campaign.general_requirement,
            "goal": campaign.goal,
            "unit": campaign.org.name,
        },
        "scope": {
            "name": scope.name,
            "is_campaign_unit": scope.pk == campaign.org_id,
            "kind": scope.get_kind_display(),
        },
        "as_of": cn(as_of),
        "leaders": people("group_leader"),
        "deputies": people("deputy_leader"),
        "director": directors[0] if directors else None,
        "phases": [
            {"name": p.name, "start": cn(p.start_date), "end": cn(p.end_date)}
            for p in campaign.phases.order_by("order", "start_date")
        ],
        "featured_tasks": [{"title": t.title} for t in featured[:EXAMPLES]],
        "materials": list(materials),
        "reading_classes": [
            {"topic": a.topic, "date": cn(a.date), "unit": a.org.display_name} for a in reading
        ],
        "research_topics": [{"title": t.title} for t in topics],
        "matters_done": [
            {"title": m.title, "outcome": _sentence(m.outcome), "unit": m.org.display_name} for m in matters
        ],
        "institutions_new": [{"name": i.name} for i in institutions if i.kind == "new"][:EXAMPLES],
        "institutions_improved": [{"name": i.name} for i in institutions if i.kind == "improved"][:EXAMPLES],
    }


def issuer_for(campaign: Any, org: Any) -> str:
    scope = org or campaign.org
    if scope.pk == campaign.org_id and campaign.signature:
        return campaign.signature
    return scope.name


def appendix_rows(figures: dict, counts: dict[str, int]) -> list[list[str]]:
    """One row per figure: its label (the term the report uses), value, counting rule and row count. No
    metric key: the appendix goes to readers, keys are for templates."""
    rows = []
    for i, metric in enumerate(metrics.CATALOG.values(), start=1):
        value = figures.get(metric.key)
        shown = format_figure(value)
        if value is not None and metric.unit != "%":
            shown = f"{shown}{metric.unit}"
        elif value is not None:
            shown = f"{shown}%"
        rows.append([str(i), metric.label, shown, metric.rule, str(counts.get(metric.key, 0))])
    return rows


def typeset(text: str) -> str:
    """The rendered wording as it goes on the page: quotes nested by depth on each paragraph (a line)."""
    return "\n".join(nest_quotes(line) for line in text.splitlines())


def report_build(
    *,
    campaign: Any,
    org: Any = None,
    as_of: date | None = None,
    text: str | None = None,
    with_charts: bool = True,
    with_appendix: bool = False,
    issued_on: date | None = None,
) -> BuiltReport:
    """The report as .docx bytes with its figures. `with_appendix`: the 指标与记录对照表 (for internal use;
    a report sent upstairs goes without it). `issued_on`: the 成文日期 (default_issued_on when None)."""
    as_of = as_of or metrics.default_as_of(campaign)
    issued_on = issued_on or default_issued_on(campaign, as_of)
    if issued_on < as_of:
        raise ValueError(ISSUED_BEFORE_AS_OF)
    # Values, the rows behind each figure and each model's rows in scope: counted by the database in one
    # aggregate query per model. Ids (frozen in the snapshot) are fetched only from models with at most
    # TAIZHANG_REPORT_FREEZE_IDS_LIMIT rows in scope: a city's 2,000,000 attendance rows are never pulled
    # into Python (their drift page lists the live rows on demand instead).
    computed = metrics.compute_counted(campaign, org, as_of=as_of)
    figures, counts = computed.values, computed.counts
    limit = settings.TAIZHANG_REPORT_FREEZE_IDS_LIMIT
    frozen_keys = [key for key in figures if computed.totals.get(metrics.source_of(key).model, 0) <= limit]
    ids = metrics.ids_all(campaign, org, keys=frozen_keys, as_of=as_of) if frozen_keys else {}
    data = report_data(campaign, org, as_of)
    rendered, used = render_text(
        text if text is not None else template_text_for(org or campaign.org), data, figures
    )
    rendered = typeset(rendered)
    blocks = parse_blocks(rendered)
    title = next((b.text for b in blocks if b.kind == "title"), f"{campaign.name}总结报告")

    scope = org or campaign.org
    chart_pages = charts.report_charts(campaign, org, as_of) if with_charts else []
    attachments = ([APPENDIX_NAME] if with_appendix else []) + ([CHARTS_NAME] if chart_pages else [])
    issuer, day_text = issuer_for(campaign, org), cn(issued_on)

    def body(line_pitch: int) -> GongwenDocument:
        doc = GongwenDocument(line_pitch=line_pitch)
        write_blocks(doc, blocks, phrases=(scope.name, campaign.name, campaign.org.name))
        doc.attachment_note(attachments)  # 附件说明 only when something is attached
        doc.signature(issuer, day_text)
        return doc

    # The signature must share its page with body text (GB/T 9704 7.3.5): the line pitch that ensures it,
    # found by rendering the body (reports.fit).
    note_lines = attachment_note_lines(attachments)
    fitted = fit.fit_signature(lambda pitch: body(pitch).save(), [*note_lines, issuer, day_text])
    doc = body(fitted.line_pitch)

    for number, name in enumerate(attachments, start=1):
        doc.page_break()
        doc.attachment_heading(f"附件{number}" if len(attachments) > 1 else "附件", name)
        if name == APPENDIX_NAME:
            doc.body(
                f"下表列出本报告所依据的全部指标，统计范围为{(org or campaign.org).name}及其下级组织，"
                f"统计日期为{cn(as_of)}。“记录数”为该项数据所依据的记录条数。"
            )
            doc.table(
                ["序号", "指标", "数值", "计数规则", "记录数"],
                appendix_rows(figures, counts),
                [10, 44, 20, 68, 14],
            )
        else:
            for caption, png in chart_pages:
                doc.picture(png, caption)
    return BuiltReport(
        title=title,
        docx=doc.save(),
        figures=figures,
        ids=ids,
        counts=counts,
        used=used,
        text=rendered,
        as_of=as_of,
        issued_on=issued_on,
        charts=[caption for caption, _ in chart_pages],
        fit=fitted,
    )
