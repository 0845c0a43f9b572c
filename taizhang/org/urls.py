from __future__ import annotations

from django.urls import path

from taizhang.org import views

app_name = "org"

urlpatterns = [
    path("", views.org_tree, name="tree"),
    path("new/", views.org_create, name="create"),
    path("<int:pk>/", views.org_detail, name="detail"),
    path("<int:pk>/edit/", views.org_edit, name="edit"),
    path("<int:pk>/delete/", views.org_delete, name="delete"),
    path("members/", views.member_index, name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/active/", views.member_set_active, name="member_set_active"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
]
