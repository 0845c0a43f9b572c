from __future__ import annotations

from django.urls import path

from taizhang.reports import views
from taizhang.reports.fill.urls import urlpatterns as fill_urlpatterns

app_name = "reports"

urlpatterns: list = [
    path("", views.dashboard, name="dashboard"),
    path("charts/", views.dashboard_charts, name="dashboard_charts"),
    path("rows/", views.metric_rows, name="metric_rows"),
    path("summary/", views.report_list, name="report_list"),
    path("summary/generate/", views.report_generate, name="report_generate"),
    path("summary/template/", views.report_template, name="report_template"),
    path("summary/<int:pk>/", views.report_detail, name="report_detail"),
    path("summary/<int:pk>/download/", views.report_download, name="report_download"),
    path("summary/<int:pk>/drift/<str:key>/", views.report_drift_rows, name="report_drift"),
    path("ledgers/", views.ledger_list, name="ledger_list"),
    # Before ledgers/<kind>/, which would take "exports" for a ledger kind.
    path("ledgers/exports/", views.ledger_exports, name="ledger_exports"),
    path("ledgers/exports/<int:pk>/", views.ledger_export_download, name="ledger_export_download"),
    path("ledgers/<str:kind>/", views.ledger_download, name="ledger_download"),
    path("ledgers/<str:kind>/background/", views.ledger_export_request, name="ledger_export_request"),
    *fill_urlpatterns,
]
