"""A campaign (学习教育活动) run by one unit, its phases, leading group and work team."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from taizhang.core.access import Cap, ScopedQuerySet
from taizhang.core.models import TimeStampedModel


class Campaign(TimeStampedModel):
    """One run of a campaign by one unit; that unit's subtree takes part. Campaigns are data."""

    code = models.SlugField("编码", max_length=32, unique=True, help_text="如 zt2023b2，用于命令行和导入")
    name = models.CharField("名称", max_length=100)
    org = models.ForeignKey(
        "org.Organization", verbose_name="组织单位", on_delete=models.PROTECT, related_name="campaigns"
    )
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    general_requirement = models.CharField("总要求", max_length=200, blank=True)
    goal = models.TextField("目标任务", blank=True)
    description = models.TextField("简介", blank=True)
    signature = models.CharField(
        "落款单位", max_length=100, blank=True, help_text="总结报告落款，默认为组织单位名称"
    )

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW

    class Meta:
        verbose_name = verbose_name_plural = "学习教育活动"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")), name="campaigns_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValidationError({"end_date": "结束日期不能早于开始日期"})

    def contains(self, day) -> bool:  # noqa: ANN001
        return self.start_date <= day <= self.end_date


class Phase(models.Model):
    """A phase (阶段) of a campaign, e.g. 学习动员 / 调查研究 / 检视整改 / 总结评估."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField("阶段名称", max_length=50)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    order = models.PositiveSmallIntegerField("顺序", default=0)
    description = models.TextField("主要任务", blank=True)

    scope_org_field = "campaign__org"

    class Meta:
        verbose_name = verbose_name_plural = "阶段"
        ordering = ["campaign_id", "order", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")), name="campaigns_phase_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignRole(models.Model):
    """A seat in the leading group (领导小组) or the office / work team (办公室 / 工作专班)."""

    class Role(models.TextChoices):
        GROUP_LEADER = "group_leader", "组长"
        DEPUTY_LEADER = "deputy_leader", "副组长"
        GROUP_MEMBER = "group_member", "成员"
        OFFICE_DIRECTOR = "office_director", "办公室主任"
        OFFICE_MEMBER = "office_member", "办公室成员"
        WORK_TEAM = "work_team", "工作专班成员"

    LEADING_GROUP = (Role.GROUP_LEADER, Role.DEPUTY_LEADER, Role.GROUP_MEMBER)
    WORK_TEAM_ROLES = (Role.OFFICE_DIRECTOR, Role.OFFICE_MEMBER, Role.WORK_TEAM)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="roles")
    member = models.ForeignKey("org.Member", verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("职务", max_length=20, choices=Role.choices)
    title = models.CharField("备注", max_length=100, blank=True, help_text="如 局党委书记、局长")
    order = models.PositiveSmallIntegerField("排序", default=0)

    scope_org_field = "campaign__org"

    class Meta:
        verbose_name = verbose_name_plural = "领导小组与工作专班"
        ordering = ["campaign_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member", "role"], name="campaigns_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.member}"

    @property
    def in_leading_group(self) -> bool:
        return self.role in self.LEADING_GROUP
