"""Getting one problem, measure or institution for a user: the object, or 404 (not visible) / 403.

Problems and measures are internal records (view_internal: secretaries, leaders, admins of the unit's
subtree); institutions are public to the campaign's members (view). Recording needs `record`;
signing off, returning and reopening need `review`, which only a leader holds.
"""

from __future__ import annotations

from typing import Any

from taizhang.core.access import Cap, get_object_in_scope, scope_for
from taizhang.core.models import Attachment
from taizhang.rectification.models import Institution, Measure, Problem


def _problems():  # noqa: ANN202
    return Problem.objects.select_related(
        "org", "campaign", "responsible_leader", "closed_by", "activity", "visit", "finding"
    )


def get_problem_for_user(user: Any, pk: int) -> Problem:
    return get_object_in_scope(user, _problems(), view=Cap.VIEW_INTERNAL, pk=pk)


def get_rw_problem_for_user(user: Any, pk: int) -> Problem:
    return get_object_in_scope(user, _problems(), view=Cap.VIEW_INTERNAL, need=Cap.RECORD, pk=pk)


def get_review_problem_for_user(user: Any, pk: int) -> Problem:
    return get_object_in_scope(user, _problems(), view=Cap.VIEW_INTERNAL, need=Cap.REVIEW, pk=pk)


def get_rw_measure_for_user(user: Any, pk: int) -> Measure:
    return get_object_in_scope(
        user,
        Measure.objects.select_related("problem__org"),
        view=Cap.VIEW_INTERNAL,
        need=Cap.RECORD,
        pk=pk,
    )


def get_rw_evidence_for_user(user: Any, pk: int) -> tuple[Attachment, Problem]:
    """An attachment of a problem or measure the user may change; 404 for any other attachment."""
    from django.contrib.contenttypes.models import ContentType
    from django.http import Http404

    attachment = (
        Attachment.objects.filter(
            pk=pk,
            content_type__in=[
                ContentType.objects.get_for_model(Problem),
                ContentType.objects.get_for_model(Measure),
            ],
        )
        .select_related("content_type")
        .first()
    )
    if attachment is None:
        raise Http404("没有找到该材料")
    if attachment.content_type.model_class() is Measure:
        measure = get_rw_measure_for_user(user, attachment.object_id)
        return attachment, measure.problem
    return attachment, get_rw_problem_for_user(user, attachment.object_id)


def get_institution_for_user(user: Any, pk: int) -> Institution:
    return get_object_in_scope(
        user, Institution.objects.select_related("org", "campaign"), view=Cap.VIEW, pk=pk
    )


def get_rw_institution_for_user(user: Any, pk: int) -> Institution:
    return get_object_in_scope(
        user, Institution.objects.select_related("org", "campaign"), view=Cap.VIEW, need=Cap.RECORD, pk=pk
    )


def problem_permissions(user: Any, problem: Problem) -> dict[str, bool]:
    """What the user may do with this problem now: drives the buttons (the services check again)."""
    scope = scope_for(user)
    record = scope.can(Cap.RECORD, problem.org)
    review = scope.can(Cap.REVIEW, problem.org)
    status = problem.status
    S = Problem.Status
    editable = status in (S.OPEN, S.IN_PROGRESS)
    return {
        "record": record,
        "review": review,
        "edit": record and editable,
        "delete": record and status == S.OPEN,
        "note": record and status != S.CLOSED,
        "start": record and status == S.OPEN,
        "submit": record and status == S.IN_PROGRESS,
        "sign_off": review and status == S.SUBMITTED,
        "return": review and status == S.SUBMITTED,
        "reopen": review and status == S.CLOSED,
    }
