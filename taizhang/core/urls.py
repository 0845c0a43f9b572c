from __future__ import annotations

from django.urls import path

from taizhang.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("files/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("healthz/", views.healthz, name="healthz"),
    path("audit/", views.audit_list, name="audit_list"),
    path("pick/<slug:kind>/", views.pick, name="pick"),
]
