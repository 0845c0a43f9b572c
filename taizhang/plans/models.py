"""The campaign's work plan (工作方案 / 任务安排), three-level study plans, and reusable templates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from taizhang.core.access import Cap, ScopedQuerySet
from taizhang.core.lights import LitModel
from taizhang.core.models import TimeStampedModel


class PlanTask(TimeStampedModel, LitModel):
    """A task with a planned week and day (落实到周、明确到天); its deadline is `planned_end`."""

    class Kind(models.TextChoices):
        PRESCRIBED = "prescribed", "规定动作"
        FEATURED = "featured", "特色做法"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未开始"
        IN_PROGRESS = "in_progress", "进行中"
        DONE = "done", "已完成"

    light_deadline_field = "planned_end"
    light_closed_q = Q(status="done")
    light_leader_field = "lead_leader"

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    phase = models.ForeignKey(
        "campaigns.Phase",
        verbose_name="阶段",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    title = models.CharField("任务名称", max_length=200)
    description = models.TextField("任务内容", blank=True)
    kind = models.CharField("任务类型", max_length=16, choices=Kind.choices, default=Kind.PRESCRIBED)
    org = models.ForeignKey(
        "org.Organization", verbose_name="责任单位", on_delete=models.PROTECT, related_name="tasks"
    )
    lead_leader = models.ForeignKey(
        "org.Member",
        verbose_name="牵头领导",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responsible_dept = models.CharField("责任部门", max_length=100, blank=True)
    planned_start = models.DateField("计划开始")
    planned_end = models.DateField("计划完成")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    done_on = models.DateField("完成日期", null=True, blank=True)
    closing_note = models.TextField("完成情况", blank=True)
    required_type = models.ForeignKey(
        "study.ActivityType",
        verbose_name="对应活动类型",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW

    @classmethod
    def visible_to(cls, user):  # noqa: ANN001, ANN206
        """Who sees a task (and so its evidence files): the committee's tasks reach the units below."""
        from taizhang.plans.access import tasks_visible_to

        return tasks_visible_to(user)

    class Meta:
        verbose_name = verbose_name_plural = "工作任务"
        ordering = ["planned_start", "planned_end", "id"]
        indexes = [
            models.Index(fields=["campaign", "status", "planned_end"], name="plans_task_campaign_idx"),
            models.Index(fields=["org", "planned_end"], name="plans_task_org_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__lte=F("planned_end")), name="plans_task_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:task_detail", args=[self.pk])

    def is_closed_for_light(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE


class PlanTaskLink(models.Model):
    """A record that fulfils a task: a study activity, a research visit, a report … (generic)."""

    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="links")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    linked_at = models.DateTimeField(auto_now_add=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "任务关联记录"
        constraints = [
            models.UniqueConstraint(fields=["task", "content_type", "object_id"], name="plans_link_unique"),
        ]
        # "Which tasks does this record fulfil?" from the record's own page (plans.selectors.tasks_fulfilled_by).
        indexes = [models.Index(fields=["content_type", "object_id"], name="plans_link_target_idx")]

    def __str__(self) -> str:
        return f"{self.task} ← {self.content_type.model}#{self.object_id}"


class StudyPlan(TimeStampedModel):
    """A study plan at one of three levels: the committee's, a group's, a member's personal plan."""

    class Level(models.TextChoices):
        COMMITTEE = "committee", "党委学习计划"
        GROUP = "group", "党支部（党小组）学习计划"
        PERSONAL = "personal", "个人学习计划"

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="study_plans",
    )
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    org = models.ForeignKey(
        "org.Organization", verbose_name="组织", on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        "org.Member",
        verbose_name="党员",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="study_plans",
    )
    title = models.CharField("计划名称", max_length=200)
    note = models.TextField("说明", blank=True)
    # When plans.services.plan_match last compared the items with the recorded activities.
    matched_at = models.DateTimeField("最近比对时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW

    class Meta:
        verbose_name = verbose_name_plural = "学习计划"
        ordering = ["level", "org__path", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="personal", member__isnull=False)
                | (~Q(level="personal") & Q(member__isnull=True)),
                name="plans_studyplan_member_iff_personal",
            ),
            # One plan per unit and level, one personal plan per member, in a campaign.
            models.UniqueConstraint(
                fields=["campaign", "org", "level"],
                condition=~Q(level="personal"),
                name="plans_studyplan_one_per_unit",
            ),
            models.UniqueConstraint(
                fields=["campaign", "member"],
                condition=Q(level="personal"),
                name="plans_studyplan_one_per_member",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "level"], name="plans_studyplan_campaign_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:studyplan_detail", args=[self.pk])


class StudyPlanItem(models.Model):
    class Form(models.TextChoices):
        CONCENTRATED = "concentrated", "集中学习"
        SEMINAR = "seminar", "专题研讨"
        LECTURE = "lecture", "专题党课"
        READING = "reading", "读书班"
        SELF = "self", "个人自学"
        OTHER = "other", "其他"

    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="items")
    topic = models.CharField("学习专题", max_length=200)
    material = models.CharField("学习内容", max_length=200, blank=True)
    planned_date = models.DateField("计划日期")
    form = models.CharField("学习形式", max_length=16, choices=Form.choices, default=Form.CONCENTRATED)
    activity_type = models.ForeignKey(
        "study.ActivityType",
        verbose_name="对应活动类型",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set when a recorded activity (or self-study) is matched to this item (plans.services.plan_match).
    activity = models.ForeignKey(
        "study.StudyActivity", null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_items"
    )
    self_study = models.ForeignKey(
        "study.SelfStudy",
        verbose_name="对应个人自学",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_items",
    )
    # A match chosen by hand survives automatic re-matching (plans.services.plan_match).
    match_manual = models.BooleanField("人工指定", default=False)
    order = models.PositiveSmallIntegerField(default=0)

    scope_org_field = "plan__org"

    class Meta:
        verbose_name = verbose_name_plural = "学习计划条目"
        ordering = ["plan_id", "planned_date", "order", "id"]
        constraints = [
            # One recorded session fulfils at most one item of a plan.
            models.UniqueConstraint(
                fields=["plan", "activity"],
                condition=Q(activity__isnull=False),
                name="plans_item_activity_once",
            ),
            models.UniqueConstraint(
                fields=["plan", "self_study"],
                condition=Q(self_study__isnull=False),
                name="plans_item_selfstudy_once",
            ),
            models.CheckConstraint(
                condition=Q(activity__isnull=True) | Q(self_study__isnull=True), name="plans_item_one_match"
            ),
        ]

    def __str__(self) -> str:
        return self.topic

    @property
    def is_matched(self) -> bool:
        return self.activity_id is not None or self.self_study_id is not None


class CampaignTemplate(TimeStampedModel):
    """A campaign's plan skeleton (phases, prescribed tasks, required activity types, study-plan items)
    with dates stored as day offsets from the campaign start, to start next year's campaign."""

    name = models.CharField("模板名称", max_length=100, unique=True)
    source_campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The unit whose administrators own the template (the source campaign's unit).
    org = models.ForeignKey(
        "org.Organization",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    data = models.JSONField("内容", default=dict)

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.MANAGE

    class Meta:
        verbose_name = verbose_name_plural = "学习教育模板"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
