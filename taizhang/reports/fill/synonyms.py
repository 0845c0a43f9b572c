"""The draft filler's vocabulary: how reports phrase each catalog metric.

A metric is read as (subject, facet): WHAT is counted (读书班, 问题, 整改措施, 制度 …) and WHICH figure of
it (how many, attendance, speakers, done, rate, new/improved …). Each metric key has one sense below; the
words of a draft point to a subject and a facet, and the unit after the blank must fit the metric.

    SENSES        metric key → (subject, facet)
    SUBJECTS      subject → the phrases naming it (regular expressions), strong or weak
    FACETS        facet phrases → the facets they name (strong: must apply; weak: ignored when they do not)
    UNITS         the units written after a blank, and which catalog units they fit
    UNIT_DEFAULT  a unit that alone names a metric when the sentence names nothing (期 → 读书班期数)

Catalog labels are phrases too (labels_as_terms): "读书班参与人次" names its metric wherever it appears.
This table belongs to the filler (the catalog in reports/metrics.py stays the single source of figures);
a key added to the catalog later without a sense here is still found by its label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- metric key → (subject, facet) ------------------------------------------------------------------

SENSES: dict[str, tuple[str, str]] = {
    "study.first_topic": ("first_topic", "count"),
    "study.central_group": ("central_group", "count"),
    "study.weekly_meeting": ("weekly_meeting", "count"),
    "study.branch_concentrated": ("branch_concentrated", "count"),
    "study.reading_class": ("reading_class", "count"),
    "study.reading_class.attendance": ("reading_class", "attendance"),
    "study.reading_class.speakers": ("reading_class", "speakers"),
    "study.theme_party_day": ("theme_party_day", "count"),
    "study.party_lecture": ("party_lecture", "count"),
    "study.seminar": ("seminar", "count"),
    "study.rectification_seminar": ("rectification_seminar", "count"),
    "study.exchange_discussion": ("exchange_discussion", "count"),
    "study.youth_forum": ("youth_forum", "count"),
    "study.clean_class": ("clean_class", "count"),
    "study.activities": ("study", "count"),
    "study.attendance": ("study", "attendance"),
    "study.expected": ("study", "expected"),
    "study.present": ("study", "present"),
    "study.attendance_rate": ("study", "rate"),
    "study.invitees": ("study", "invitees"),
    "study.speakers": ("study", "speakers"),
    "study.self_study.entries": ("self_study", "count"),
    "study.self_study.hours": ("self_study", "hours"),
    "study.self_study.members": ("self_study", "people"),
    "research.topics": ("research_topic", "count"),
    "research.visits": ("research", "count"),
    "research.findings": ("research", "findings"),
    "demands.total": ("demands", "count"),
    "demands.resolved": ("demands", "done"),
    "matters.total": ("matters", "count"),
    "matters.done": ("matters", "done"),
    "matters.beneficiaries": ("matters", "people"),
    "matters.overdue": ("matters", "overdue"),
    "problems.total": ("problems", "count"),
    "problems.closed": ("problems", "done"),
    "problems.rate": ("problems", "rate"),
    "problems.overdue": ("problems", "overdue"),
    "problems.submitted": ("problems", "submitted"),
    "problems.immediate": ("problems", "immediate"),
    "measures.total": ("measures", "count"),
    "measures.done": ("measures", "done"),
    "measures.overdue": ("measures", "overdue"),
    "institutions.improved": ("institutions", "improved"),
    "institutions.new": ("institutions", "new"),
    "institutions.total": ("institutions", "count"),
    "plan.tasks": ("tasks", "count"),
    "plan.tasks.done": ("tasks", "done"),
    "plan.tasks.overdue": ("tasks", "overdue"),
    "plan.tasks.prescribed": ("tasks", "prescribed"),
    "plan.tasks.featured": ("tasks", "featured"),
    "members.total": ("members", "count"),
}

SUBJECT_LABELS: dict[str, str] = {
    "first_topic": "第一议题",
    "central_group": "中心组学习",
    "weekly_meeting": "周例会集体学习",
    "branch_concentrated": "支部集中学习",
    "reading_class": "读书班",
    "theme_party_day": "主题党日",
    "party_lecture": "党课",
    "seminar": "专题研讨",
    "rectification_seminar": "整改专题研讨",
    "exchange_discussion": "交流讨论",
    "youth_forum": "青年干部座谈会",
    "clean_class": "清风课堂",
    "study": "学习活动",
    "self_study": "个人自学",
    "research_topic": "调研课题",
    "research": "调研",
    "demands": "群众诉求",
    "matters": "办实事",
    "problems": "问题",
    "measures": "整改措施",
    "institutions": "制度",
    "tasks": "工作任务",
    "members": "党员",
}

# A gap inside one clause (clauses are split on ，、 before matching, so no comma can be inside).
_GAP = r"[^，,、。；;！!？?\t|\ue000]{0,20}?"
_SHORT_GAP = r"[^，,、。；;！!？?\t|\ue000]{0,6}?"

# --- subject phrases -------------------------------------------------------------------------------
# (pattern, strong). Patterns with a gap name its ends (?P<a>…)(?P<b>…) so explanations read "支部…集中学习".
# Weak subjects (generic "学习", a bare "党员") only decide when nothing stronger does.

SUBJECTS: dict[str, list[tuple[str, bool]]] = {
    "first_topic": [(r"“?第一议题”?(?:制度)?", True)],
    "central_group": [(r"(?:理论学习)?中心组(?:学习)?", True)],
    "weekly_meeting": [
        (r"周例会(?:大会)?(?:集体学习)?", True),
        (r"(?:全局|全体(?:党员)?干部|全体党员|干部职工|机关)大会(?:集体学习)?", True),
        (r"大会集体学习", True),
    ],
    "branch_concentrated": [
        (r"支部集中学习", True),
        (rf"(?P<a>(?:各)?(?:党)?支部){_GAP}(?P<b>集中学习)", True),
    ],
    "reading_class": [(r"(?:专题)?读书(?:研讨)?班|读书会", True)],
    "theme_party_day": [(r"主题党日(?:活动)?", True)],
    "party_lecture": [(r"(?:专题|微)?党课", True)],
    "seminar": [(r"专题研讨(?:会)?", True)],
    "rectification_seminar": [
        (r"整改专题研讨(?:会)?", True),
        (rf"(?P<a>整改){_SHORT_GAP}(?P<b>专题研讨(?:会)?)", True),
    ],
    "exchange_discussion": [(r"交流讨论|交流研讨", True)],
    "youth_forum": [(r"青年(?:干部)?座谈(?:会)?", True)],
    "clean_class": [(r"清风课堂", True)],
    "study": [(r"学习活动|集中学习|集体学习|专题学习|组织学习", False)],
    "self_study": [(r"个人自学|自主学习|自学", True)],
    "research_topic": [(r"调研课题|调研题目", True)],
    "research": [(r"调查研究|调研走访|调研|走访调研|四下基层", True)],
    "demands": [
        (r"群众诉求|诉求|急难愁盼(?:问题)?|群众反映(?:强烈)?的?问题|群众意见建议|意见建议", True),
    ],
    "matters": [(r"(?:我为群众)?办实事(?:项目)?|民生实事|惠民实事|实事项目|实事", True)],
    "problems": [
        (r"问题清单", True),
        (r"(?:查摆|检视|梳理|查找|排查|剖析)(?:出|发现|梳理)?(?:的)?(?:突出)?问题", True),
        (r"问题", True),
    ],
    "measures": [(r"(?:整改|细化|具体)?措施|整改举措", True)],
    "institutions": [(r"(?:规章)?制度|长效机制", True)],
    "tasks": [(r"(?:重点|工作)?任务", True)],
    "members": [(r"党员(?:干部)?", False)],
}

# --- facet phrases ---------------------------------------------------------------------------------
# (pattern, facets, strong). Some phrases also name their subject ("整改率" is the problems' rate).
# A strong facet must apply to the subject (参与 → attendance: a subject without attendance is not it);
# a weak one is dropped when the subject has no such figure ("制定整改措施" is just the measures).


@dataclass(frozen=True)
class Term:
    pattern: str
    subject: str | None = None
    facets: frozenset[str] = frozenset()
    subject_strong: bool = True  # strong subjects decide before weak ones
    facet_strong: bool = True  # a strong facet must apply to the subject; a weak one is dropped if not
    label: str = ""  # the catalog label this term came from


FACETS: list[Term] = [
    Term(r"参与|参加|出席|到会|覆盖", facets=frozenset({"attendance"})),
    Term(r"参学|参训", subject="study", facets=frozenset({"attendance"}), subject_strong=False),
    Term(r"研讨发言|交流发言|发言|研讨|参与研讨|参加研讨|谈体会", facets=frozenset({"speakers"})),
    Term(r"应到|应参加", facets=frozenset({"expected"})),
    Term(r"实到|实际参加", facets=frozenset({"present"})),
    Term(r"列席", facets=frozenset({"invitees"})),
    Term(
        r"已完成|已办结|已销号|已解决|已整改(?:到位|完成)?|整改到位|整改完成|完成整改|办结|销号|解决|落实到位",
        facets=frozenset({"done"}),
    ),
    Term(r"完成", facets=frozenset({"done"}), facet_strong=False),
    Term(r"(?:问题)?整改(?:完成)?率|销号率", subject="problems", facets=frozenset({"rate"})),
    Term(r"出勤率|参学率|到课率|参会率", subject="study", facets=frozenset({"rate"})),
    Term(r"完成率|办结率|解决率|比例|占比", facets=frozenset({"rate"})),
    Term(r"超期|逾期|超时限", facets=frozenset({"overdue"})),
    Term(r"待审核|申请销号", facets=frozenset({"submitted"})),
    Term(r"立行立改|即知即改", facets=frozenset({"immediate"})),
    Term(r"受益|惠及|服务群众", facets=frozenset({"people"})),
    Term(r"时长|累计学习时间", facets=frozenset({"hours"})),
    Term(r"调研(?:中|时)?发现(?:的)?问题|发现问题", subject="research", facets=frozenset({"findings"})),
    Term(r"新建立|新建|新制定|新出台|建立|制定|出台", facets=frozenset({"new"}), facet_strong=False),
    Term(r"修订完善|修改完善|完善|修订|修改|健全", facets=frozenset({"improved"}), facet_strong=False),
    # Both at once: the institutions' total, or — for 建立健全 — a tie the matcher refuses.
    Term(
        r"新建(?:和|及|、)完善|建立(?:和|及|、)完善|新建和修订",
        facets=frozenset({"count"}),
        facet_strong=False,
    ),
    Term(r"建立健全", facets=frozenset({"new", "improved"}), facet_strong=False),
    Term(r"规定动作", facets=frozenset({"prescribed"}), facet_strong=False),
    Term(r"特色做法|特色活动", facets=frozenset({"featured"}), facet_strong=False),
]

# --- units -----------------------------------------------------------------------------------------
# Written unit → the catalog units it may stand for. 人次 never matches a 次 metric; % only ratios.

UNITS: dict[str, frozenset[str]] = {
    "人次": frozenset({"人次"}),
    "次": frozenset({"次", "期"}),
    "场": frozenset({"次", "期"}),
    "轮": frozenset({"次"}),
    "期": frozenset({"期", "次"}),
    "个": frozenset({"个", "项", "件"}),
    "项": frozenset({"个", "项", "件"}),
    "件": frozenset({"个", "项", "件"}),
    "条": frozenset({"个", "项", "件"}),
    "份": frozenset({"项", "件"}),
    "部": frozenset({"项"}),
    "人": frozenset({"人"}),
    "名": frozenset({"人"}),
    "位": frozenset({"人"}),
    "%": frozenset({"%"}),
    "小时": frozenset({"小时"}),
    "学时": frozenset({"小时"}),
    # Units no catalog metric has: a blank followed by one of these is refused, not guessed.
    "篇": frozenset(),
    "户": frozenset(),
    "家": frozenset(),
    "天": frozenset(),
    "元": frozenset(),
    "万元": frozenset(),
    "本": frozenset(),
    "册": frozenset(),
    "批": frozenset(),
    "年": frozenset(),
    "月": frozenset(),
    "日": frozenset(),
    "号": frozenset(),
}
# Longest first, so 人次 wins over 人 and 万元 over 元.
UNIT_PATTERN = re.compile(
    r"[ \u3000\u00a0*]*(?:余|多)?(?:个)?("
    + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
    + r"|％)"
)
DATE_UNITS = {"年", "月", "日", "号"}

UNIT_DEFAULT: dict[str, str] = {"期": "study.reading_class", "小时": "study.self_study.hours"}

# The facet a unit implies when the words name none.
UNIT_FACET: dict[str, str] = {
    "次": "count",
    "场": "count",
    "轮": "count",
    "期": "count",
    "个": "count",
    "项": "count",
    "件": "count",
    "条": "count",
    "份": "count",
    "部": "count",
    "%": "rate",
    "小时": "hours",
    "学时": "hours",
}

_LABEL_SUFFIX = re.compile(r"（[^）]*）$")


def labels_as_terms(catalog_rows: list[dict]) -> list[Term]:
    """Each catalog label, as written and without its count suffix, names its metric."""
    terms = []
    for row in catalog_rows:
        subject, facet = SENSES.get(row["key"], (row["key"], "count"))
        label = _LABEL_SUFFIX.sub("", row["label"])
        variants = {label}
        for suffix in ("次数", "期数", "人数", "项数", "总数", "数"):
            if label.endswith(suffix) and len(label) - len(suffix) >= 3:
                variants.add(label[: -len(suffix)])
        for variant in variants:
            # A plain count is what the subject means anyway; other facets ride on the label.
            facets = frozenset() if facet == "count" else frozenset({facet})
            terms.append(Term(re.escape(variant), subject=subject, facets=facets, label=row["label"]))
    return terms
