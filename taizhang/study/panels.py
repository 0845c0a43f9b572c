"""Home page panels of the study app, shaped by role.

    admin / leader   the campaign's study figures in their subtree and the silent branches (静默支部)
    secretary        "记录学习活动", the unit's recent activities, whether the branch is silent
    member           own recent attendance and figures, "记录自学"

Silence is judged at today, or at the campaign's last day once it is over (selectors.as_of_for).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from taizhang.core.access import Cap, scope_for
from taizhang.lib.dates import today
from taizhang.org.models import Organization
from taizhang.study import selectors
from taizhang.study.models import StudyActivity

RECENT = 5


def _top_units(request: Any, roles: tuple[str, ...]) -> list[Organization]:
    scope = scope_for(request.user)
    if scope.superuser:
        return list(Organization.objects.filter(parent=None).order_by("sort_order", "id")[:1])
    paths = {path for role, path, _ in scope.roles if role in roles}
    minimal = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return list(Organization.objects.filter(path__in=minimal).order_by("path"))


COMMITTEE_FIGURES = (
    ("study.activities", "集中学习"),
    ("study.attendance", "参与人次"),
    ("study.speakers", "研讨人次"),
)


def _committee_figures(campaign: Any, org: Organization, day: Any) -> list[dict]:
    """The three headline figures from the metric catalog (the same rule as the dashboard and the
    report), each linked to the rows behind it; only the three keys are counted, which at city scale
    is a third of what the full tallies cost."""
    from taizhang.reports import metrics
    from taizhang.reports.selectors import rows_url

    if campaign is None:
        return []
    scope_org = None if org.pk == campaign.org_id else org
    values = metrics.compute(campaign, scope_org, keys=[k for k, _ in COMMITTEE_FIGURES], as_of=day)
    return [
        {"key": key, "label": label, "value": values[key], "url": rows_url(key, campaign, scope_org)}
        for key, label in COMMITTEE_FIGURES
    ]


def _committee_panel(request: Any, campaign: Any, day: Any) -> list[dict]:
    panels = []
    for org in _top_units(request, ("admin", "leader")):
        silent = selectors.silent_units(org=org, today=day)
        panels.append(
            {
                "template": "study/panel_committee.html",
                "context": {
                    "org": org,
                    "campaign": campaign,
                    "as_of": day,
                    "figures": _committee_figures(campaign, org, day),
                    "silent": silent,
                    "days": settings.TAIZHANG_SILENT_DAYS if silent else None,
                },
            }
        )
    return panels


def _secretary_panel(request: Any, campaign: Any, day: Any) -> list[dict]:
    scope = scope_for(request.user)
    units = Organization.objects.filter(pk__in=scope.org_ids("secretary")).order_by("path")
    panels = []
    for org in units:
        recent = (
            StudyActivity.objects.in_subtree(org)
            .select_related("type", "org")
            .order_by("-date", "-id")[:RECENT]
        )
        panels.append(
            {
                "template": "study/panel_secretary.html",
                "context": {
                    "org": org,
                    "campaign": campaign,
                    "recent": list(recent),
                    "silence": selectors.unit_silence(org=org, today=day),
                    "total": selectors.tallies_total(campaign=campaign, org=org, date_to=day)
                    if campaign
                    else None,
                    "has_member": bool(getattr(request.user, "member_id", None)),
                },
            }
        )
    return panels


def _member_panel(request: Any, campaign: Any) -> list[dict]:
    member = getattr(request.user, "member", None)
    if member is None:
        return []
    return [
        {
            "template": "study/panel_member.html",
            "context": {
                "member": member,
                "campaign": campaign,
                "summary": selectors.my_summary(member=member, campaign=campaign),
                "recent": list(selectors.my_attendance(member=member)[:RECENT]),
            },
        }
    ]


def home_panels(request: Any, campaign: Any) -> list[dict]:
    scope = scope_for(request.user)
    roles = scope.role_names
    day = selectors.as_of_for(campaign, today())
    panels: list[dict] = []
    if roles & {"admin", "leader"}:
        panels += _committee_panel(request, campaign, day)
    if "secretary" in roles:
        panels += _secretary_panel(request, campaign, day)
    if not roles & {"admin", "leader", "secretary"} and scope.has_any(Cap.VIEW):
        panels += _member_panel(request, campaign)
    return panels
