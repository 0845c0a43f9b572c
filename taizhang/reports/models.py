"""Generated reports with their figures frozen, and users' saved draft-filling templates."""

from __future__ import annotations

from django.db import models

from taizhang.core.access import Cap, ScopedQuerySet
from taizhang.core.models import TimeStampedModel


class Report(TimeStampedModel):
    """A generated summary report. `figures` freezes {metric key: {"value": v, "ids": [...]}} at
    generation time so the report page can show drift against the live records."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="reports")
    org = models.ForeignKey(
        "org.Organization", verbose_name="范围", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("标题", max_length=200)
    file = models.FileField(upload_to="reports/%Y/%m/", max_length=255)
    figures = models.JSONField(default=dict)
    # The day the figures were taken (overdue and silent figures depend on it); ids in `figures` are
    # stored compactly by reports.idsets.
    as_of = models.DateField("统计日期", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW_INTERNAL

    class Meta:
        verbose_name = verbose_name_plural = "总结报告"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ReportTemplate(TimeStampedModel):
    """A unit's own wording of the summary report (the default ships in reports/report_templates/).
    Units without one use their nearest ancestor's, then the default."""

    org = models.OneToOneField(
        "org.Organization", verbose_name="单位", on_delete=models.CASCADE, related_name="report_template"
    )
    text = models.TextField("报告模板")

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW_INTERNAL

    class Meta:
        verbose_name = verbose_name_plural = "报告模板"

    def __str__(self) -> str:
        return f"{self.org} 报告模板"


class FillTemplate(TimeStampedModel):
    """A user's draft with its confirmed placeholder → metric mapping, reusable next time."""

    org = models.ForeignKey(
        "org.Organization", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("模板名称", max_length=200)
    source_name = models.CharField("原文件名", max_length=255)
    file = models.FileField(upload_to="drafts/%Y/%m/", max_length=255)
    mapping = models.JSONField(default=list)

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW_INTERNAL

    class Meta:
        verbose_name = verbose_name_plural = "文稿模板"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


def _fill_draft_path(instance: FillDraft, filename: str) -> str:
    # Never the client's name in the path: a generated name, the draft's extension only.
    import uuid
    from pathlib import PurePosixPath

    from django.utils import timezone

    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"drafts/work/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class FillDraft(TimeStampedModel):
    """A draft uploaded for filling, while its owner reviews the matches (reports/fill/). Kept for a few
    days; saving it as a FillTemplate is what keeps a draft for good."""

    org = models.ForeignKey(
        "org.Organization", verbose_name="单位", on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name="学习教育活动", on_delete=models.CASCADE, related_name="+"
    )
    source_name = models.CharField("原文件名", max_length=255)
    file = models.FileField(upload_to=_fill_draft_path, max_length=255)
    # One row per blank: the matcher's decision (auto_key, confidence, reason …) and the chosen key.
    rows = models.JSONField(default=list)
    debris_removed = models.PositiveIntegerField(default=0)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    # Set when the draft was opened from a saved template: saving updates that template.
    template = models.ForeignKey(
        FillTemplate, verbose_name="模板", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW_INTERNAL

    class Meta:
        verbose_name = verbose_name_plural = "待填写文稿"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.source_name
