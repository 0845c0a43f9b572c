from __future__ import annotations

app_name = "study"

urlpatterns: list = []
