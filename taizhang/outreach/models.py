"""Serving the masses: research topics and visits (调研 / 四下基层), public demands (群众诉求),
practical matters (我为群众办实事)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from taizhang.core.access import Cap, ScopedQuerySet
from taizhang.core.lights import LitModel
from taizhang.core.models import TimeStampedModel

# Messages of the rules the models enforce themselves (tests assert them).
DEMAND_RESOLVED_NEEDS_DATE = "已解决的诉求须填写解决日期"
DEMAND_DATE_NEEDS_RESOLVED = "尚未解决的诉求不能填写解决日期"
DEMAND_RESOLVED_BEFORE_RAISED = "解决日期不能早于提出日期"
MATTER_DONE_NEEDS_DATE = "已办结的事项须填写完成日期"
MATTER_DATE_NEEDS_DONE = "尚未办结的事项不能填写完成日期"


class Evaluation(models.TextChoices):
    """群众评价 of a demand's handling or a matter done (the 群众诉求台账 and 办实事台账 print it)."""

    SATISFIED = "satisfied", "满意"
    FAIRLY = "fairly", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class ResearchTopic(TimeStampedModel):
    """A research topic (调研课题) a leader takes on; visits are made under it."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="research_topics",
    )
    org = models.ForeignKey(
        "org.Organization", verbose_name="组织", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("调研课题", max_length=200)
    leader = models.ForeignKey(
        "org.Member",
        verbose_name="牵头领导",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.TextField("调研内容", blank=True)
    conclusion = models.TextField("调研成果", blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW

    class Meta:
        verbose_name = verbose_name_plural = "调研课题"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("outreach:topic_detail", args=[self.pk])


class ResearchVisit(TimeStampedModel):
    """One visit to the grassroots: when, where, who led, who went, how, what was found."""

    class Method(models.TextChoices):
        FORUM = "forum", "座谈"
        VISIT = "visit", "走访"
        SURVEY = "survey", "问卷"
        UNANNOUNCED = "unannounced", "暗访"
        OTHER = "other", "其他"

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="research_visits",
    )
    org = models.ForeignKey(
        "org.Organization", verbose_name="组织", on_delete=models.PROTECT, related_name="visits"
    )
    topic = models.ForeignKey(
        ResearchTopic,
        verbose_name="调研课题",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    subject = models.CharField("调研主题", max_length=200)
    date = models.DateField("日期")
    place = models.CharField("地点", max_length=200, blank=True)
    leader = models.CharField("带队领导", max_length=50, blank=True)
    method = models.CharField("调研方式", max_length=16, choices=Method.choices, blank=True)
    participants = models.ManyToManyField("org.Member", verbose_name="参加人员", blank=True, related_name="+")
    participants_text = models.CharField("其他参加人员", max_length=200, blank=True)
    summary = models.TextField("调研情况", blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW

    class Meta:
        verbose_name = verbose_name_plural = "调研"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["campaign", "date"], name="outreach_visit_campaign_idx")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("outreach:visit_detail", args=[self.pk])


class FindingQuerySet(ScopedQuerySet):
    def annotate_links(self) -> FindingQuerySet:
        """`linked`: the finding became a problem or a practical matter (then it must not be deleted)."""
        from taizhang.rectification.models import Problem

        return self.annotate(
            linked=models.Exists(Problem.objects.filter(finding=models.OuterRef("pk")))
            | models.Exists(PracticalMatter.objects.filter(finding=models.OuterRef("pk")))
        )


class Finding(models.Model):
    """One thing found on a visit; it may become a problem or a practical matter (links both ways:
    Problem.finding and PracticalMatter.finding point here)."""

    visit = models.ForeignKey(ResearchVisit, on_delete=models.CASCADE, related_name="findings")
    text = models.TextField("发现问题")
    # A suggested 问题类别 (rectification.Problem.Category value), prefilled when the finding is put
    # on the problem list. No choices here: the vocabulary belongs to rectification (forms check it).
    category = models.CharField("问题类别", max_length=16, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = FindingQuerySet.as_manager()
    scope_org_field = "visit__org"
    scope_view_cap = Cap.VIEW

    class Meta:
        verbose_name = verbose_name_plural = "调研发现"
        ordering = ["visit_id", "order", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    def get_absolute_url(self) -> str:
        return f"{self.visit.get_absolute_url()}#finding-{self.pk}"

    @property
    def category_label(self) -> str:
        from taizhang.rectification.models import Problem

        return Problem.Category(self.category).label if self.category in Problem.Category.values else ""


class Demand(TimeStampedModel):
    """A public demand (群众诉求, 急难愁盼). The person may stay anonymous (blank raised_by)."""

    class Channel(models.TextChoices):
        VISIT = "visit", "来访"
        PHONE = "phone", "来电"
        LETTER = "letter", "来信"
        ONLINE = "online", "网络留言"
        HOTLINE = "hotline", "12345热线"
        FIELD = "field", "走访收集"
        OTHER = "other", "其他"

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    org = models.ForeignKey(
        "org.Organization", verbose_name="组织", on_delete=models.PROTECT, related_name="demands"
    )
    raised_by = models.CharField("诉求人", max_length=50, blank=True, help_text="可留空（匿名）")
    contact = models.CharField("联系方式", max_length=50, blank=True)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices, default=Channel.VISIT)
    content = models.TextField("诉求内容")
    raised_on = models.DateField("提出日期")
    handler = models.CharField("承办人", max_length=50, blank=True)
    response = models.TextField("办理情况", blank=True)
    resolved = models.BooleanField("是否解决", default=False)
    resolved_on = models.DateField("解决日期", null=True, blank=True)
    evaluation = models.CharField("群众评价", max_length=16, choices=Evaluation.choices, blank=True)
    visit = models.ForeignKey(
        ResearchVisit, null=True, blank=True, on_delete=models.SET_NULL, related_name="demands"
    )

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW_INTERNAL

    class Meta:
        verbose_name = verbose_name_plural = "群众诉求"
        ordering = ["-raised_on", "-id"]
        indexes = [models.Index(fields=["campaign", "resolved"], name="outreach_demand_campaign_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved=True) | Q(resolved_on=None), name="outreach_demand_resolved_date"
            ),
        ]

    def __str__(self) -> str:
        return self.content[:40]

    def get_absolute_url(self) -> str:
        return reverse("outreach:demand_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.resolved and not self.resolved_on:
            errors["resolved_on"] = DEMAND_RESOLVED_NEEDS_DATE
        if not self.resolved and self.resolved_on:
            errors["resolved_on"] = DEMAND_DATE_NEEDS_RESOLVED
        if self.resolved_on and self.raised_on and self.resolved_on < self.raised_on:
            errors["resolved_on"] = DEMAND_RESOLVED_BEFORE_RAISED
        if errors:
            raise ValidationError(errors)


class PracticalMatter(TimeStampedModel, LitModel):
    """A practical matter done for the public (我为群众办实事 / 民生实事 清单)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未开始"
        IN_PROGRESS = "in_progress", "推进中"
        DONE = "done", "已办结"

    light_deadline_field = "due_date"
    light_closed_q = Q(status="done")

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matters",
    )
    org = models.ForeignKey(
        "org.Organization", verbose_name="责任单位", on_delete=models.PROTECT, related_name="matters"
    )
    title = models.CharField("项目名称", max_length=200)
    description = models.TextField("具体内容", blank=True)
    lead_leader = models.CharField("牵头领导", max_length=50, blank=True)
    responsible_dept = models.CharField("责任部门", max_length=100, blank=True)
    measures = models.TextField("工作措施", blank=True)
    beneficiaries = models.CharField("服务对象", max_length=200, blank=True)
    beneficiary_count = models.PositiveIntegerField("受益人数", null=True, blank=True)
    owner = models.CharField("责任人", max_length=50, blank=True)
    due_date = models.DateField("计划完成日期", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    done_on = models.DateField("完成日期", null=True, blank=True)
    outcome = models.TextField("成效", blank=True)
    evaluation = models.CharField("群众评价", max_length=16, choices=Evaluation.choices, blank=True)
    visit = models.ForeignKey(
        ResearchVisit, null=True, blank=True, on_delete=models.SET_NULL, related_name="matters"
    )
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="matters"
    )
    demand = models.ForeignKey(
        Demand, null=True, blank=True, on_delete=models.SET_NULL, related_name="matters"
    )

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW

    class Meta:
        verbose_name = verbose_name_plural = "办实事"
        ordering = ["status", "due_date", "id"]
        indexes = [models.Index(fields=["campaign", "status"], name="outreach_matter_campaign_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False), name="outreach_matter_done_has_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("outreach:matter_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.status == self.Status.DONE and not self.done_on:
            errors["done_on"] = MATTER_DONE_NEEDS_DATE
        if self.status != self.Status.DONE and self.done_on:
            errors["done_on"] = MATTER_DATE_NEEDS_DONE
        if errors:
            raise ValidationError(errors)

    def is_closed_for_light(self) -> bool:
        return self.status == self.Status.DONE
