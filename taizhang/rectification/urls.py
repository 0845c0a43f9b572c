from __future__ import annotations

app_name = "rectification"

urlpatterns: list = []
