"""Ledgers (台账) as .xlsx, print-ready as offices print them (reference/ledgers.md 4.4): 问题整改台账, 学习台账,
办实事台账, 制度清单, 调研台账, 群众诉求台账.

Every sheet: 宋体 throughout; a merged title row (黑体 小二) and a 填报单位（盖章）/ 填报日期 row above the header;
说明 and 填报人 / 审核人 rows below the table; the header row repeated on every printed page; footer
"第 N 页 共 M 页"; A4 landscape fitted to the page width, the columns chosen and sized so that the fit prints
at no less than 70 % (print_scale() computes it; the tests check it in LibreOffice's PDF too); text wraps in
its cell; real dates are date cells shown 2023年9月5日 (a Chinese number format, not ISO text).

问题整改台账 has two sheets: the one to print, where a problem's own cells (序号, 编号, 类别, 描述, 责任领导 …)
are merged over its measures' rows, and 整改明细, one flat row per measure (and per problem without any) with
the remaining columns, where Excel's filter and sort work. The other ledgers are one flat sheet each.

Every cell is written as data through taizhang.lib.xlsx (a description starting with "=" stays text), with
xlsxwriter's public API only. Flat sheets stream: rows come from the database in order into xlsxwriter's
constant_memory mode, so a 100,000-row study ledger never sits in memory whole. Merged cells need xlsxwriter's
normal mode (constant_memory cannot go back to a row it wrote), so the problem ledger is held in memory while
written (40,000 measures in the city: a background job, see docs/performance.md). The study ledger's counts
(应到, 实到, 列席, 研讨人次) are the ones stored on each activity (study.counts keeps them equal to the rows);
its names come from the rows, read in chunks of activities, with each member's name fetched once.

No ID numbers or phones appear in any ledger; the 群众诉求台账 names the 诉求人 as the demand list shows it to
the same users (view_internal), never the contact.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, time
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
from taizhang.lib.xlsx import xlsxwriter_write_cell, xlsxwriter_write_rows
from taizhang.reports import metrics

# --- What a sheet looks like ----------------------------------------------------------------------

TEXT, CENTER, NUMBER, DATE = "text", "center", "number", "date"
FONT = "宋体"  # the body of every sheet (reference/ledgers.md 4.4)
TITLE_FONT = "黑体"  # title and header: on every office PC, unlike 方正小标宋
BODY_SIZE = 10.5  # 五号
CHINESE_DATE = 'yyyy"年"m"月"d"日"'
# A4 landscape, inches. Narrow side margins leave the width to the columns; the footer needs the bottom.
PAPER_A4 = 9
MARGINS = {"left": 0.3, "right": 0.3, "top": 0.5, "bottom": 0.6}
PAGE_WIDTH_INCHES = 297 / 25.4
MIN_PRINT_SCALE = 0.70
FOOTER = '&C&"宋体,Regular"&10第 &P 页 共 &N 页'


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # in characters of the default font (Excel's column width); a Chinese character takes ~2
    kind: str = TEXT  # TEXT (left, wraps), CENTER (short text, wraps), NUMBER, DATE (a date cell)
    merged: bool = False  # in a grouped sheet: the group's own cell, merged over the group's rows


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    # (campaign, org, as-of day) -> rows (lists of values, one per column), or, for a grouped sheet, groups
    # (lists of such rows: a problem and its measures)
    rows: Callable[[Any, Any, date], Iterator[Any]]
    grouped: bool = False
    note: str = ""  # a line of 说明 under the table, after the scope


@dataclass(frozen=True)
class LedgerKind:
    code: str
    title: str
    sheets: tuple[Sheet, ...]
    description: str  # what one row is, for the ledger page

    @property
    def columns(self) -> tuple[tuple[str, float], ...]:
        """(header, width) of the printed (first) sheet."""
        return tuple((c.header, c.width) for c in self.sheets[0].columns)


def column_pixels(width: float) -> int:
    """A column's width on screen at 100 %, as Excel (and xlsxwriter) converts characters to pixels for the
    default font's 7-pixel digit: 5 pixels of padding."""
    return int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)


