from __future__ import annotations

from taizhang.reports.fill.urls import urlpatterns as fill_urlpatterns

app_name = "reports"

urlpatterns: list = [
    *fill_urlpatterns,
]
