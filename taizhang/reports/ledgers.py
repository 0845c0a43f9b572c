"""Ledgers (台账) as .xlsx: 问题整改台账, 学习台账, 办实事台账, 制度清单 (columns after reference/ledgers.md).

Every cell is written as data through taizhang.lib.xlsx (a description starting with "=" stays text), the
header row repeats on every printed page, pages are landscape A4 fitted to the width. Rows stream from the
database in order into xlsxwriter's constant_memory mode through its public API
(taizhang.lib.xlsx.xlsxwriter_write_rows), so a 100,000-row ledger never sits in memory whole. The study ledger's counts (应到, 实到,
列席, 研讨人次) are the ones stored on each activity (study.counts keeps them equal to the rows); its names
come from the rows, read in chunks of activities, with each member's name fetched once.

问题整改台账 is one row per MEASURE (the problem's columns repeated on each of its measures; a problem
without measures has one row with the measure columns empty): flat rows keep Excel's filter and sort working,
where merged cells would break them, and "措施序号" shows which measures belong together.
No personal data (ID numbers, phones, the people behind demands) appears in any ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any, BinaryIO

import xlsxwriter
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Aggregate,
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from taizhang.core.lights import Light, light_case
from taizhang.lib.dates import cn
from taizhang.lib.text import book_title
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
    converter work per row (a city's study ledger has 100,000 activities)."""
    from django.db import connections

    sql, params = qs.query.sql_with_params()
    # chunked_cursor: a server-side cursor on PostgreSQL (the rows are not all held in memory at once).
    with connections[qs.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows


def _by_first(rows: list[tuple]) -> dict[Any, list[tuple]]:
    """Rows ordered by their first column, grouped on it."""
    return {key: list(group) for key, group in groupby(rows, itemgetter(0))}


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _IdList(Aggregate):
    """The group's values as one comma-separated text, in no particular order: GROUP_CONCAT, STRING_AGG on
    PostgreSQL. The people present at an activity come as one value instead of a row each (the city's
    study ledger: 100,000 values instead of 1,800,000 rows); they are put in order in Python."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, ',')",
            **extra_context,
        )


class _IdIn(Expression):
    """column IN (ids), for ids read from the database: "IN (%s, %s, …)", on PostgreSQL "= ANY(%s::bigint[])"
    with the ids as one array parameter. Neither prepares the ids one by one as a plain __in list does (2 µs an id:
    most of a second for the 400,000 ids the city's study ledger passes), nor has PostgreSQL's driver and
    server parse thousands of placeholders."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, ids: list[int]) -> None:
        super().__init__()
        if not ids:
            raise ValueError("_IdIn needs at least one id")
        self.column: Any = F(column)
        self.ids = ids

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple]:
        column, params = compiler.compile(self.column)
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", (*params, *self.ids)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple]:
        column, params = compiler.compile(self.column)
        # The array as its text, '{1,2,3}': psycopg adapts a list element by element in Python.
        return f"{column} = ANY(%s::bigint[])", (*params, "{" + ",".join(map(str, map(int, self.ids))) + "}")


class _Members:
    """Names and list order (sort_order, id: the order of the member list) of the members the ledger names,
    fetched once each, the first time a chunk names them. Keys: the member id as an int (absentees,
    speakers) and as text (the present, from _IdList); "-id" is the member as an invitee (名（列席）)."""

    def __init__(self) -> None:
        self.names: dict[Any, str] = {}
        self.order: dict[Any, int] = {}

    def fetch(self, keys: set[Any]) -> None:
        from taizhang.org.models import Member

        keys.difference_update(self.names)
        ids = sorted({abs(int(key)) for key in keys})
        # In slices: a chunk of a large city may name more members than a query may have parameters.
        for start in range(0, len(ids), STUDY_CHUNK):
            for pk, sort_order, name in metrics.fetch_rows(
                Member.objects.filter(_IdIn("pk", ids[start : start + STUDY_CHUNK]))
                .order_by()
                .values_list("pk", "sort_order", "name")
            ):
                self.names[pk] = self.names[str(pk)] = name
                self.names[str(-pk)] = name + "（列席）"
                # (sort_order, id) as one int, which sorts faster than the pair (ids are below 2**63)
                self.order[pk] = self.order[str(pk)] = self.order[str(-pk)] = (sort_order << 64) | pk


STUDY_CHUNK = 2000  # activities whose people, speakers and books are read together (ids in an IN list)


def _study_rows(campaign: Any, org: Any, today: date) -> Iterator[list[Any]]:
    from taizhang.study.models import Attendance, Speech, StudyActivity

    # 应到 / 实到 / 列席 / 研讨人次: the counts stored on each activity (kept equal to its rows by every write
    # path, study.counts); the names from the rows.
    activities = (
        metrics.rows("study.activities", campaign, org)
        .annotate(evidence=_evidence(StudyActivity))
        .values_list(
            "pk",
            "date",
            "org__name",
            "type__name",
            "topic",
            "place",
            "host",
            "lead_reader",
            "n_expected",
            "n_present",
            "n_invited",
            "other_materials",
            "n_speakers",
            "recorder",
            "evidence",
        )
        .order_by("date", "pk")
    )
    # The present as signed member ids: negative for an invitee.
    present_id = Case(
        When(invited=True, then=-F("member_id")), default=F("member_id"), output_field=BigIntegerField()
    )
    through = StudyActivity.materials.through
    reasons = dict(Attendance.Reason.choices)
    members = _Members()
    n = 0
    # Activities in chunks; each chunk's people, speakers and books in one query each, by activity id (the
    # covering index order): no sort of the campaign's millions of attendance rows by date.
    for chunk in _chunks(_stream(activities), STUDY_CHUNK):
        ids = [a[0] for a in chunk]
        present = {
            activity: joined.split(",")
            for activity, joined in metrics.fetch_rows(
                Attendance.objects.filter(_IdIn("activity_id", ids), status=Attendance.Status.PRESENT)
                .order_by()
                .values("activity_id")
                .annotate(people=_IdList(present_id))
                .values_list("activity_id", "people")
            )
        }
        absent_rows = metrics.fetch_rows(
            Attendance.objects.filter(_IdIn("activity_id", ids), status=Attendance.Status.ABSENT)
            .values_list("activity_id", "member_id", "reason", "reason_note")
            .order_by("activity_id")
        )
        speech_rows = metrics.fetch_rows(
            Speech.objects.filter(_IdIn("activity_id", ids))
            .values_list("activity_id", "member_id", "gist")
            .order_by("activity_id", "order", "pk")
        )
        books = {
            activity: "".join([book_title(title) for _, title in group])
            for activity, group in groupby(
                metrics.fetch_rows(
                    through.objects.filter(_IdIn("studyactivity_id", ids))
                    .values_list("studyactivity_id", "material__title")
                    .order_by("studyactivity_id", "material__sort_order", "material_id")
                ),
                itemgetter(0),
            )
        }
        named = set().union(*present.values())
        named.update(map(itemgetter(1), absent_rows), map(itemgetter(1), speech_rows))
        members.fetch(named)
        absent, speeches = _by_first(absent_rows), _by_first(speech_rows)
        for a in chunk:
            n += 1
            pk = a[0]
            yield _study_row(
                n, a, present.get(pk), absent.get(pk), speeches.get(pk), books.get(pk, ""), members, reasons
            )


def _study_row(
    n: int,
    a: tuple,
    present: list[str] | None,
    absent: list[tuple] | None,
    spoken: list[tuple] | None,
    titles: str,
    members: _Members,
    reasons: dict,
) -> list[Any]:
    # a: the activity's columns (see _study_rows); present: signed member ids as text; absent: (activity,
    # member, reason, reason note); spoken: (activity, member, gist), in order.
    names, order = members.names, members.order
    people = away = talks = ""
    if present:
        present.sort(key=order.__getitem__)
        people = "、".join(map(names.__getitem__, present))
    if absent:
        absent.sort(key=lambda row: order[row[1]])
        away = "、".join(
            [f"{names[m]}（{note or reasons.get(reason, '') or '未说明'}）" for _, m, reason, note in absent]
        )
    if spoken:
        talks = "；".join([names[m] + (f"：{gist}" if gist else "") for _, m, gist in spoken])
    other = a[11]
    return [
        n,
        _d(a[1]),
        *a[2:8],  # 组织, 学习形式, 学习主题, 地点, 主持人, 领学人
        *a[8:11],  # 应到, 实到, 列席
        people,
        away,
        titles + ("；" if titles and other else "") + other,
        talks,
        *a[12:15],  # 研讨人次, 记录人, 佐证材料
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


def ledger_rows_count(kind: str, *, campaign: Any, org: Any = None) -> int:
    """The number of data rows ledger_write would write, by COUNT queries (one, or two for the problems):
    the ledger page decides with it which ledgers to generate in the background. The rows are the ones
    the writers above stream, so the count is exact, not an estimate."""
    from taizhang.rectification.models import Measure

    if kind == "problems":
        # One row per measure, and one for each problem without any (see _problem_rows).
        measures = metrics.rows("measures.total", campaign, org).count()
        bare = (
            metrics.rows("problems.total", campaign, org)
            .filter(~Exists(Measure.objects.filter(problem_id=OuterRef("pk"))))
            .count()
        )
        return measures + bare
    key = {"study": "study.activities", "matters": "matters.total", "institutions": "institutions.total"}[
        kind
    ]
    return metrics.rows(key, campaign, org).count()


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
