"""Ledgers (台账) as .xlsx: 问题整改台账, 学习台账, 办实事台账, 制度清单 (columns after reference/ledgers.md).

Every cell is written as data through taizhang.lib.xlsx (a description starting with "=" stays text), the
header row repeats on every printed page, pages are landscape A4 fitted to the width. Rows stream from the
database in order (iterator) into xlsxwriter's constant_memory mode, so a 40,000-row ledger never sits in
memory whole. Counts (应到, 实到, 研讨人次 …) come from SQL aggregates, names from ordered row streams merged
by activity.

问题整改台账 is one row per MEASURE (the problem's columns repeated on each of its measures; a problem
without measures has one row with the measure columns empty): flat rows keep Excel's filter and sort working,
where merged cells would break them, and "措施序号" shows which measures belong together.
No personal data (ID numbers, phones, the people behind demands) appears in any ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO

import xlsxwriter
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from taizhang.core.lights import Light, light_case
from taizhang.lib.dates import cn
from taizhang.lib.xlsx import xlsxwriter_write_row, xlsxwriter_write_rows
from taizhang.reports import metrics


@dataclass(frozen=True)
class LedgerKind:
    code: str
    title: str
    columns: tuple[tuple[str, int], ...]  # (header, width in characters)


PROBLEMS = LedgerKind(
    "problems",
    "问题整改台账",
    (
        ("序号", 5),
        ("问题编号", 9),
        ("所属组织", 14),
        ("问题类别", 9),
        ("问题来源", 9),
        ("问题描述", 30),
        ("整改目标", 20),
        ("整改类型", 9),
        ("责任领导", 8),
        ("责任部门", 12),
        ("责任人", 8),
        ("整改时限", 11),
        ("问题状态", 8),
        ("销号日期", 11),
        ("措施序号", 6),
        ("整改措施", 30),
        ("措施责任人", 8),
        ("完成时限", 11),
        ("完成情况", 8),
        ("完成日期", 11),
        ("整改进展", 20),
        ("红黄灯", 6),
        ("佐证材料（件）", 8),
    ),
)
STUDY = LedgerKind(
    "study",
    "学习台账",
    (
        ("序号", 5),
        ("学习时间", 11),
        ("组织", 14),
        ("学习形式", 12),
        ("学习主题", 24),
        ("地点", 12),
        ("主持人", 8),
        ("领学人", 8),
        ("应到人数", 6),
        ("实到人数", 6),
        ("列席人数", 6),
        ("参加人员", 30),
        ("缺席人员及原因", 20),
        ("学习内容", 26),
        ("研讨发言情况", 36),
        ("研讨人次", 6),
        ("记录人", 8),
        ("佐证材料（件）", 8),
    ),
)
MATTERS = LedgerKind(
    "matters",
    "办实事台账",
    (
        ("序号", 5),
        ("项目名称", 24),
        ("责任单位", 14),
        ("服务对象", 14),
        ("受益人数", 8),
        ("具体内容", 30),
        ("责任人", 8),
        ("计划完成日期", 11),
        ("状态", 8),
        ("完成日期", 11),
        ("成效", 30),
        ("红黄灯", 6),
        ("来源", 16),
    ),
)
INSTITUTIONS = LedgerKind(
    "institutions",
    "制度清单",
    (
        ("序号", 5),
        ("制度名称", 30),
        ("类型", 6),
        ("制定单位", 14),
        ("文号", 16),
        ("印发日期", 11),
        ("主要内容", 40),
        ("关联问题编号", 20),
    ),
)
KINDS: dict[str, LedgerKind] = {k.code: k for k in (PROBLEMS, STUDY, MATTERS, INSTITUTIONS)}

_LIGHTS = dict(Light.choices)


def _evidence(model: Any, outer: str = "pk") -> Subquery:
    """Count of attachments (佐证材料) of each row, as a correlated subquery (one query for the whole ledger)."""
    from taizhang.core.models import Attachment

    ct = ContentType.objects.get_for_model(model)
    counted = (
        Attachment.objects.filter(content_type=ct, object_id=OuterRef(outer))
        .order_by()
        .values("object_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def _problem_rows(campaign: Any, org: Any, today: date) -> Iterator[list[Any]]:
    from taizhang.rectification.models import Measure, Problem

    problems = (
        metrics.rows("problems.total", campaign, org)
        .annotate(live=light_case("deadline", Q(status="closed"), today), evidence=_evidence(Problem))
        .values(
            "pk",
            "code",
            "org__name",
            "category",
            "source",
            "description",
            "target",
            "rectification_type",
            "responsible_leader__name",
            "responsible_dept",
            "responsible_person",
            "deadline",
            "status",
            "closed_on",
            "live",
            "evidence",
        )
        .order_by("code", "pk")
    )
    measures = (
        metrics.rows("measures.total", campaign, org)
        .annotate(live=light_case("deadline", Q(status="done"), today), evidence=_evidence(Measure))
        .values(
            "problem_id", "content", "owner", "deadline", "status", "done_on", "progress", "live", "evidence"
        )
        .order_by("problem__code", "problem_id", "order", "pk")
    )
    category = dict(Problem.Category.choices)
    source = dict(Problem.Source.choices)
    kind = dict(Problem.Type.choices)
    status = dict(Problem.Status.choices)
    measure_status = dict(Measure.Status.choices)
    measure_iter = measures.iterator(chunk_size=2000)
    pending = next(measure_iter, None)
    for n, p in enumerate(problems.iterator(chunk_size=2000), start=1):
        head = [
            n,
            p["code"],
            p["org__name"],
            category.get(p["category"], p["category"]),
            source.get(p["source"], p["source"]),
            p["description"],
            p["target"],
            kind.get(p["rectification_type"], ""),
            p["responsible_leader__name"] or "",
            p["responsible_dept"],
            p["responsible_person"],
            _d(p["deadline"]),
            status.get(p["status"], p["status"]),
            _d(p["closed_on"]),
        ]
        # Both streams are in the same (code, id) order: the measures of this problem come next, if any.
        index = 0
        while pending is not None and pending["problem_id"] == p["pk"]:
            index += 1
            yield [
                *head,
                index,
                pending["content"],
                pending["owner"],
                _d(pending["deadline"]),
                measure_status.get(pending["status"], pending["status"]),
                _d(pending["done_on"]),
                pending["progress"],
                _LIGHTS.get(pending["live"], ""),
                p["evidence"] + pending["evidence"],
            ]
            pending = next(measure_iter, None)
        if index == 0:
            yield [*head, "", "", "", "", "", "", "", _LIGHTS.get(p["live"], ""), p["evidence"]]


def _stream(qs: Any, chunk: int = 5000) -> Iterator[tuple]:
    """Tuples of a values_list queryset straight from the database cursor, in chunks: no model, dict or
    converter work per row (a city's study ledger reads 2,000,000 attendance rows)."""
    from django.db import connections

    sql, params = qs.query.sql_with_params()
    # chunked_cursor: a server-side cursor on PostgreSQL (the rows are not all held in memory at once).
    with connections[qs.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows


def _grouped_by_first(rows: Iterator[tuple]) -> dict[Any, list[tuple]]:
    grouped: dict[Any, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def _chunks(items: Iterator[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _study_rows(campaign: Any, org: Any, today: date) -> Iterator[list[Any]]:
    from taizhang.study.models import Attendance, Speech, StudyActivity

    # 应到 / 实到 / 列席 and the number of speakers are counted from each chunk's own rows below (the same
    # rows the name lists show), not by a GROUP BY over the whole campaign's attendance.
    activities = (
        metrics.rows("study.activities", campaign, org)
        .annotate(evidence=_evidence(StudyActivity))
        .values(
            "pk",
            "date",
            "org__name",
            "type__name",
            "topic",
            "place",
            "host",
            "lead_reader",
            "other_materials",
            "recorder",
            "evidence",
        )
        .order_by("date", "pk")
    )
    through = StudyActivity.materials.through
    reasons = dict(Attendance.Reason.choices)
    n = 0
    # Activities in chunks; each chunk's people, speakers and books in one query each, by activity id (the
    # covering index order): no sort of the campaign's millions of attendance rows by date.
    for chunk in _chunks(activities.iterator(chunk_size=2000), 2000):
        ids = [a["pk"] for a in chunk]
        people = _grouped_by_first(
            _stream(
                Attendance.objects.filter(activity_id__in=ids)
                .values_list("activity_id", "member__name", "status", "invited", "reason", "reason_note")
                .order_by("activity_id", "member__sort_order", "member_id")
            )
        )
        speeches = _grouped_by_first(
            _stream(
                Speech.objects.filter(activity_id__in=ids)
                .values_list("activity_id", "member__name", "gist")
                .order_by("activity_id", "order", "pk")
            )
        )
        books = _grouped_by_first(
            _stream(
                through.objects.filter(studyactivity_id__in=ids)
                .values_list("studyactivity_id", "material__title")
                .order_by("studyactivity_id", "material__sort_order", "material_id")
            )
        )
        for a in chunk:
            n += 1
            yield _study_row(
                n, a, people.get(a["pk"], ()), speeches.get(a["pk"], ()), books.get(a["pk"], ()), reasons
            )


def _study_row(n: int, a: dict, rows: Any, spoken: Any, read: Any, reasons: dict) -> list[Any]:
    # people: (activity, name, status, invited, reason, reason note); speakers: (activity, name, gist)
    present = [r[1] + ("（列席）" if r[3] else "") for r in rows if r[2] == "present"]
    absent = [r[1] + f"（{r[5] or reasons.get(r[4], '') or '未说明'}）" for r in rows if r[2] == "absent"]
    talks = [r[1] + (f"：{r[2]}" if r[2] else "") for r in spoken]
    titles = [f"《{r[1]}》" for r in read]
    expected = sum(1 for r in rows if not r[3])
    present_members = sum(1 for r in rows if not r[3] and r[2] == "present")
    invitees = len(rows) - expected
    content = "".join(titles) + ("；" if titles and a["other_materials"] else "") + a["other_materials"]
    return [
        n,
        _d(a["date"]),
        a["org__name"],
        a["type__name"],
        a["topic"],
        a["place"],
        a["host"],
        a["lead_reader"],
        expected,
        present_members,
        invitees,
        "、".join(present),
        "、".join(absent),
        content,
        "；".join(talks),
        len(spoken),
        a["recorder"],
        a["evidence"],
    ]


def _matter_rows(campaign: Any, org: Any, today: date) -> Iterator[list[Any]]:
    from taizhang.outreach.models import PracticalMatter

    status = dict(PracticalMatter.Status.choices)
    matters = (
        metrics.rows("matters.total", campaign, org)
        .annotate(live=light_case("due_date", Q(status="done"), today))
        .values(
            "title",
            "org__name",
            "beneficiaries",
            "beneficiary_count",
            "description",
            "owner",
            "due_date",
            "status",
            "done_on",
            "outcome",
            "live",
            "visit__subject",
            "demand__content",
        )
        .order_by("org__path", "due_date", "pk")
    )
    for n, m in enumerate(matters.iterator(chunk_size=2000), start=1):
        origin = ""
        if m["visit__subject"]:
            origin = f"调研：{m['visit__subject']}"
        elif m["demand__content"]:
            origin = f"群众诉求：{m['demand__content'][:40]}"
        yield [
            n,
            m["title"],
            m["org__name"],
            m["beneficiaries"],
            m["beneficiary_count"],
            m["description"],
            m["owner"],
            _d(m["due_date"]),
            status.get(m["status"], m["status"]),
            _d(m["done_on"]),
            m["outcome"],
            _LIGHTS.get(m["live"], ""),
            origin,
        ]


def _institution_rows(campaign: Any, org: Any, today: date) -> Iterator[list[Any]]:
    from taizhang.rectification.models import Institution

    kinds = dict(Institution.Kind.choices)
    institutions = (
        metrics.rows("institutions.total", campaign, org)
        .select_related("org")
        .prefetch_related("problems")
        .order_by("issued_on", "pk")
    )
    for n, item in enumerate(institutions, start=1):
        yield [
            n,
            item.name,
            kinds.get(item.kind, item.kind),
            item.org.name,
            item.doc_number,
            _d(item.issued_on),
            item.summary,
            "、".join(sorted(p.code for p in item.problems.all())),
        ]


_WRITERS = {
    "problems": _problem_rows,
    "study": _study_rows,
    "matters": _matter_rows,
    "institutions": _institution_rows,
}


def ledger_filename(kind: str, campaign: Any, org: Any) -> str:
    scope = org or campaign.org
    return f"{KINDS[kind].title}-{scope.name}-{campaign.code}.xlsx"


def ledger_write(
    kind: str, *, campaign: Any, org: Any = None, out: str | BinaryIO, today: date | None = None
) -> int:
    """Write the ledger to a path or a binary file object; returns the number of data rows."""
    from taizhang.lib.dates import today as local_today

    spec = KINDS[kind]
    day = today or metrics.default_as_of(campaign)
    scope = org or campaign.org
    workbook = xlsxwriter.Workbook(
        out, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False}
    )
    try:
        sheet = workbook.add_worksheet(spec.title)
        title_format = workbook.add_format(
            {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        note_format = workbook.add_format({"font_size": 10, "font_color": "#555555"})
        header_format = workbook.add_format(
            {
                "bold": True,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "bg_color": "#F2F2F2",
            }
        )
        cell_format = workbook.add_format({"border": 1, "valign": "top", "text_wrap": True})
        date_format = workbook.add_format({"border": 1, "valign": "top", "num_format": "yyyy-mm-dd"})
        last_col = len(spec.columns) - 1
        for col, (_, width) in enumerate(spec.columns):
            sheet.set_column(col, col, width + 2)
        sheet.set_row(0, 28)
        sheet.merge_range(0, 0, 0, last_col, f"{scope.name}{spec.title}", title_format)
        sheet.write_string(
            1,
            0,
            f"学习教育：{campaign.name}　统计范围：{scope.name}及下级组织　导出日期：{cn(local_today())}"
            f"　红黄灯按{cn(day)}计",
            note_format,
        )
        xlsxwriter_write_row(sheet, 2, [h for h, _ in spec.columns], header_format)
        sheet.set_row(2, 32)
        count = xlsxwriter_write_rows(sheet, 3, _WRITERS[kind](campaign, org, day), cell_format, date_format)
        sheet.freeze_panes(3, 0)
        sheet.autofilter(2, 0, 2 + max(count, 0), last_col)
        # Print: landscape A4, fitted to the page width, header row on every page, page numbers.
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(2)
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        sheet.set_footer("&C第 &P 页，共 &N 页")
    finally:
        workbook.close()
    return count
