"""Getting one topic, visit, finding, demand or matter for a user: the object, or 404 / 403.

Topics, visits and matters are campaign records every member of the unit may see (Cap.VIEW);
demands carry the names and contacts of members of the public, so they need Cap.VIEW_INTERNAL.
Changing any of them needs Cap.RECORD over the record's unit.
"""

from __future__ import annotations

from typing import Any

from taizhang.core.access import Cap, get_object_in_scope, scope_for
from taizhang.outreach.models import Demand, Finding, PracticalMatter, ResearchTopic, ResearchVisit


def get_topic_for_user(user: Any, pk: int) -> ResearchTopic:
    qs = ResearchTopic.objects.select_related("org", "campaign", "leader")
    return get_object_in_scope(user, qs, view=Cap.VIEW, pk=pk)


def get_rw_topic_for_user(user: Any, pk: int) -> ResearchTopic:
    qs = ResearchTopic.objects.select_related("org", "campaign", "leader")
    return get_object_in_scope(user, qs, view=Cap.VIEW, need=Cap.RECORD, pk=pk)


def get_visit_for_user(user: Any, pk: int) -> ResearchVisit:
    qs = ResearchVisit.objects.select_related("org", "campaign", "topic")
    return get_object_in_scope(user, qs, view=Cap.VIEW, pk=pk)


def can_open_visit(user: Any, visit: ResearchVisit) -> bool:
    """Whether visit_detail would open for the user: a committee visit that found a branch's problem
    or matter is named on the branch's pages but linked only for those who may open it."""
    return scope_for(user).can(Cap.VIEW, visit.org)


def get_rw_visit_for_user(user: Any, pk: int) -> ResearchVisit:
    qs = ResearchVisit.objects.select_related("org", "campaign", "topic")
    return get_object_in_scope(user, qs, view=Cap.VIEW, need=Cap.RECORD, pk=pk)


def get_rw_finding_for_user(user: Any, pk: int) -> Finding:
    """A finding the user may turn into a problem or a matter (record rights over the visit's unit)."""
    qs = Finding.objects.select_related("visit__org", "visit__campaign", "visit__topic__leader")
    return get_object_in_scope(user, qs, view=Cap.VIEW, need=Cap.RECORD, pk=pk)


def get_demand_for_user(user: Any, pk: int) -> Demand:
    qs = Demand.objects.select_related("org", "campaign", "visit")
    return get_object_in_scope(user, qs, view=Cap.VIEW_INTERNAL, pk=pk)


def get_rw_demand_for_user(user: Any, pk: int) -> Demand:
    qs = Demand.objects.select_related("org", "campaign", "visit")
    return get_object_in_scope(user, qs, view=Cap.VIEW_INTERNAL, need=Cap.RECORD, pk=pk)


def get_matter_for_user(user: Any, pk: int) -> PracticalMatter:
    qs = PracticalMatter.objects.select_related("org", "campaign", "visit", "finding", "demand__org")
    return get_object_in_scope(user, qs, view=Cap.VIEW, pk=pk)


def get_rw_matter_for_user(user: Any, pk: int) -> PracticalMatter:
    qs = PracticalMatter.objects.select_related("org", "campaign", "visit", "finding", "demand__org")
    return get_object_in_scope(user, qs, view=Cap.VIEW, need=Cap.RECORD, pk=pk)
