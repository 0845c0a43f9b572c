"""The demo's own bookkeeping: which parts are loaded."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class DemoPart(models.Model):
    """Which parts of the demo are loaded, so `taizhang demo` stays idempotent as parts are added."""

    name = models.CharField(max_length=64, unique=True)
    size = models.CharField(max_length=16, default="bureau")
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "演示数据"

    def __str__(self) -> str:
        return self.name
