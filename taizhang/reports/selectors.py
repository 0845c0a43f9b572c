"""Reads of the reports app: the dashboard, report snapshots and their drift. Every function issues a bounded
number of queries whatever the data size (aggregates and LIMITed lists only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from taizhang.core.access import Cap
from taizhang.core.lights import Light, light_case
from taizhang.reports import idsets, metrics
from taizhang.reports.ledgers import KINDS, ledger_rows_count
from taizhang.reports.models import LedgerExport, Report

RED_LIST = 5  # red items listed per kind on the dashboard
RECENT_EXPORTS = 10  # background ledgers listed on the ledger page

# Lit models on the dashboard: (catalog key of their rows, overdue key, Chinese name).
RED_KINDS = (
    ("problems.total", "problems.overdue", "问题"),
    ("measures.total", "measures.overdue", "整改措施"),
    ("plan.tasks", "plan.tasks.overdue", "工作任务"),
    ("matters.total", "matters.overdue", "办实事"),
)

# The figures shown at the top of the dashboard and on the home strip.
KEY_FIGURES = (
    "study.activities",
    "study.attendance",
    "study.attendance_rate",
    "problems.total",
    "problems.rate",
    "matters.done",
)


def rows_url(key: str, campaign: Any, org: Any = None, *, by: str = "", group: Any = "") -> str:
    """The drill-down page of a figure (reports:metric_rows)."""
    url = f"{reverse('reports:metric_rows')}?key={key}&campaign={campaign.pk}"
    if org is not None:
        url += f"&org={org.pk}"
    if by and group not in ("", None):
        url += f"&by={by}&group={group}"
    return url


def dashboard_units(*, user: Any, campaign: Any) -> QuerySet:
    """Units of the campaign the user may look at on the dashboard (the unit picker), tree order."""
    from taizhang.org.models import Organization

    return (
        Organization.objects.within(user, Cap.VIEW_INTERNAL)
        .filter(path__startswith=campaign.org.path, is_active=True)
        .exclude(kind="group")
        .order_by("path")
    )


def default_unit(*, user: Any, campaign: Any) -> Any:
    """The campaign's unit when the user sees it; else the user's highest unit inside the campaign."""
    from taizhang.core.access import scope_for
    from taizhang.org.models import Organization

    scope = scope_for(user)
    if scope.can(Cap.VIEW_INTERNAL, campaign.org):
        return None
    return (
        Organization.objects.within(user, Cap.VIEW_INTERNAL)
        .filter(path__startswith=campaign.org.path)
        .order_by("depth", "path")
        .first()
    )


def red_items(campaign: Any, org: Any, as_of: date) -> list[dict]:
    """For each lit kind: the red (overdue, open) items, most overdue first, at most RED_LIST each."""
    groups = []
    for rows_key, overdue_key, name in RED_KINDS:
        source = metrics.source_of(rows_key)
        model = source.model_class
        # The few most overdue ids first, then those rows with their units: joining every red row of a
        # city (thousands) to its unit before keeping five costs more than the second query.
        ids = list(
            metrics.rows(rows_key, campaign, org, as_of=as_of)
            .annotate(live=light_case(model.light_deadline_field, model.light_closed_q, as_of))
            .filter(live=Light.RED)
            .order_by(model.light_deadline_field, "pk")
            .values_list("pk", flat=True)[:RED_LIST]
        )
        # One query even when nothing is red (id 0 never exists), so the page's query count does not
        # depend on the data (core/tests/test_query_counts.py).
        related = [source.org_field] if source.org_field else []
        found = model._default_manager.select_related(*related).in_bulk(ids or [0])
        items = []
        for obj in (found[pk] for pk in ids):
            unit = metrics_unit(obj, source.org_field)
            items.append(
                {
                    "title": str(getattr(obj, model.light_title_field, obj))[:60],
                    "deadline": getattr(obj, model.light_deadline_field),
                    "unit": unit.display_name if unit else "",
                    "url": obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "",
                }
            )
        groups.append({"name": name, "key": overdue_key, "items": items})
    return groups


def metrics_unit(obj: Any, org_field: str) -> Any:
    current = obj
    for part in org_field.split("__"):
        current = getattr(current, part, None)
        if current is None:
            return None
    return current


def _chart(key: str, campaign: Any, org: Any, by: str, as_of: date) -> list[dict]:
    data = []
    for group, value in metrics.breakdown(key, campaign, org, by=by, as_of=as_of):
        if by == "unit":
            url = rows_url(key, campaign, group)
            label = group.display_name
        else:
            raw = f"{group.year}-{group.month:02d}" if isinstance(group, date) else group
            url = rows_url(key, campaign, org, by=by, group="" if raw is None else raw)
            label = metrics.group_label(key, by, group)
        data.append({"label": label, "value": value, "url": url})
    return data


def dashboard(*, campaign: Any, org: Any, as_of: date) -> dict:
    """The dashboard page: every figure by group, the key figures, silent branches, red items. Its
    charts come in a second request (dashboard_charts), drawn once the page is on screen."""
    figures = metrics.compute(campaign, org, as_of=as_of)
    groups = []
    for code, label in metrics.GROUP_LABELS.items():
        items = [
            {"key": m.key, "label": m.label, "unit": m.unit, "value": figures[m.key], "rule": m.rule}
            for m in metrics.CATALOG.values()
            if m.group == code
        ]
        groups.append({"code": code, "label": label, "items": items})
    return {
        "figures": figures,
        "groups": groups,
        "key_figures": [{"key": k, "metric": metrics.get(k), "value": figures[k]} for k in KEY_FIGURES],
        "silent": list(metrics.silent_units(campaign, org, as_of=as_of)[:20]),
        "red": red_items(campaign, org, as_of),
    }


def dashboard_charts(*, campaign: Any, org: Any, as_of: date) -> dict:
    """The dashboard's charts: {chart name: [{label, value, url}]}, each point linked to its rows."""
    closed_by_month = _chart("problems.closed", campaign, org, "month", as_of)
    total = metrics.compute(campaign, org, keys=["problems.total"], as_of=as_of)["problems.total"] or 0
    running = 0
    rate_line = []
    for point in closed_by_month:
        if point["label"] == "未填写":
            continue
        running += point["value"]
        rate_line.append(
            {"label": point["label"], "value": metrics._ratio(running, total) or 0.0, "url": point["url"]}
        )
    return {
        "study_month": _chart("study.activities", campaign, org, "month", as_of),
        "study_type": _chart("study.activities", campaign, org, "type", as_of),
        "attendance_unit": [
            p for p in _chart("study.attendance_rate", campaign, org, "unit", as_of) if p["value"] is not None
        ],
        "problem_status": _chart("problems.total", campaign, org, "status", as_of),
        "problem_category": _chart("problems.total", campaign, org, "type", as_of),
        "rectification_rate": rate_line,
        "matter_status": _chart("matters.total", campaign, org, "status", as_of),
    }


