from __future__ import annotations

from django.urls import path

from taizhang.study import views

app_name = "study"

urlpatterns = [
    path("", views.activity_list, name="activity_list"),
    path("new/", views.activity_create, name="activity_create"),
    path("<int:pk>/", views.activity_detail, name="activity_detail"),
    path("<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("<int:pk>/attachments/", views.activity_attachments_add, name="activity_attachments_add"),
    path("attachments/<int:pk>/delete/", views.activity_attachment_delete, name="activity_attachment_delete"),
    # Fragments of the recording page (htmx).
    path("sheet/roster/", views.roster, name="roster"),
    path("sheet/row/", views.roster_row, name="roster_row"),
    path("sheet/search/", views.member_search, name="member_search"),
    # A member's own study; secretaries' view of self-study in scope.
    path("mine/", views.my_study, name="my_study"),
    path("self-study/", views.selfstudy_list, name="selfstudy_list"),
    path("self-study/new/", views.selfstudy_create_for, name="selfstudy_create_for"),
    path("self-study/<int:pk>/edit/", views.selfstudy_edit, name="selfstudy_edit"),
    path("self-study/<int:pk>/delete/", views.selfstudy_delete, name="selfstudy_delete"),
    path("tallies/", views.tallies, name="tallies"),
    # The campaign's catalog (committee office).
    path("catalog/<int:pk>/", views.catalog, name="catalog"),
    path("catalog/<int:pk>/materials/", views.material_add, name="material_add"),
    path("materials/<int:pk>/toggle/", views.material_toggle, name="material_toggle"),
    path("materials/<int:pk>/delete/", views.material_delete, name="material_delete"),
    path("catalog/<int:pk>/types/", views.type_add, name="type_add"),
    path("types/<int:pk>/delete/", views.type_delete, name="type_delete"),
]
