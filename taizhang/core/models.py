"""Rows every app shares: events (动态), attachments (佐证材料), the audit log."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


class BackgroundJob(models.Model):
    """What a row run by a background task (an ImportRun, a LedgerExport) carries for core/jobs.py: which
    enqueued attempt may run it, which process runs it, how many attempts there were. The row itself keeps
    what the user sees (its status and outcome); these fields let a lost job be found and run again."""

    # The attempt allowed to run the row: each enqueue draws a new one, and only the task carrying it can
    # claim the row or record its outcome, so a task that was given up on can never write.
    job_token = models.CharField(max_length=32, blank=True, editable=False)
    # The task framework's id of that attempt (to ask the backend whether it is still queued).
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    # "host:pid" of the process running it; empty while queued.
    worker = models.CharField(max_length=128, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Event(models.Model):
    """One state change or progress note of a record (动态): who, when, from → to, note.

    History pages, the audit of workflows and "dynamic update" all read these rows; services write
    them (core.services.event_record) in the same transaction as the change they describe.
    """

    class Kind(models.TextChoices):
        CREATED = "created", "创建"
        CHANGED = "changed", "修改"
        STATUS = "status", "状态变更"
        NOTE = "note", "进展"
        UPLOAD = "upload", "上传材料"
        LIGHT = "light", "红黄绿灯变化"
        DELETED = "deleted", "删除"
        LINKED = "linked", "关联"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    from_state = models.CharField("原状态", max_length=32, blank=True)
    to_state = models.CharField("新状态", max_length=32, blank=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField("变更内容", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "动态"
        ordering = ["-at", "-id"]
        # Used by every detail page's history (core.selectors.events_for).
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="core_event_subject_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_state}→{self.to_state}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    # Never the client's name in the path: a generated name, the sniffed extension only.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    now = timezone.localdate()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """An uploaded file (sign-in sheet photo, PDF, evidence) belonging to one record.

    Files live under MEDIA_ROOT, which no URL serves; core.views.attachment_download streams them
    after checking that the user may see the owning record.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("content_type", "object_id")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=_attachment_path, max_length=255)
    original_name = models.CharField("文件名", max_length=255)
    mime_type = models.CharField("类型", max_length=100)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    kind = models.CharField("用途", max_length=32, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="core_attachment_owner_idx")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


class AuditLog(models.Model):
    """Append-only security log (等保 8.1.4.3): logins, denials, creates, changes, deletes, exports, imports.

    The application never updates or deletes these rows: save() refuses updates, delete() refuses,
    and no view offers either. Retention is at least 180 days (core.services.audit_purge).
    """

    class Action(models.TextChoices):
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOGOUT = "logout", "退出"
        LOCKED = "locked", "账户锁定"
        PASSWORD = "password", "修改密码"
        DENIED = "denied", "越权访问被拒绝"
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        EXPORT = "export", "导出"
        IMPORT = "import", "导入"
        VIEW_PI = "view_pi", "查看完整个人信息"
        DOWNLOAD = "download", "下载附件"
        TRANSITION = "transition", "流程操作"
        ROLE = "role", "权限变更"
        OTP = "otp", "动态验证码"
        PURGE = "purge", "清理过期审计日志"
        OTHER = "other", "其他"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    action = models.CharField("操作", max_length=20, choices=Action.choices, db_index=True)
    success = models.BooleanField("成功", default=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    path = models.CharField("地址", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"], name="core_audit_user_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"

    def save(self, *args, **kwargs):  # noqa: ANN002, ANN003
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003
        raise PermissionError("审计日志不能删除")