def reports_for_user(*, user: Any, campaign: Any) -> QuerySet[Report]:
    return (
        Report.objects.within(user, Cap.VIEW_INTERNAL)
        .filter(campaign=campaign)
        .select_related("org", "created_by")
        .order_by("-created_at", "-id")
    )


def ledger_row_counts(*, campaign: Any, org: Any = None) -> dict[str, int]:
    """{ledger kind: its number of data rows} for the campaign and unit, by COUNT queries (five in all)."""
    return {code: ledger_rows_count(code, campaign=campaign, org=org) for code in KINDS}


def ledger_exports_for_page(*, user: Any, campaign: Any, scope_org: Any) -> list[LedgerExport]:
    """The ledger page's recent background exports: the user's own in this campaign, and those of the unit
    the page shows asked for by anyone (whoever sees the page may download them; a request for a ledger
    already being generated joins that export, so it must show here)."""
    return list(
        LedgerExport.objects.filter(campaign=campaign)
        .filter(Q(requested_by=user) | Q(org=scope_org))
        .select_related("org", "requested_by")
        .order_by("-requested_at", "-id")[:RECENT_EXPORTS]
    )


def report_scope_org(report: Report) -> Any:
    """The org argument for the catalog: None when the report covers the campaign's own unit."""
    return None if report.org_id == report.campaign.org_id else report.org


def report_drift(report: Report) -> list[dict]:
    """Each frozen figure against the live records (same as-of day): value then, value now, changed?"""
    current = metrics.compute(report.campaign, report_scope_org(report), as_of=report.as_of)
    rows = []
    for metric in metrics.CATALOG.values():
        frozen = report.figures.get(metric.key)
        if frozen is None:
            continue
        now = current.get(metric.key)
        rows.append(
            {
                "key": metric.key,
                "label": metric.label,
                "unit": metric.unit,
                "group": metric.group,
                "then": frozen.get("value"),
                "now": now,
                "count": frozen.get("count"),
                "changed": frozen.get("value") != now,
            }
        )
    return rows


def report_drift_rows(report: Report, key: str) -> dict:
    """The rows that changed one figure: ids behind it now vs frozen (added / removed), listed with links."""
    frozen_text = report.figures[key].get("ids")
    if frozen_text is None:
        # Too many rows to freeze: no row-by-row comparison (the figure's own page lists the live rows).
        return {"added": [], "removed": [], "added_rows": [], "removed_rows": [], "not_frozen": True}
    frozen_ids = set(idsets.decode(frozen_text))
    now_ids = set(metrics.ids(key, report.campaign, report_scope_org(report), as_of=report.as_of))
    added = sorted(now_ids - frozen_ids)
    removed = sorted(frozen_ids - now_ids)
    return {
        "added": added,
        "removed": removed,
        "added_rows": list(metrics.rows_for_display(key, None, pks=added[:200])) if added else [],
        "removed_rows": list(metrics.rows_for_display(key, None, pks=removed[:200])) if removed else [],
    }


def unit_q(org: Any) -> Q:
    return Q(org__path__startswith=org.path)
