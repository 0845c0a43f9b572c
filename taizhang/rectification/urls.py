from __future__ import annotations

from django.urls import path

from taizhang.rectification import views

app_name = "rectification"

urlpatterns = [
    # /rectification/problems/ — the problem list (问题清单) and its figures
    path("problems/", views.problem_list, name="problem_list"),
    path("problems/new/", views.problem_create, name="problem_create"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/edit/", views.problem_edit, name="problem_edit"),
    path("problems/<int:pk>/delete/", views.problem_delete, name="problem_delete"),
    path("problems/<int:pk>/note/", views.problem_note, name="problem_note"),
    path("problems/<int:pk>/measures/new/", views.measure_create, name="measure_create"),
    # the closed loop: 开始整改 → 申请销号 → 审核通过（销号）/ 退回; 重新打开
    path("problems/<int:pk>/start/", views.problem_transition, {"action": "start"}, name="problem_start"),
    path("problems/<int:pk>/submit/", views.problem_transition, {"action": "submit"}, name="problem_submit"),
    path(
        "problems/<int:pk>/sign-off/",
        views.problem_transition,
        {"action": "sign_off"},
        name="problem_sign_off",
    ),
    path("problems/<int:pk>/return/", views.problem_transition, {"action": "return"}, name="problem_return"),
    path("problems/<int:pk>/reopen/", views.problem_transition, {"action": "reopen"}, name="problem_reopen"),
    path("review/", views.review_queue, name="review_queue"),
    path("stats/", views.stats, name="stats"),
    # /rectification/measures/ — 整改措施
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/complete/", views.measure_complete, name="measure_complete"),
    path("measures/<int:pk>/undo/", views.measure_undo, name="measure_undo"),
    path("measures/<int:pk>/delete/", views.measure_delete, name="measure_delete"),
    path("measures/<int:pk>/evidence/", views.measure_evidence, name="measure_evidence"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    # /rectification/institutions/ — 制度建设
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/new/", views.institution_create, name="institution_create"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("institutions/<int:pk>/delete/", views.institution_delete, name="institution_delete"),
]
