"""Login accounts and the roles they hold on organization units."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from taizhang.core.access import ScopedQuerySet


class User(AbstractUser):
    """A login. Linked to at most one Member (the person); roles come from RoleAssignment rows."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    member = models.OneToOneField(
        "org.Member",
        verbose_name="党员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    objects = UserManager()

    class Meta:
        verbose_name = verbose_name_plural = "账号"
        constraints = [
            # "Zhang" and "zhang" are the same person to an office worker (等保 unique identification).
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.full_name:
            return self.full_name
        if self.member_id:
            return self.member.name
        return self.username

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class RoleAssignment(models.Model):
    """A role on a unit; it applies to the unit's whole subtree (see core.access)."""

    class Role(models.TextChoices):
        ADMIN = "admin", "管理员"
        LEADER = "leader", "领导（审核人）"
        SECRETARY = "secretary", "支部书记 / 组织委员"
        MEMBER = "member", "党员"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    org = models.ForeignKey(
        "org.Organization", verbose_name="组织", on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "角色"
        ordering = ["user_id", "org__path", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "org", "role"], name="accounts_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.get_role_display()}"

    @property
    def can_review(self) -> bool:
        return self.role == self.Role.LEADER

    @property
    def can_manage(self) -> bool:
        return self.role == self.Role.ADMIN


class PasswordHistory(models.Model):
    """The hashes of a user's earlier passwords, so the last few cannot be chosen again (等保 8.1.4.1 a)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "历史密码"
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.changed_at:%Y-%m-%d}"