def print_scale(sheet: Sheet) -> float:
    """The scale at which "fit to one page wide" prints the sheet on A4 landscape (at most 100 %): the
    printable width over the columns' width (96 pixels an inch)."""
    printable = (PAGE_WIDTH_INCHES - MARGINS["left"] - MARGINS["right"]) * 96
    return min(1.0, printable / sum(column_pixels(c.width) for c in sheet.columns))


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


def _hhmm(value: time | None) -> str:
    return f"{value.hour:02d}:{value.minute:02d}" if value else ""


def _hours(start: time | None, end: time | None) -> float | str:
    """学时: the hours from start to end, one decimal (as 自学时长 counts hours); empty without both."""
    if not start or not end:
        return ""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return round(minutes / 60, 1) if minutes > 0 else ""


# --- 问题整改台账 ---------------------------------------------------------------------------------------


def _problem_groups(campaign: Any, org: Any, today: date) -> Iterator[tuple[dict, list[dict]]]:
    """Each problem (code order) with its measures (in their order), from two streams in the same order."""
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
    measure_iter = measures.iterator(chunk_size=2000)
    pending = next(measure_iter, None)
    for p in problems.iterator(chunk_size=2000):
        own = []
        # Both streams are in the same (code, id) order: the measures of this problem come next, if any.
        while pending is not None and pending["problem_id"] == p["pk"]:
            own.append(pending)
            pending = next(measure_iter, None)
        yield p, own


def _problem_labels() -> tuple[dict, dict, dict, dict, dict]:
    from taizhang.rectification.models import Measure, Problem

    return (
        dict(Problem.Category.choices),
        dict(Problem.Source.choices),
        dict(Problem.Type.choices),
        dict(Problem.Status.choices),
        dict(Measure.Status.choices),
    )


def _problem_rows(campaign: Any, org: Any, today: date) -> Iterator[list[list[Any]]]:
    """The printed sheet: one group per problem, its own cells merged over one row per measure."""
    category, source, _, status, measure_status = _problem_labels()
    for n, (p, own) in enumerate(_problem_groups(campaign, org, today), start=1):
        head = [
            n,
            p["code"],
            p["org__name"],
            category.get(p["category"], p["category"]),
            source.get(p["source"], p["source"]),
            p["description"],
            p["target"],
            p["responsible_leader__name"] or "",
            p["responsible_dept"],
            p["responsible_person"],
            p["deadline"],
        ]
        tail = [status.get(p["status"], p["status"])]
        if not own:
            yield [[*head, "", "", None, "", *tail]]
            continue
        yield [
            [
                *head,
                m["content"],
                m["owner"],
                m["deadline"],
                measure_status.get(m["status"], m["status"]),
                *tail,
            ]
            for m in own
        ]


def _problem_detail_rows(campaign: Any, org: Any, today: date) -> Iterator[list[Any]]:
    """整改明细: one flat row per measure (a problem without measures: one row, the measure cells empty)."""
    _, _, kind, status, measure_status = _problem_labels()
    n = 0
    for p, own in _problem_groups(campaign, org, today):
        head = [
            p["code"],
            p["org__name"],
            kind.get(p["rectification_type"], ""),
            status.get(p["status"], p["status"]),
            p["closed_on"],
        ]
        for index, m in enumerate(own, start=1):
            n += 1
            yield [
                n,
                *head,
                index,
                m["content"],
                measure_status.get(m["status"], m["status"]),
                m["done_on"],
                m["progress"],
                _LIGHTS.get(m["live"], ""),
                p["evidence"] + m["evidence"],
            ]
        if not own:
            n += 1
            yield [n, *head, "", "", "", None, "", _LIGHTS.get(p["live"], ""), p["evidence"]]


