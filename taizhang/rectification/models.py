"""The rectification closed loop (闭环管理): problems, measures, institutions.

    open ──start──▶ in_progress ──submit──▶ submitted ──sign_off──▶ closed
                         ▲                     │
                         └──────return_────────┘
Status changes happen only in rectification.services, with a conditional UPDATE on `version` so
two reviewers acting at once cannot both win (select_for_update does nothing on SQLite).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from taizhang.core.access import Cap, ScopedQuerySet
from taizhang.core.lights import LitModel
from taizhang.core.models import TimeStampedModel


class Problem(TimeStampedModel, LitModel):
    class Category(models.TextChoices):
        THEORY = "theory", "理论学习"
        POLITICS = "politics", "政治素质"
        ABILITY = "ability", "能力本领"
        RESPONSIBILITY = "responsibility", "担当作为"
        STYLE = "style", "工作作风"
        INTEGRITY = "integrity", "廉洁自律"

    class Source(models.TextChoices):
        MEETING = "meeting", "专题会议"
        FIELD_VISIT = "field_visit", "基层走访"
        QUESTIONNAIRE = "questionnaire", "问卷调查"
        OPINIONS = "opinions", "征求意见"
        RESEARCH = "research", "调研"
        SUPERIOR = "superior", "上级反馈"
        INSPECTION = "inspection", "巡视巡察"
        AUDIT = "audit", "审计监督"
        SELF_CHECK = "self_check", "自查"
        OTHER = "other", "其他"

    class Type(models.TextChoices):
        IMMEDIATE = "immediate", "立行立改"
        DEADLINE = "deadline", "限期整改"
        LONG_TERM = "long_term", "长期坚持"

    class Status(models.TextChoices):
        OPEN = "open", "待整改"
        IN_PROGRESS = "in_progress", "整改中"
        SUBMITTED = "submitted", "待审核"
        CLOSED = "closed", "已销号"

    light_deadline_field = "deadline"
    light_closed_q = Q(status="closed")
    light_leader_field = "responsible_leader"
    light_title_field = "description"

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    org = models.ForeignKey(
        "org.Organization", verbose_name="所属组织", on_delete=models.PROTECT, related_name="problems"
    )
    code = models.CharField("问题编号", max_length=32)
    category = models.CharField("问题类别", max_length=16, choices=Category.choices)
    source = models.CharField("问题来源", max_length=16, choices=Source.choices)
    description = models.TextField("问题描述")
    target = models.TextField("整改目标", blank=True)
    rectification_type = models.CharField(
        "整改类型", max_length=16, choices=Type.choices, default=Type.DEADLINE
    )
    responsible_leader = models.ForeignKey(
        "org.Member",
        verbose_name="责任领导",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responsible_dept = models.CharField("责任部门", max_length=100, blank=True)
    responsible_person = models.CharField("责任人", max_length=50, blank=True)
    deadline = models.DateField("整改时限", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    closed_on = models.DateField("销号日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    submit_note = models.TextField("申请销号说明", blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    # Where it was found: a meeting (study activity), a research visit or one of its findings.
    activity = models.ForeignKey(
        "study.StudyActivity",
        verbose_name="发现于会议",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    visit = models.ForeignKey(
        "outreach.ResearchVisit",
        verbose_name="发现于调研",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    finding = models.ForeignKey(
        "outreach.Finding", null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW_INTERNAL

    class Meta:
        verbose_name = verbose_name_plural = "问题"
        ordering = ["code", "id"]
        constraints = [
            # 问题编号 is the import's natural key, unique within a campaign.
            models.UniqueConstraint(
                fields=["campaign", "code"],
                name="rect_problem_code_unique",
                violation_error_message="该学习教育中已有相同编号的问题",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(campaign=None),
                name="rect_problem_code_nocampaign",
                violation_error_message="已有相同编号的问题",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_on__isnull=False),
                name="rect_problem_closed_has_date",
                violation_error_message="已销号的问题须有销号日期",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="rect_problem_campaign_idx"),
            models.Index(fields=["org", "status"], name="rect_problem_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("rectification:problem_detail", args=[self.pk])

    def is_closed_for_light(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def is_editable(self) -> bool:
        """Fields, measures and evidence change only before submission (待审核 is frozen for the reviewer)."""
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)


class Measure(TimeStampedModel, LitModel):
    class Status(models.TextChoices):
        PENDING = "pending", "未完成"
        DONE = "done", "已完成"

    light_deadline_field = "deadline"
    # A pending measure of a signed-off problem (submitted with a written reason) is not overdue:
    # closed items are never red.
    light_closed_q = Q(status="done") | Q(problem__status="closed")
    light_org_field = "problem__org"
    light_leader_field = "problem__responsible_leader"
    light_title_field = "content"

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="measures")
    content = models.TextField("措施内容")
    owner = models.CharField("责任人", max_length=50, blank=True)
    deadline = models.DateField("完成时限", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    done_on = models.DateField("完成日期", null=True, blank=True)
    progress = models.TextField("进展情况", blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "problem__org"
    scope_view_cap = Cap.VIEW_INTERNAL

    class Meta:
        verbose_name = verbose_name_plural = "整改措施"
        ordering = ["problem_id", "order", "id"]
        indexes = [models.Index(fields=["problem", "status"], name="rect_measure_problem_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False),
                name="rect_measure_done_has_date",
                violation_error_message="已完成的措施须有完成日期",
            ),
        ]

    def __str__(self) -> str:
        return self.content[:40]

    def get_absolute_url(self) -> str:
        # problem_id, not problem: lists of measures (the 督办 page) link without loading each problem.
        return reverse("rectification:problem_detail", args=[self.problem_id]) + f"#measure-{self.pk}"

    def is_closed_for_light(self) -> bool:
        return self.status == self.Status.DONE or self.problem.status == Problem.Status.CLOSED


class Institution(TimeStampedModel):
    """An institution (制度) built (新建) or improved (完善) so a fix lasts."""

    class Kind(models.TextChoices):
        NEW = "new", "新建"
        IMPROVED = "improved", "完善"

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="institutions",
    )
    org = models.ForeignKey(
        "org.Organization", verbose_name="制定单位", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("制度名称", max_length=200)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    issued_on = models.DateField("印发日期", null=True, blank=True)
    summary = models.TextField("主要内容", blank=True)
    problems = models.ManyToManyField(
        Problem, verbose_name="关联问题", blank=True, related_name="institutions"
    )
    measures = models.ManyToManyField(
        Measure, verbose_name="关联措施", blank=True, related_name="institutions"
    )

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW

    class Meta:
        verbose_name = verbose_name_plural = "制度"
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["campaign", "kind"], name="rect_institution_campaign_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rectification:institution_detail", args=[self.pk])
