"""Study records: activities with attendance and speakers, materials, self-study.

Counts are never stored: 参与人次 = present Attendance rows, 研讨人次 = Speech rows, 应到 = rows of
members of the unit (not invitees), 实到 = present members of the unit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from taizhang.core.access import Cap, ScopedQuerySet
from taizhang.core.models import TimeStampedModel


class ActivityType(models.Model):
    """A kind of study activity. Defaults (campaign empty) come from a data migration; a campaign may add its own."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="activity_types"
    )
    code = models.SlugField("编码", max_length=40)
    name = models.CharField("名称", max_length=50)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "活动类型"
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(campaign=None), name="study_type_default_code"
            ),
            models.UniqueConstraint(
                fields=["name"], condition=Q(campaign=None), name="study_type_default_name"
            ),
            models.UniqueConstraint(fields=["campaign", "code"], name="study_type_campaign_code"),
            models.UniqueConstraint(fields=["campaign", "name"], name="study_type_campaign_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Material(models.Model):
    """A book or document studied (书目); `required` marks the campaign's required reading."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="materials"
    )
    title = models.CharField("书目", max_length=200)
    required = models.BooleanField("必读", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "学习材料"
        ordering = ["-required", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "title"], name="study_material_unique")]

    def __str__(self) -> str:
        return self.title


COUNT_FIELDS = ["n_attendance", "n_expected", "n_present", "n_invited", "n_speakers"]


class StudyActivity(TimeStampedModel):
    """One meeting or session of a unit."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    org = models.ForeignKey(
        "org.Organization", verbose_name="组织", on_delete=models.PROTECT, related_name="activities"
    )
    type = models.ForeignKey(
        ActivityType, verbose_name="活动类型", on_delete=models.PROTECT, related_name="activities"
    )
    topic = models.CharField("主题", max_length=200)
    date = models.DateField("日期")
    start_time = models.TimeField("开始时间", null=True, blank=True)
    end_time = models.TimeField("结束时间", null=True, blank=True)
    place = models.CharField("地点", max_length=100, blank=True)
    host = models.CharField("主持人", max_length=50, blank=True)
    lead_reader = models.CharField("领学人", max_length=50, blank=True)
    recorder = models.CharField("记录人", max_length=50, blank=True)
    materials = models.ManyToManyField(
        Material, verbose_name="学习书目", blank=True, related_name="activities"
    )
    other_materials = models.TextField("其他学习内容", blank=True)
    minutes = models.TextField("会议记录", blank=True)
    note = models.TextField("备注", blank=True)
    # Counts of this activity's attendance and speech rows, kept by every write path
    # (study.services.activity_counts_refresh) so that city-wide figures add up 100,000 activities
    # instead of counting 2,000,000 attendance rows. The rows stay the truth: `taizhang recount --check`
    # and the metric tests compare both.
    n_attendance = models.PositiveIntegerField("参与人次", default=0, editable=False)  # present, invitees too
    n_expected = models.PositiveIntegerField("应到人次", default=0, editable=False)  # not invitees
    n_present = models.PositiveIntegerField("实到人次", default=0, editable=False)  # present, not invitees
    n_invited = models.PositiveIntegerField("列席人次", default=0, editable=False)
    n_speakers = models.PositiveIntegerField("研讨发言人次", default=0, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW

    class Meta:
        verbose_name = verbose_name_plural = "学习活动"
        ordering = ["-date", "-start_time", "-id"]
        indexes = [
            # Lists and metrics filter by campaign, type and date (study selectors, reports.metrics).
            models.Index(fields=["campaign", "type", "date"], name="study_act_campaign_type_idx"),
            # Covering index of the tallies and the figures: a campaign's activities grouped by unit and
            # type with their stored counts, read from the index in group order (no sort, no table).
            models.Index(
                fields=["campaign", "org", "type", "date", *COUNT_FIELDS], name="study_act_counts_cover_idx"
            ),
            models.Index(fields=["org", "date"], name="study_act_org_date_idx"),
            # The activity list of a whole campaign, newest first: read in index order, no sort; with the
            # counts, also the covering index of the figures by day (months, quarters).
            models.Index(
                fields=["campaign", "date", "start_time", "id", *COUNT_FIELDS],
                name="study_act_campaign_date_idx",
            ),
            models.Index(fields=["date"], name="study_act_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time=None) | Q(end_time=None) | Q(start_time__lte=F("end_time")),
                name="study_activity_time_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.topic}"


class Attendance(models.Model):
    """One person's attendance at one activity. Invitees (列席) are present but not part of 应到."""

    class Status(models.TextChoices):
        PRESENT = "present", "出席"
        ABSENT = "absent", "缺席"

    class Reason(models.TextChoices):
        BUSINESS_TRIP = "trip", "出差"
        SICK = "sick", "病假"
        PERSONAL = "personal", "事假"
        OFFICIAL = "official", "公务"
        TRAINING = "training", "培训"
        OTHER = "other", "其他"

    activity = models.ForeignKey(StudyActivity, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(
        "org.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField("出勤", max_length=8, choices=Status.choices, default=Status.PRESENT)
    invited = models.BooleanField("列席", default=False)
    reason = models.CharField("缺席原因", max_length=16, choices=Reason.choices, blank=True)
    reason_note = models.CharField("原因说明", max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "activity__org"
    scope_view_cap = Cap.VIEW

    class Meta:
        verbose_name = verbose_name_plural = "考勤"
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="study_attendance_unique"),
            models.CheckConstraint(
                condition=Q(status="present") | Q(invited=False), name="study_attendance_invitee_present"
            ),
        ]
        indexes = [
            # Covering index of the figures (参与人次, 应到, 列席 per activity): the metrics and the report
            # count millions of rows from the index alone, never the table (id included for PostgreSQL's
            # index-only scans; SQLite's indexes carry the rowid anyway).
            models.Index(
                fields=["activity", "status", "invited"], include=["id"], name="study_att_activity_cover_idx"
            ),
            models.Index(fields=["member", "status"], name="study_att_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_status_display()}"


class Speech(models.Model):
    """A speaker (研讨发言) at an activity, chosen from those present, with the gist of what they said."""

    activity = models.ForeignKey(StudyActivity, on_delete=models.CASCADE, related_name="speeches")
    member = models.ForeignKey(
        "org.Member", verbose_name="发言人", on_delete=models.PROTECT, related_name="speeches"
    )
    gist = models.TextField("发言要点", blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "activity__org"
    scope_view_cap = Cap.VIEW

    class Meta:
        verbose_name = verbose_name_plural = "研讨发言"
        ordering = ["activity_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "member"], name="study_speech_unique")]
        indexes = [models.Index(fields=["member"], name="study_speech_member_idx")]

    def __str__(self) -> str:
        return f"{self.member}: {self.gist[:20]}"


class SelfStudy(models.Model):
    """A member's own study (个人自学) with notes (心得体会). `org` is the member's unit when recorded."""

    class Channel(models.TextChoices):
        ORIGINAL = "original", "原著"
        XUEXI = "xuexi", "学习强国"
        ONLINE = "online", "线上"
        OTHER = "other", "其他"

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="self_studies",
    )
    member = models.ForeignKey(
        "org.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="self_studies"
    )
    org = models.ForeignKey(
        "org.Organization", verbose_name="组织", on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField("日期")
    material = models.CharField("学习内容", max_length=200)
    material_ref = models.ForeignKey(
        Material, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes = models.PositiveIntegerField("时长（分钟）")
    channel = models.CharField("学习方式", max_length=16, choices=Channel.choices, default=Channel.ORIGINAL)
    notes = models.TextField("心得体会", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_view_cap = Cap.VIEW_INTERNAL

    class Meta:
        verbose_name = verbose_name_plural = "个人自学"
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["campaign", "date"], name="study_self_campaign_idx"),
            # Covering index of the self-study tallies per unit (entries and minutes up to a day).
            models.Index(fields=["org", "campaign", "date", "minutes"], name="study_self_org_tally_idx"),
            models.Index(fields=["member", "date"], name="study_self_member_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0) & Q(minutes__lte=1440), name="study_self_minutes_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.date:%Y-%m-%d} {self.material}"