# --- 学习台账 ----------------------------------------------------------------------------------------


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
            "start_time",
            "end_time",
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
        a[1],  # 学习日期: a date cell
        f"{_hhmm(a[15])}-{_hhmm(a[16])}" if a[15] and a[16] else _hhmm(a[15]),
        _hours(a[15], a[16]),
        *a[2:8],  # 组织, 学习形式, 学习主题, 地点, 主持人, 领学人
        *a[8:11],  # 应到, 实到, 列席
        people,
        away,
        titles + ("；" if titles and other else "") + other,
        talks,
        *a[12:15],  # 研讨人次, 记录人, 佐证材料
    ]


# --- 办实事台账 -----------------------------------------------------------------------------------------


def _matter_rows(campaign: Any, org: Any, today: date) -> Iterator[list[Any]]:
    from taizhang.core.models import Event
    from taizhang.outreach.models import PracticalMatter

    status = dict(PracticalMatter.Status.choices)
    evaluation = dict(PracticalMatter._meta.get_field("evaluation").choices)
    # 推进情况: the latest progress note (an Event on the matter), or the 成效 once it is done.
    latest_note = Subquery(
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(PracticalMatter), object_id=OuterRef("pk")
        )
        .exclude(note="")
        .order_by("-at", "-pk")
        .values("note")[:1],
        output_field=TextField(),
    )
    matters = (
        metrics.rows("matters.total", campaign, org)
        .annotate(
            live=light_case("due_date", Q(status="done"), today),
            evidence=_evidence(PracticalMatter),
            latest=latest_note,
        )
        .values(
            "title",
            "org__name",
            "lead_leader",
            "responsible_dept",
            "owner",
            "measures",
            "description",
            "due_date",
            "latest",
            "outcome",
            "status",
            "done_on",
            "beneficiaries",
            "beneficiary_count",
            "evaluation",
            "live",
            "evidence",
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
        done = m["status"] == PracticalMatter.Status.DONE
        count = m["beneficiary_count"]
        beneficiaries = "，".join(
            part for part in (m["beneficiaries"], f"{count}人" if count is not None else "") if part
        )
        yield [
            n,
            m["title"],
            m["org__name"],
            m["lead_leader"],
            m["responsible_dept"],
            m["owner"],
            m["measures"] or m["description"],
            m["due_date"],
            (m["outcome"] if done and m["outcome"] else m["latest"]) or "",
            status.get(m["status"], m["status"]),
            m["done_on"],
            beneficiaries,
            evaluation.get(m["evaluation"], ""),
            _LIGHTS.get(m["live"], ""),
            m["evidence"],
            origin,
        ]


# --- 制度清单 -------------------------------------------------------------------------------------------


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
            item.issued_on,
            item.summary,
            "、".join(sorted(p.code for p in item.problems.all())),
        ]


# --- 调研台账 -------------------------------------------------------------------------------------------


def _visit_rows(campaign: Any, org: Any, today: date) -> Iterator[list[Any]]:
    """One row per visit, in date order; its people, findings and what they became in one query each."""
    from taizhang.outreach.models import Finding, PracticalMatter, ResearchVisit
    from taizhang.rectification.models import Problem

    methods = dict(ResearchVisit.Method.choices)
    visits = metrics.rows("research.visits", campaign, org)
    ids = visits.values("pk")
    people: dict[int, list[str]] = defaultdict(list)
    for visit_id, name in (
        ResearchVisit.participants.through.objects.filter(researchvisit_id__in=ids)
        .order_by("researchvisit_id", "member__sort_order", "member_id")
        .values_list("researchvisit_id", "member__name")
    ):
        people[visit_id].append(name)
    findings: dict[int, list[str]] = defaultdict(list)
    for visit_id, text in (
        Finding.objects.filter(visit_id__in=ids)
        .order_by("visit_id", "order", "pk")
        .values_list("visit_id", "text")
    ):
        findings[visit_id].append(" ".join(text.split()))
    problems: dict[int, set[str]] = defaultdict(set)
    for direct, through_finding, code in Problem.objects.filter(
        Q(visit_id__in=ids) | Q(finding__visit_id__in=ids)
    ).values_list("visit_id", "finding__visit_id", "code"):
        problems[through_finding or direct].add(code)
    matters: dict[int, list[str]] = defaultdict(list)
    for direct, through_finding, title in (
        PracticalMatter.objects.filter(Q(visit_id__in=ids) | Q(finding__visit_id__in=ids))
        .order_by("pk")
        .values_list("visit_id", "finding__visit_id", "title")
    ):
        matters[through_finding or direct].append(title)
    rows = (
        visits.annotate(evidence=_evidence(ResearchVisit))
        .values_list(
            "pk",
            "topic__title",
            "subject",
            "date",
            "org__name",
            "place",
            "leader",
            "participants_text",
            "method",
            "topic__conclusion",
            "evidence",
        )
        .order_by("date", "pk")
    )
    for n, (pk, topic, subject, day, unit, place, leader, others, method, conclusion, evidence) in enumerate(
        rows.iterator(chunk_size=2000), start=1
    ):
        found = findings.get(pk, [])
        summary = (
            f"共{len(found)}条：" + "；".join(f"{i}.{t}" for i, t in enumerate(found, start=1))
            if found
            else ""
        )
        became = []
        if problems.get(pk):
            became.append("问题清单：" + "、".join(sorted(problems[pk])))
        if matters.get(pk):
            became.append("办实事：" + "、".join(matters[pk]))
        yield [
            n,
            topic or "",
            subject,
            day,
            unit,
            place,
            leader,
            "、".join([*people.get(pk, []), *([others] if others else [])]),
            methods.get(method, ""),
            summary,
            "；".join(became),
            conclusion or "",
            evidence,
        ]


# --- 群众诉求台账 ---------------------------------------------------------------------------------------


def _demand_rows(campaign: Any, org: Any, today: date) -> Iterator[list[Any]]:
    from taizhang.outreach.models import Demand, PracticalMatter

    channels = dict(Demand.Channel.choices)
    evaluation = dict(Demand._meta.get_field("evaluation").choices)
    demands = metrics.rows("demands.total", campaign, org)
    matters: dict[int, list[str]] = defaultdict(list)
    for demand_id, title in (
        PracticalMatter.objects.filter(demand_id__in=demands.values("pk"))
        .order_by("pk")
        .values_list("demand_id", "title")
    ):
        matters[demand_id].append(title)
    rows = demands.values_list(
        "pk",
        "raised_on",
        "channel",
        "raised_by",
        "content",
        "org__name",
        "handler",
        "response",
        "resolved",
        "resolved_on",
        "evaluation",
        "visit__subject",
    ).order_by("raised_on", "pk")
    for n, (
        pk,
        raised,
        channel,
        person,
        content,
        unit,
        handler,
        response,
        resolved,
        done,
        rated,
        visit,
    ) in enumerate(rows.iterator(chunk_size=2000), start=1):
        remarks = []
        if matters.get(pk):
            remarks.append("转为办实事：" + "、".join(matters[pk]))
        if visit:
            remarks.append(f"来自调研：{visit}")
        yield [
            n,
            raised,
            channels.get(channel, channel),
            person or "匿名",
            content,
            unit,
            handler,
            response,
            "是" if resolved else "否",
            done,
            evaluation.get(rated, ""),
            "；".join(remarks),
        ]


# --- The ledgers -------------------------------------------------------------------------------------

C = Column
PROBLEMS = LedgerKind(
    "problems",
    "问题整改台账",
    (
        Sheet(
            "问题整改台账",
            (
                C("序号", 4, NUMBER, True),
                C("问题编号", 8, CENTER, True),
                C("所属组织", 10, TEXT, True),
                C("问题类别", 7, CENTER, True),
                C("问题来源", 7, CENTER, True),
                C("问题描述", 22, TEXT, True),
                C("整改目标", 14, TEXT, True),
                C("责任领导", 7, CENTER, True),
                C("责任部门", 8, CENTER, True),
                C("责任人", 7, CENTER, True),
                C("整改时限", 15, DATE, True),
                C("整改措施", 22),
                C("措施责任人", 7, CENTER),
                C("完成时限", 15, DATE),
                C("完成情况", 7, CENTER),
                C("问题状态", 7, CENTER, True),
            ),
            _problem_rows,
            grouped=True,
            note="每个问题的信息合并在其各项整改措施之上；整改类型、销号日期、措施完成日期、整改进展、红黄灯和佐证材料见“整改明细”表",
        ),
        Sheet(
            "整改明细",
            (
                C("序号", 4, NUMBER),
                C("问题编号", 8, CENTER),
                C("所属组织", 10),
                C("整改类型", 8, CENTER),
                C("问题状态", 7, CENTER),
                C("销号日期", 15, DATE),
                C("措施序号", 5, NUMBER),
                C("整改措施", 24),
                C("完成情况", 7, CENTER),
                C("完成日期", 15, DATE),
                C("整改进展", 22),
                C("红黄灯", 6, CENTER),
                C("佐证（件）", 5, NUMBER),
            ),
            _problem_detail_rows,
            note="每条整改措施一行（无措施的问题一行），可筛选、排序",
        ),
    ),
    "每个问题一组（问题信息合并在其各项整改措施之上）：编号、类别、来源、描述、整改目标、责任领导、责任部门、责任人、"
    "整改时限、各项措施及其完成情况；另附“整改明细”表，每条措施一行，含销号日期、整改进展、当日红黄灯和佐证材料，便于筛选。",
)
STUDY = LedgerKind(
    "study",
    "学习台账",
    (
        Sheet(
            "学习台账",
            (
                C("序号", 4, NUMBER),
                C("学习日期", 15, DATE),
                C("时间", 11, CENTER),
                C("学时", 4, NUMBER),
                C("组织", 8),
                C("学习形式", 8, CENTER),
                C("学习主题", 14),
                C("地点", 8),
                C("主持人", 6, CENTER),
                C("领学人", 6, CENTER),
                C("应到人数", 4, NUMBER),
                C("实到人数", 4, NUMBER),
                C("列席人数", 4, NUMBER),
                C("参加人员", 18),
                C("缺席人员及原因", 12),
                C("学习内容", 13),
                C("研讨发言情况", 18),
                C("研讨人次", 4, NUMBER),
                C("记录人", 6, CENTER),
                C("佐证（件）", 5, NUMBER),
            ),
            _study_rows,
            note="学时 = 结束时间减开始时间（小时）；应到不含列席人员",
        ),
    ),
    "每次学习活动一行：日期、起止时间、学时、地点、形式、主持人，应到、实到、列席人数，参加人员、缺席人员及原因，"
    "学习内容和研讨发言情况，均由考勤和发言记录生成。",
)
MATTERS = LedgerKind(
    "matters",
    "办实事台账",
    (
        Sheet(
            "办实事台账",
            (
                C("序号", 4, NUMBER),
                C("项目名称", 14),
                C("责任单位", 9),
                C("牵头领导", 7, CENTER),
                C("责任部门", 8, CENTER),
                C("责任人", 6, CENTER),
                C("工作措施", 20),
                C("计划完成时间", 15, DATE),
                C("推进情况", 20),
                C("状态", 6, CENTER),
                C("完成时间", 15, DATE),
                C("受益对象及人数", 12),
                C("群众评价", 6, CENTER),
                C("红黄灯", 5, CENTER),
                C("佐证（件）", 5, NUMBER),
                C("来源", 12),
            ),
            _matter_rows,
            note="推进情况：已办结的为办理成效，其余为最近一次推进记录；工作措施未填写的列出项目具体内容",
        ),
    ),
    "每个办实事项目一行：牵头领导、责任部门、责任人、工作措施、计划与完成时间、推进情况、状态、受益对象及人数、"
    "群众评价、红黄灯及来源（调研或群众诉求）。",
)
INSTITUTIONS = LedgerKind(
    "institutions",
    "制度清单",
    (
        Sheet(
            "制度清单",
            (
                C("序号", 4, NUMBER),
                C("制度名称", 24),
                C("类型", 6, CENTER),
                C("制定单位", 12),
                C("文号", 14, CENTER),
                C("印发日期", 15, DATE),
                C("主要内容", 36),
                C("关联问题编号", 14),
            ),
            _institution_rows,
        ),
    ),
    "每项制度一行：新建或完善、制定单位、文号、印发日期、主要内容及对应的问题编号。",
)
VISITS = LedgerKind(
    "visits",
    "调研台账",
    (
        Sheet(
            "调研台账",
            (
                C("序号", 4, NUMBER),
                C("调研课题", 14),
                C("调研主题", 14),
                C("调研时间", 15, DATE),
                C("组织", 9),
                C("调研地点（对象）", 11),
                C("带队领导", 7, CENTER),
                C("参加人员", 14),
                C("调研方式", 6, CENTER),
                C("发现问题", 22),
                C("转为问题清单／办实事", 14),
                C("形成成果", 16),
                C("佐证（件）", 5, NUMBER),
            ),
            _visit_rows,
            note="形成成果为所属调研课题的调研成果",
        ),
    ),
    "每次调研一行：课题、主题、时间、地点（对象）、带队领导、参加人员、调研方式，发现的问题（条数与摘要）及转为问题清单、"
    "办实事的情况，课题形成的成果。",
)
DEMANDS = LedgerKind(
    "demands",
    "群众诉求台账",
    (
        Sheet(
            "群众诉求台账",
            (
                C("序号", 4, NUMBER),
                C("收集时间", 15, DATE),
                C("收集渠道", 7, CENTER),
                C("诉求人（单位）", 8, CENTER),
                C("诉求内容", 24),
                C("承办单位", 10),
                C("责任人", 6, CENTER),
                C("办理情况", 22),
                C("是否解决", 5, CENTER),
                C("办结时间", 15, DATE),
                C("群众评价", 6, CENTER),
                C("备注", 14),
            ),
            _demand_rows,
        ),
    ),
    "每件群众诉求一行：收集时间与渠道、诉求人、诉求内容、承办单位与责任人、办理情况、是否解决、办结时间、群众评价，"
    "以及转为办实事的情况（不含联系方式）。",
)
del C
KINDS: dict[str, LedgerKind] = {k.code: k for k in (PROBLEMS, STUDY, MATTERS, INSTITUTIONS, VISITS, DEMANDS)}


def ledger_rows_count(kind: str, *, campaign: Any, org: Any = None) -> int:
    """The number of data rows ledger_write would write on its first sheet, by COUNT queries (one, or two
    for the problems): the ledger page decides with it which ledgers to generate in the background. The rows
    are the ones the writers above stream, so the count is exact, not an estimate."""
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
    key = {
        "study": "study.activities",
        "matters": "matters.total",
        "institutions": "institutions.total",
        "visits": "research.visits",
        "demands": "demands.total",
    }[kind]
    return metrics.rows(key, campaign, org).count()


def ledger_filename(kind: str, campaign: Any, org: Any) -> str:
    scope = org or campaign.org
    return f"{KINDS[kind].title}-{scope.name}-{campaign.code}.xlsx"


# --- Writing -----------------------------------------------------------------------------------------

HEADER_ROW = 2  # title, 填报单位 row, then the header (repeated on every printed page)
LINE_POINTS = 14.0  # one wrapped line of 五号 宋体, with its leading
CELL_PADDING_POINTS = 4.0


def _formats(workbook: Any) -> dict[str, Any]:
    body = {"font_name": FONT, "font_size": BODY_SIZE, "border": 1, "valign": "vcenter", "text_wrap": True}
    return {
        "title": workbook.add_format(
            {"font_name": TITLE_FONT, "font_size": 18, "align": "center", "valign": "vcenter"}
        ),
        "info_left": workbook.add_format({"font_name": FONT, "font_size": 11, "valign": "vcenter"}),
        "info_right": workbook.add_format(
            {"font_name": FONT, "font_size": 11, "valign": "vcenter", "align": "right"}
        ),
        "header": workbook.add_format(
            {**body, "font_name": TITLE_FONT, "align": "center", "bg_color": "#F2F2F2"}
        ),
        TEXT: workbook.add_format({**body, "align": "left"}),
        CENTER: workbook.add_format({**body, "align": "center"}),
        NUMBER: workbook.add_format({**body, "align": "center"}),
        DATE: workbook.add_format({**body, "align": "center", "num_format": CHINESE_DATE}),
        "note": workbook.add_format(
            {"font_name": FONT, "font_size": 10, "valign": "top", "text_wrap": True, "font_color": "#404040"}
        ),
        "sign": workbook.add_format({"font_name": FONT, "font_size": 11, "valign": "vcenter"}),
    }


def _lines(value: Any, width: float) -> int:
    """How many lines text wraps to in a column of this width: a Chinese character takes two units, anything
    else one (its length in GBK bytes, a C-speed measure), a little generous so nothing is cut off."""
    if value.__class__ is not str or not value:
        return 1
    room = max(width - 0.5, 1.0)
    if "\n" not in value:
        return max(1, math.ceil(len(value.encode("gbk", "replace")) / room))
    return sum(max(1, math.ceil(len(part.encode("gbk", "replace")) / room)) for part in value.split("\n"))


def _height(lines: int) -> float:
    return lines * LINE_POINTS + CELL_PADDING_POINTS


def _group_heights(group: list[list[Any]], columns: tuple[Column, ...]) -> list[int]:
    """Lines of each row of a group: its own cells' need, and the merged cells' need spread over the rows
    (neither Excel nor LibreOffice grows rows for a merged cell, nor, in LibreOffice, for wrapped text)."""
    own = [
        max(_lines(v, c.width) for v, c in zip(row, columns, strict=True) if not c.merged) for row in group
    ]
    merged = max(_lines(v, c.width) for v, c in zip(group[0], columns, strict=True) if c.merged)
    extra = merged - sum(own)
    if extra <= 0:
        return own
    return [n + extra // len(own) + (1 if i < extra % len(own) else 0) for i, n in enumerate(own)]


def _sized(
    sheet: Any, first_row: int, rows: Iterator[list[Any]], columns: tuple[Column, ...]
) -> Iterator[list]:
    """The rows, each row's height set (when it wraps) just before the row is written: LibreOffice prints a
    row without a height at one line whatever its wrapped text needs."""
    wrapping = [(i, c.width) for i, c in enumerate(columns) if c.kind in (TEXT, CENTER)]
    for row, values in enumerate(rows, start=first_row):
        lines = 1
        for col, width in wrapping:
            value = values[col]
            # Only text longer than half the width can wrap (a character is at most two units).
            if value.__class__ is str and len(value) * 2 > width - 0.5:
                lines = max(lines, _lines(value, width))
        if lines > 1:
            sheet.set_row(row, _height(lines))
        yield values


def _write_groups(
    sheet: Any, first_row: int, groups: Iterator[list[list[Any]]], spec: Sheet, fmt: dict
) -> int:
    """A grouped sheet (xlsxwriter's normal mode): each group's merged columns as one cell over its rows."""
    formats = [fmt[c.kind] for c in spec.columns]
    merged_cols = [i for i, c in enumerate(spec.columns) if c.merged]
    own_cols = [i for i, c in enumerate(spec.columns) if not c.merged]
    row = first_row
    for group in groups:
        size = len(group)
        for offset, values in enumerate(group):
            for col in own_cols:
                xlsxwriter_write_cell(sheet, row + offset, col, values[col], formats[col], formats[col])
        for col in merged_cols:
            if size > 1:
                # merge_range writes its value through write(), which would take text for a formula or a URL:
                # merge over a blank, then write the first cell as data (xlsxwriter's documented way).
                sheet.merge_range(row, col, row + size - 1, col, "", formats[col])
            xlsxwriter_write_cell(sheet, row, col, group[0][col], formats[col], formats[col])
        for offset, lines in enumerate(_group_heights(group, spec.columns)):
            if lines > 1:
                sheet.set_row(row + offset, _height(lines))
        row += size
    return row - first_row


def _write_sheet(
    workbook: Any, fmt: dict, spec: Sheet, kind: LedgerKind, campaign: Any, org: Any, day: date
) -> int:
    """One sheet: title, 填报 row, header, the rows, 说明 and 填报人 / 审核人; print set-up. Rows in order."""
    from taizhang.lib.dates import today as local_today

    scope = org or campaign.org
    sheet = workbook.add_worksheet(spec.name)
    last_col = len(spec.columns) - 1
    for col, column in enumerate(spec.columns):
        sheet.set_column(col, col, column.width)
    title = f"{scope.name}{kind.title}" + ("" if spec.name == kind.title else f"（{spec.name}）")
    sheet.set_row(0, 36)
    sheet.merge_range(0, 0, 0, last_col, title, fmt["title"])
    split = max(1, (last_col + 1) * 2 // 3)
    sheet.set_row(1, 24)
    sheet.merge_range(1, 0, 1, split - 1, "", fmt["info_left"])
    xlsxwriter_write_cell(
        sheet, 1, 0, f"填报单位（盖章）：{scope.name}　　学习教育：{campaign.name}", fmt["info_left"]
    )
    sheet.merge_range(1, split, 1, last_col, "", fmt["info_right"])
    xlsxwriter_write_cell(sheet, 1, split, f"填报日期：{cn(local_today())}", fmt["info_right"])
    sheet.set_row(HEADER_ROW, _height(max(_lines(c.header, c.width) for c in spec.columns)))
    xlsxwriter_write_rows(sheet, HEADER_ROW, [[c.header for c in spec.columns]], fmt["header"])
    first = HEADER_ROW + 1
    rows = spec.rows(campaign, org, day)
    if spec.grouped:
        count = _write_groups(sheet, first, rows, spec, fmt)
    else:
        formats = [fmt[c.kind] for c in spec.columns]
        count = xlsxwriter_write_rows(
            sheet, first, _sized(sheet, first, rows, spec.columns), column_formats=formats
        )
        sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + max(count, 1), last_col)
    below = first + count + 1
    scope_text = f"{scope.name}{'及下级组织' if scope.kind != 'group' else ''}"
    note = f"说明：统计范围为{scope_text}；红黄灯按{cn(day)}计。" + (f"{spec.note}。" if spec.note else "")
    sheet.set_row(below, _height(_lines(note, sum(c.width for c in spec.columns))) + 2)
    sheet.merge_range(below, 0, below, last_col, "", fmt["note"])
    xlsxwriter_write_cell(sheet, below, 0, note, fmt["note"])
    sheet.set_row(below + 1, 30)
    half = (last_col + 1) // 2
    sheet.merge_range(below + 1, 0, below + 1, half - 1, "", fmt["sign"])
    xlsxwriter_write_cell(sheet, below + 1, 0, "填报人：", fmt["sign"])
    sheet.merge_range(below + 1, half, below + 1, last_col, "", fmt["sign"])
    xlsxwriter_write_cell(sheet, below + 1, half, "审核人：", fmt["sign"])
    sheet.freeze_panes(first, 0)
    # Print: A4 landscape, one page wide (the columns are sized for >= 70 %), header on every page.
    sheet.set_landscape()
    sheet.set_paper(PAPER_A4)
    sheet.set_margins(**MARGINS)
    sheet.center_horizontally()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    sheet.set_footer(FOOTER)
    return count


def ledger_write(
    kind: str, *, campaign: Any, org: Any = None, out: str | BinaryIO, today: date | None = None
) -> int:
    """Write the ledger to a path or a binary file object; returns the number of data rows of its first
    (printed) sheet."""
    spec = KINDS[kind]
    day = today or metrics.default_as_of(campaign)
    grouped = any(sheet.grouped for sheet in spec.sheets)
    workbook = xlsxwriter.Workbook(
        out,
        {
            # Merged cells over rows need the normal mode (constant_memory writes each row out for good).
            "constant_memory": not grouped,
            "in_memory": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_format_properties": {"font_name": FONT, "font_size": 11},
        },
    )
    try:
        fmt = _formats(workbook)
        counts = [_write_sheet(workbook, fmt, sheet, spec, campaign, org, day) for sheet in spec.sheets]
    finally:
        workbook.close()
    return counts[0]
