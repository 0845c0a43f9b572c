"""Workbook imports: one row per attempt (preview, import, failure), kept for the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from taizhang.core.access import Cap, ScopedQuerySet
from taizhang.core.models import BackgroundJob


class ImportRun(BackgroundJob):
    """One attempt; from the web a background job (core/jobs.py): RUNNING while queued (no worker yet) and
    while a worker checks or writes it, then PREVIEW, DONE, FAILED or CANCELLED."""

    class Status(models.TextChoices):
        RUNNING = "running", "处理中"
        PREVIEW = "preview", "预览"
        FAILED = "failed", "有错误，未写入"
        DONE = "done", "已导入"
        CANCELLED = "cancelled", "已取消"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # The unit whose subtree the importing administrator manages: who else may see this run
    # (imports.selectors.run_list). Empty for runs of the command line without --user.
    org = models.ForeignKey(
        "org.Organization",
        verbose_name="管理范围",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=16, choices=Status.choices)
    dry_run = models.BooleanField(default=False)
    counts = models.JSONField("数量", default=dict)
    errors = models.JSONField("错误", default=list)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The uploaded file (kept while a preview waits for confirmation) and the failed-rows workbook,
    # as names in the default storage under imports/.
    stored_name = models.CharField(max_length=255, blank=True)
    failed_name = models.CharField(max_length=255, blank=True)
    preview_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="imports", verbose_name="预览"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="取消人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.MANAGE

    class Meta:
        verbose_name = verbose_name_plural = "导入记录"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.get_status_display()}"

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def summary(self) -> str:
        """ "组织 新增 1、学习活动 新增 3 …" for the history list (from the stored counts, no query)."""
        parts = []
        for sheet, figures in self.counts.items():
            if isinstance(figures, dict) and (figures.get("created") or figures.get("updated")):
                words = [f"新增 {figures['created']}" if figures.get("created") else ""]
                words.append(f"更新 {figures['updated']}" if figures.get("updated") else "")
                parts.append(f"{sheet} {' '.join(w for w in words if w)}")
        return "、".join(parts) or "没有变化"

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.RUNNING
