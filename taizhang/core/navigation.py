"""The app's navigation, shaped by the user's capabilities.

Entries name URL patterns; an entry whose pattern does not exist (a section not built yet) is left
out rather than shown as a dead link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from taizhang.core.access import Cap, Scope

# Not a capability of the role table: reading the audit log is for administrators of a top-level unit
# (core.auditlog.can_read_audit).
AUDIT = "audit"


def _allowed(scope: Scope, cap: str) -> bool:
    if cap == AUDIT:
        from taizhang.core.auditlog import can_read_audit

        return can_read_audit(scope)
    return scope.has_any(cap)


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    cap: str = Cap.VIEW


@dataclass(frozen=True)
class Section:
    label: str
    icon: str
    entries: tuple[Entry, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "学习",
        "book",
        (
            Entry("学习活动", "study:activity_list"),
            Entry("我的学习", "study:my_study"),
            Entry("个人自学", "study:selfstudy_list", Cap.VIEW_INTERNAL),
            Entry("学习统计", "study:tallies", Cap.VIEW_INTERNAL),
        ),
    ),
    Section(
        "计划",
        "calendar-week",
        (
            Entry("工作任务", "plans:task_list"),
            Entry("周历", "plans:calendar"),
            Entry("学习计划", "plans:studyplan_list"),
            Entry("红黄灯督办", "plans:lights", Cap.VIEW_INTERNAL),
            Entry("学习教育模板", "plans:template_list", Cap.MANAGE),
        ),
    ),
    Section(
        "服务群众",
        "people",
        (
            Entry("调研", "outreach:visit_list"),
            Entry("群众诉求", "outreach:demand_list", Cap.VIEW_INTERNAL),
            Entry("办实事", "outreach:matter_list"),
        ),
    ),
    Section(
        "整改",
        "clipboard-check",
        (
            Entry("问题清单", "rectification:problem_list", Cap.VIEW_INTERNAL),
            Entry("整改措施", "rectification:measure_list", Cap.VIEW_INTERNAL),
            Entry("待我审核", "rectification:review_queue", Cap.REVIEW),
            Entry("整改统计", "rectification:stats", Cap.VIEW_INTERNAL),
            Entry("制度建设", "rectification:institution_list"),
        ),
    ),
    Section(
        "数据与报告",
        "bar-chart",
        (
            Entry("数据看板", "reports:dashboard", Cap.VIEW_INTERNAL),
            Entry("总结报告", "reports:report_list", Cap.VIEW_INTERNAL),
            Entry("台账导出", "reports:ledger_list", Cap.VIEW_INTERNAL),
            Entry("填写我的文稿", "reports:fill_start", Cap.VIEW_INTERNAL),
        ),
    ),
    Section(
        "管理",
        "gear",
        (
            Entry("组织架构", "org:tree", Cap.VIEW_INTERNAL),
            Entry("党员名册", "org:member_list", Cap.VIEW_INTERNAL),
            Entry("账号与权限", "accounts:user_list", Cap.MANAGE),
            Entry("学习教育活动", "campaigns:list", Cap.VIEW),
            Entry("数据导入", "imports:index", Cap.MANAGE),
            Entry("审计日志", "core:audit_list", AUDIT),
        ),
    ),
)

_resolved: dict[str, str | None] = {}


def _url(name: str) -> str | None:
    if name not in _resolved:
        try:
            _resolved[name] = reverse(name)
        except NoReverseMatch:
            _resolved[name] = None
    return _resolved[name]


def menu_for(scope: Scope) -> list[dict]:
    menu = []
    for section in SECTIONS:
        links = [
            {"label": e.label, "url": url, "name": e.url_name}
            for e in section.entries
            if _allowed(scope, e.cap) and (url := _url(e.url_name))
        ]
        if links:
            menu.append({"label": section.label, "icon": section.icon, "links": links})
    return menu
