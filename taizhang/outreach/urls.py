from __future__ import annotations

from django.urls import path

from taizhang.outreach import views

app_name = "outreach"

urlpatterns = [
    # /outreach/topics/ — research topics (调研课题)
    path("topics/", views.topic_list, name="topic_list"),
    path("topics/new/", views.topic_create, name="topic_create"),
    path("topics/<int:pk>/", views.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/edit/", views.topic_edit, name="topic_edit"),
    path("topics/<int:pk>/delete/", views.topic_delete, name="topic_delete"),
    # /outreach/visits/ — research visits (调研 / 四下基层) and their findings
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("findings/<int:pk>/problem/", views.finding_to_problem, name="finding_to_problem"),
    path("findings/<int:pk>/matter/", views.finding_to_matter, name="finding_to_matter"),
    # /outreach/demands/ — public demands (群众诉求 / 急难愁盼)
    path("demands/", views.demand_list, name="demand_list"),
    path("demands/new/", views.demand_create, name="demand_create"),
    path("demands/<int:pk>/", views.demand_detail, name="demand_detail"),
    path("demands/<int:pk>/edit/", views.demand_edit, name="demand_edit"),
    path("demands/<int:pk>/respond/", views.demand_respond, name="demand_respond"),
    path("demands/<int:pk>/resolve/", views.demand_resolve, name="demand_resolve"),
    path("demands/<int:pk>/reopen/", views.demand_reopen, name="demand_reopen"),
    path("demands/<int:pk>/matter/", views.demand_to_matter, name="demand_to_matter"),
    path("demands/<int:pk>/contact/", views.demand_contact, name="demand_contact"),
    path("demands/<int:pk>/delete/", views.demand_delete, name="demand_delete"),
    # /outreach/matters/ — practical matters (我为群众办实事)
    path("matters/", views.matter_list, name="matter_list"),
    path("matters/new/", views.matter_create, name="matter_create"),
    path("matters/<int:pk>/", views.matter_detail, name="matter_detail"),
    path("matters/<int:pk>/edit/", views.matter_edit, name="matter_edit"),
    path("matters/<int:pk>/progress/", views.matter_progress, name="matter_progress"),
    path("matters/<int:pk>/complete/", views.matter_complete, name="matter_complete"),
    path("matters/<int:pk>/reopen/", views.matter_reopen, name="matter_reopen"),
    path("matters/<int:pk>/files/", views.matter_attach, name="matter_attach"),
    path("matters/<int:pk>/delete/", views.matter_delete, name="matter_delete"),
    # /outreach/counts/ — counts by unit
    path("counts/", views.unit_counts, name="unit_counts"),
]
