from __future__ import annotations

from django.urls import path

from taizhang.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("switch/", views.campaign_switch, name="switch"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/seats/", views.seat_add, name="seat_add"),
    path("seats/<int:pk>/remove/", views.seat_remove, name="seat_remove"),
]
