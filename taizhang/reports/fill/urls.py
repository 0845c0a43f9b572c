"""URL patterns of the draft filler, included in the "reports" namespace by taizhang/reports/urls.py."""

from __future__ import annotations

from django.urls import path

from taizhang.reports.fill import views

urlpatterns: list = [
    path("fill/", views.fill_start, name="fill_start"),
    path("fill/upload/", views.fill_upload, name="fill_upload"),
    path("fill/drafts/<int:pk>/", views.fill_review, name="fill_review"),
    path("fill/drafts/<int:pk>/choose/", views.fill_choose, name="fill_choose"),
    path("fill/drafts/<int:pk>/download/", views.fill_download, name="fill_download"),
    path("fill/drafts/<int:pk>/checklist/", views.fill_checklist, name="fill_checklist"),
    path("fill/drafts/<int:pk>/save/", views.fill_template_save, name="fill_template_save"),
    path("fill/templates/<int:pk>/", views.fill_template_detail, name="fill_template_detail"),
    path("fill/templates/<int:pk>/download/", views.fill_template_download, name="fill_template_download"),
    path("fill/templates/<int:pk>/review/", views.fill_template_review, name="fill_template_review"),
    path("fill/templates/<int:pk>/delete/", views.fill_template_delete, name="fill_template_delete"),
]
