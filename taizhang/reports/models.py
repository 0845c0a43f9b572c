"""Generated reports with their figures frozen, users' saved draft-filling templates, ledgers generated in
the background."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from taizhang.core.access import Cap, ScopedQuerySet
from taizhang.core.models import BackgroundJob, TimeStampedModel


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


def ledger_kind_choices() -> list[tuple[str, str]]:
    # Read from the ledger writers (reports.ledgers.KINDS), so a new ledger needs no migration here.
    from taizhang.reports.ledgers import KINDS

    return [(kind.code, kind.title) for kind in KINDS.values()]


class LedgerExport(BackgroundJob):
    """A ledger generated outside the request (reports.services.ledger_export_*, a background job run by
    `taizhang worker`: core/jobs.py), for ledgers too large to build while a web worker and nginx wait. One row per request; every state change is written to it as
    it happens (排队中 → 生成中 → 已完成 or 失败, with the time of each step), and the file stays in the
    default storage under exports/ until `taizhang exports_purge` removes the row and the file together."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    PENDING = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField("台账", max_length=16, choices=ledger_kind_choices)
    # Exports are derived and short-lived: they never stand in the way of deleting a unit or a campaign
    # (files whose row went with them are swept by exports_purge).
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name="学习教育活动", on_delete=models.CASCADE, related_name="+"
    )
    # The unit whose subtree the ledger covers (the campaign's own unit for the whole campaign).
    org = models.ForeignKey(
        "org.Organization", verbose_name="范围", on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField("行数", null=True, blank=True)
    # A random name (never the ledger's title) in the default storage; set only once the file is complete.
    file = models.FileField("文件", upload_to="exports/", max_length=255, blank=True)
    size = models.PositiveBigIntegerField("大小", null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField("失败原因", max_length=500, blank=True)
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW_INTERNAL

    class Meta:
        verbose_name = verbose_name_plural = "台账导出"
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One export of the same ledger at a time: a second request while one is queued or running gets
            # that one (reports.services.ledger_export_request), even when two arrive at the same moment.
            models.UniqueConstraint(
                fields=["kind", "campaign", "org"],
                condition=Q(status__in=["queued", "running"]),
                name="reports_ledgerexport_one_pending",
            ),
        ]
        # Used by the ledger page's list of recent exports (reports.selectors.ledger_exports_for_page).
        indexes = [models.Index(fields=["campaign", "requested_at"], name="reports_ledgerexport_page_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING
