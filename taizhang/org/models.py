"""The organization tree (党委 → 党总支 → 党支部 → 党小组) and its members (党员)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from taizhang.core.access import Cap, ScopedQuerySet
from taizhang.core.fields import EncryptedCharField
from taizhang.lib import idcard


class Organization(models.Model):
    """One unit of the tree. `path` is the materialized path of ids ("/1/4/12/"), so a subtree is one
    `path__startswith` filter, never a recursion in Python (used by core.access.ScopedQuerySet)."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", "党委"
        GENERAL_BRANCH = "general_branch", "党总支"
        BRANCH = "branch", "党支部"
        GROUP = "group", "党小组"

    # Which kinds may sit under which (a committee may sit under a higher committee at city scale).
    ALLOWED_CHILDREN = {
        Kind.COMMITTEE: {Kind.COMMITTEE, Kind.GENERAL_BRANCH, Kind.BRANCH},
        Kind.GENERAL_BRANCH: {Kind.BRANCH},
        Kind.BRANCH: {Kind.GROUP},
        Kind.GROUP: set(),
    }

    code = models.CharField("组织编码", max_length=32, unique=True)
    name = models.CharField("组织名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    kind = models.CharField("组织类型", max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = ""  # the organization is its own scope
    scope_view_cap = Cap.VIEW_INTERNAL

    class Meta:
        verbose_name = verbose_name_plural = "组织"
        ordering = ["path"]
        indexes = [
            # path LIKE 'prefix%' needs text_pattern_ops on PostgreSQL when the locale is not C.
            models.Index(fields=["path"], name="org_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def clean(self) -> None:
        if self.parent_id is not None and self.parent is not None:
            allowed = self.ALLOWED_CHILDREN[self.Kind(self.parent.kind)]
            if self.kind not in allowed:
                raise ValidationError(
                    {"kind": f"{self.parent.get_kind_display()}下不能设立{self.Kind(self.kind).label}"}
                )
        elif self.kind != self.Kind.COMMITTEE and self.parent_id is None:
            raise ValidationError({"parent": "只有党委可以没有上级组织"})

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_under(self, other: Organization) -> bool:
        return self.path.startswith(other.path)


class MemberQuerySet(ScopedQuerySet):
    def active(self) -> MemberQuerySet:
        return self.filter(is_active=True)


class Member(models.Model):
    """A Party member (党员) in one unit. ID number and phone are encrypted at rest; `id_digest` is a
    keyed hash used to find a member by ID number (import's natural key) without decrypting."""

    class Gender(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    class Category(models.TextChoices):
        FULL = "full", "正式党员"
        PROBATIONARY = "probationary", "预备党员"

    org = models.ForeignKey(
        Organization, verbose_name="所在组织", on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices, blank=True)
    id_number = EncryptedCharField("身份证号", blank=True)
    id_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone = EncryptedCharField("手机号", blank=True)
    category = models.CharField("党员类别", max_length=16, choices=Category.choices, default=Category.FULL)
    joined_on = models.DateField("入党日期", null=True, blank=True)
    post = models.CharField("职务", max_length=100, blank=True)
    department = models.CharField("所在处室", max_length=100, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("在册", default=True)
    note = models.TextField("备注", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()
    scope_view_cap = Cap.VIEW_INTERNAL

    class Meta:
        verbose_name = verbose_name_plural = "党员"
        ordering = ["org__path", "sort_order", "id"]
        constraints = [
            # One person, one record: the ID number is unique when given (import's natural key).
            models.UniqueConstraint(
                fields=["id_digest"], condition=~Q(id_digest=""), name="org_member_unique_id_number"
            ),
        ]
        indexes = [models.Index(Lower("name"), "org", name="org_member_name_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # noqa: ANN002, ANN003
        from taizhang.core.crypto import digest

        if self.id_number:
            self.id_number = idcard.normalize(self.id_number)
        self.id_digest = digest(self.id_number) if self.id_number else ""
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.id_number:
            problem = idcard.problem(self.id_number)
            if problem:
                errors["id_number"] = problem
            elif self.gender and idcard.gender(self.id_number) != self.gender:
                errors["gender"] = "性别与身份证号不一致"
        if self.phone:
            from taizhang.lib import phone

            problem = phone.problem(self.phone)
            if problem:
                errors["phone"] = problem
        if errors:
            raise ValidationError(errors)
