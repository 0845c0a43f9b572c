"""Getting one task, study plan or template for a user: the object, or 404 (not visible) / 403 (read-only).

Tasks and unit plans follow the unit's scope (view to see, record to change). A personal study plan
is seen by its member and by those who see the unit's internal records (secretaries, leaders, admins),
and changed by its member or by those who record for the unit. Templates are the office's: manage.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from taizhang.core.access import Cap, deny, get_object_in_scope, scope_for, subtree_q
from taizhang.plans.models import CampaignTemplate, PlanTask, StudyPlan, StudyPlanItem


def _ancestor_paths(path: str) -> set[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return {"/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))}


def tasks_visible_to(user: Any) -> QuerySet[PlanTask]:
    """Tasks of the user's units and their subtrees, plus the tasks of the units above them: the
    committee's work plan is published to every unit taking part, read-only for those below it."""
    paths = scope_for(user).paths(Cap.VIEW)
    if not paths:
        return PlanTask.objects.none()
    if paths == ("/",):
        return PlanTask.objects.all()
    above: set[str] = set()
    for path in paths:
        above |= _ancestor_paths(path)
    return PlanTask.objects.filter(subtree_q(paths, "org") | Q(org__path__in=sorted(above)))


def get_task_for_user(user: Any, pk: int) -> PlanTask:
    try:
        return (
            tasks_visible_to(user)
            .select_related("campaign__org", "phase", "org", "lead_leader", "required_type")
            .get(pk=pk)
        )
    except PlanTask.DoesNotExist:
        if PlanTask.objects.filter(pk=pk).exists():
            deny(user, reason=f"plans.PlanTask {pk} outside scope", status=404)
        raise Http404("没有找到该任务，或您无权查看") from None


def get_rw_task_for_user(user: Any, pk: int) -> PlanTask:
    """A task the user may change (record over its unit): 404 if not visible, 403 if read-only."""
    task = get_task_for_user(user, pk)
    if not scope_for(user).can(Cap.RECORD, task.org):
        deny(user, obj=task, reason="missing capability record")
        raise PermissionDenied("您没有执行此操作的权限")
    return task


def studyplans_visible_to(user: Any) -> QuerySet[StudyPlan]:
    """Unit plans in the user's view; personal plans only their own or in their internal view."""
    scope = scope_for(user)
    personal_ok = Q(member__isnull=False, member__user=user) if getattr(user, "pk", None) else Q(pk__in=[])
    internal = scope.paths(Cap.VIEW_INTERNAL)
    if internal:
        personal_ok |= subtree_q(internal, "org")
    return StudyPlan.objects.within(user, Cap.VIEW).filter(~Q(level=StudyPlan.Level.PERSONAL) | personal_ok)


def can_edit_studyplan(user: Any, plan: StudyPlan) -> bool:
    if scope_for(user).can(Cap.RECORD, plan.org):
        return True
    return plan.member_id is not None and getattr(user, "member_id", None) == plan.member_id


def get_studyplan_for_user(user: Any, pk: int) -> StudyPlan:
    qs = StudyPlan.objects.select_related("campaign", "org", "member")
    try:
        return studyplans_visible_to(user).select_related("campaign", "org", "member").get(pk=pk)
    except StudyPlan.DoesNotExist:
        if qs.filter(pk=pk).exists():
            deny(user, reason=f"plans.StudyPlan {pk} outside scope", status=404)
        raise Http404("没有找到该学习计划，或您无权查看") from None


def get_rw_studyplan_for_user(user: Any, pk: int) -> StudyPlan:
    plan = get_studyplan_for_user(user, pk)
    if not can_edit_studyplan(user, plan):
        deny(user, obj=plan, reason="missing capability record")
        raise PermissionDenied("您没有执行此操作的权限")
    return plan


def get_rw_item_for_user(user: Any, pk: int) -> StudyPlanItem:
    item = StudyPlanItem.objects.select_related("plan").filter(pk=pk).first()
    if item is None:
        raise Http404("没有找到该计划条目")
    get_rw_studyplan_for_user(user, item.plan_id)
    return item


def get_template_for_user(user: Any, pk: int) -> CampaignTemplate:
    """Templates belong to the office (manage); one without a unit is seen by every administrator."""
    qs = CampaignTemplate.objects.select_related("org", "source_campaign")
    if scope_for(user).has_any(Cap.MANAGE):
        template = qs.filter(pk=pk, org__isnull=True).first()
        if template is not None:
            return template
    return get_object_in_scope(user, qs, view=Cap.MANAGE, pk=pk)
