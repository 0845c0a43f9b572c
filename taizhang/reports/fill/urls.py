"""URL patterns of the draft filler, included in the "reports" namespace by taizhang/reports/urls.py."""

from __future__ import annotations

urlpatterns: list = []
