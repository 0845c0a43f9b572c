"""Workbook imports: one row per attempt, kept for the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportRun(models.Model):
    class Status(models.TextChoices):
        PREVIEW = "preview", "预览"
        FAILED = "failed", "有错误，未写入"
        DONE = "done", "已导入"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    file_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=16, choices=Status.choices)
    dry_run = models.BooleanField(default=False)
    counts = models.JSONField("数量", default=dict)
    errors = models.JSONField("错误", default=list)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入记录"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.get_status_display()}"
