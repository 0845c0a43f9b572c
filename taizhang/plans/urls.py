from __future__ import annotations

from django.urls import path

from taizhang.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/start/", views.task_start, name="task_start"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/note/", views.task_note, name="task_note"),
    path("tasks/<int:pk>/candidates/", views.task_link_candidates, name="task_link_candidates"),
    path("tasks/<int:pk>/link/", views.task_link, name="task_link"),
    path("tasks/<int:pk>/links/<int:link_pk>/remove/", views.task_unlink, name="task_unlink"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task_delete"),
    path("calendar/", views.calendar, name="calendar"),
    path("lights/", views.lights, name="lights"),
    path("study/", views.studyplan_list, name="studyplan_list"),
    path("study/new/", views.studyplan_create, name="studyplan_create"),
    path("study/<int:pk>/", views.studyplan_detail, name="studyplan_detail"),
    path("study/<int:pk>/edit/", views.studyplan_edit, name="studyplan_edit"),
    path("study/<int:pk>/delete/", views.studyplan_delete, name="studyplan_delete"),
    path("study/<int:pk>/match/", views.studyplan_match, name="studyplan_match"),
    path("study/<int:pk>/items/new/", views.item_add, name="item_add"),
    path("study/items/<int:pk>/", views.item_edit, name="item_edit"),
    path("study/items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("study/items/<int:pk>/match/", views.item_match, name="item_match"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/save/", views.template_save, name="template_save"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
]
