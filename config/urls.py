from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("taizhang.core.urls")),
    path("accounts/", include("taizhang.accounts.urls")),
    path("org/", include("taizhang.org.urls")),
    path("campaigns/", include("taizhang.campaigns.urls")),
    path("study/", include("taizhang.study.urls")),
    path("plans/", include("taizhang.plans.urls")),
    path("outreach/", include("taizhang.outreach.urls")),
    path("rectification/", include("taizhang.rectification.urls")),
    path("reports/", include("taizhang.reports.urls")),
    path("imports/", include("taizhang.imports.urls")),
]

handler403 = "taizhang.core.errors.permission_denied"
handler404 = "taizhang.core.errors.page_not_found"
handler500 = "taizhang.core.errors.server_error"
