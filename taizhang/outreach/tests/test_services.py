"""Services: what gets written, what is refused (with the field named), what the history keeps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from taizhang.core.lights import Light
from taizhang.core.models import Attachment, AuditLog, Event
from taizhang.core.selectors import events_for
from taizhang.core.tests.factories import make_campaign, make_org
from taizhang.lib.dates import today
from taizhang.outreach import models, services
from taizhang.outreach.models import Finding, PracticalMatter
from taizhang.outreach.tests.conftest import make_demand, make_matter, make_visit, png_upload

pytestmark = pytest.mark.django_db


# --- Visits ----------------------------------------------------------------------------------


def test_a_visit_keeps_its_participants_findings_and_campaign(world):
    visit = make_visit(world, findings=("  排队时间长 ", "", "材料重复提交"))
    assert visit.campaign == world.campaign  # the committee's campaign covers branch A on that date
    assert list(visit.findings.values_list("text", "order")) == [("排队时间长", 0), ("材料重复提交", 1)]
    assert set(visit.participants.all()) == set(world.people_a[:2])
    assert Event.objects.filter(kind="created", object_id=visit.pk).exists()
    assert AuditLog.objects.filter(action="create", object_type="outreach.ResearchVisit").count() == 1


def test_a_visit_outside_the_campaign_period_belongs_to_no_campaign(world):
    visit = make_visit(world, day=date(2024, 3, 1))
    assert visit.campaign is None


def test_a_unit_outside_the_campaigns_subtree_takes_no_part(world):
    other_root = make_org(name="另一党委", code="X", kind="committee")
    branch = make_org(parent=other_root, name="外支部", code="XA")
    visit = services.visit_save(
        visit=None, data={"org": branch, "subject": "走访", "date": date(2023, 10, 1)}
    )
    assert visit.campaign is None


def test_the_most_specific_campaign_wins(world):
    own = make_campaign(
        org=world.branch_a, code="own", start_date=date(2023, 10, 1), end_date=date(2023, 10, 31)
    )
    assert make_visit(world, day=date(2023, 10, 5)).campaign == own
    assert make_visit(world, day=date(2023, 11, 5)).campaign == world.campaign


def test_a_participant_from_another_branch_is_refused_by_name(world):
    with pytest.raises(ValidationError) as info:
        services.visit_save(
            visit=None,
            data={"org": world.branch_a, "subject": "走访", "date": date(2023, 10, 1)},
            participants=[world.people_a[0], world.people_b[1]],
        )
    assert info.value.message_dict["participants"] == [
        services.PARTICIPANT_OUTSIDE.format(name=world.people_b[1].name, org=world.branch_a.name)
    ]
    assert not models.ResearchVisit.objects.exists()  # nothing half-saved


def test_a_topic_of_another_campaign_is_refused(world):
    other = make_campaign(
        org=world.committee, code="old", start_date=date(2022, 1, 1), end_date=date(2022, 12, 31)
    )
    topic = services.topic_save(
        topic=None, data={"campaign": other, "org": world.committee, "title": "旧课题"}
    )
    with pytest.raises(ValidationError) as info:
        make_visit(world, topic=topic)
    assert "topic" in info.value.message_dict


def test_editing_findings_updates_adds_and_deletes_in_order(visit):
    first, second = visit.findings.order_by("order")
    services.visit_save(
        visit=visit,
        data={"subject": "走访窗口（补充）"},
        participants=[],
        findings=[
            {"id": second.pk, "text": "老年人不会线上预约", "category": "style"},
            {"id": None, "text": "大厅标识不清", "category": ""},
        ],
    )
    rows = list(visit.findings.order_by("order").values_list("pk", "text", "category"))
    assert rows[0] == (second.pk, "老年人不会线上预约", "style")
    assert rows[1][1] == "大厅标识不清"
    assert not Finding.objects.filter(pk=first.pk).exists()
    assert visit.participants.count() == 0
    change = Event.objects.filter(object_id=visit.pk, kind="changed").get()
    assert change.data["subject"] == ["走访窗口", "走访窗口（补充）"]
    assert change.data["participants"] == [2, 0]


def test_an_unknown_finding_category_is_refused(world):
    with pytest.raises(ValidationError, match="问题类别"):
        services.visit_save(
            visit=None,
            data={"org": world.branch_a, "subject": "走访", "date": date(2023, 10, 1)},
            findings=[{"text": "问题", "category": "nonsense"}],
        )


def test_a_converted_finding_cannot_be_deleted_nor_its_visit(world, visit, finding):
    services.finding_to_matter(
        finding=finding, data={"org": world.branch_a, "title": "绿色通道", "due_date": date(2023, 12, 1)}
    )
    with pytest.raises(ValidationError, match="第1条发现已转为问题或办实事"):
        services.visit_save(visit=visit, data={}, findings=[])
    with pytest.raises(ValidationError, match="不能删除"):
        services.visit_delete(visit=visit)
    assert Finding.objects.filter(pk=finding.pk).exists()


def test_a_visit_without_links_is_deleted_with_its_findings(visit):
    services.visit_delete(visit=visit)
    assert not Finding.objects.exists()
    assert AuditLog.objects.filter(action="delete", object_type="outreach.ResearchVisit").exists()


class FindingTextTests(HypothesisTestCase):
    """Findings typed freely (blank lines, spaces, any script) are kept as typed, blank rows dropped."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(texts=st.lists(st.text(max_size=60), max_size=6))
    def test_findings_are_the_non_blank_rows_stripped_in_order(self, texts):
        org = make_org(kind="committee")
        visit = services.visit_save(
            visit=None,
            data={"org": org, "subject": "走访", "date": date(2023, 10, 1)},
            findings=[{"text": t, "category": ""} for t in texts],
        )
        kept = [services.clean_text(t).strip() for t in texts]
        expected = [t for t in kept if t]
        assert list(visit.findings.order_by("order").values_list("text", flat=True)) == expected
        assert not any("\x00" in t for t in expected)


# --- Demands ---------------------------------------------------------------------------------


def test_a_resolved_demand_needs_its_date(world):
    with pytest.raises(ValidationError) as info:
        make_demand(world, resolved=True, resolved_on=None)
    assert info.value.message_dict["resolved_on"] == [models.DEMAND_RESOLVED_NEEDS_DATE]


def test_an_open_demand_refuses_a_resolution_date(world):
    with pytest.raises(ValidationError) as info:
        make_demand(world, resolved=False, resolved_on=date(2023, 10, 20))
    assert info.value.message_dict["resolved_on"] == [models.DEMAND_DATE_NEEDS_RESOLVED]


def test_a_demand_cannot_be_resolved_before_it_was_raised_or_in_the_future(world, demand):
    with pytest.raises(ValidationError) as info:
        services.demand_resolve(demand=demand, resolved_on=date(2023, 10, 1))
    assert info.value.message_dict["resolved_on"] == [models.DEMAND_RESOLVED_BEFORE_RAISED]
    demand.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        services.demand_resolve(demand=demand, resolved_on=today() + timedelta(days=1))
    assert info.value.message_dict["resolved_on"] == [services.DATE_IN_FUTURE]
    demand.refresh_from_db()
    assert not demand.resolved


def test_an_anonymous_demand_is_kept(world):
    demand = make_demand(world, raised_by="", contact="")
    assert demand.raised_by == "" and demand.campaign == world.campaign


def test_respond_resolve_and_reopen_leave_a_history(world, demand):
    services.demand_respond(demand=demand, handler="甲1号", response="已协调周六上午开放")
    services.demand_resolve(demand=demand, resolved_on=date(2023, 10, 20))
    demand.refresh_from_db()
    assert (demand.resolved, demand.resolved_on, demand.handler) == (True, date(2023, 10, 20), "甲1号")
    with pytest.raises(ValidationError, match="已解决"):
        services.demand_resolve(demand=demand, resolved_on=date(2023, 10, 21))
    services.demand_reopen(demand=demand, reason="群众反映仍未落实")
    demand.refresh_from_db()
    assert (demand.resolved, demand.resolved_on) == (False, None)
    kinds = [(e.kind, e.from_state, e.to_state) for e in reversed(events_for(demand))]
    assert kinds == [
        ("created", "", "open"),
        ("note", "", ""),
        ("status", "open", "resolved"),
        ("status", "resolved", "open"),
    ]


def test_a_demands_contact_never_reaches_the_history(world, demand):
    services.demand_save(demand=demand, data={"contact": "13900005678", "raised_by": "李四"})
    change = Event.objects.filter(object_id=demand.pk, kind="changed").get()
    assert change.data["contact"] == ["***", "***"] and change.data["raised_by"] == ["***", "***"]
    assert "13900005678" not in str(AuditLog.objects.values_list("detail", flat=True))


def test_a_demand_that_became_a_matter_cannot_be_deleted(world, demand):
    services.demand_to_matter(
        demand=demand, data={"org": world.branch_a, "title": "周末服务", "due_date": date(2023, 11, 30)}
    )
    with pytest.raises(ValidationError, match="不能删除"):
        services.demand_delete(demand=demand)


# --- Matters ---------------------------------------------------------------------------------


def test_a_new_matter_is_not_started_with_its_light(world):
    matter = make_matter(world, due_date=today() + timedelta(days=2))
    assert matter.status == PracticalMatter.Status.NOT_STARTED
    assert matter.light == Light.YELLOW
    assert Event.objects.filter(object_id=matter.pk, kind="light", to_state="yellow").exists()


def test_a_matter_outside_its_campaigns_subtree_is_refused(world):
    outside = make_org(name="外单位", code="OUT", kind="committee")
    with pytest.raises(ValidationError) as info:
        make_matter(world, org=outside)
    assert "org" in info.value.message_dict


def test_a_matter_cannot_be_created_done(world):
    with pytest.raises(ValidationError):
        services.matter_create(data={"org": world.branch_a, "title": "x"}, status="done")


def test_progress_records_notes_status_and_files(world, matter):
    event = services.matter_progress(
        matter=matter, note="已完成选址", status="in_progress", uploads=[png_upload()]
    )
    matter.refresh_from_db()
    assert matter.status == "in_progress"
    assert (event.kind, event.from_state, event.to_state, event.note) == (
        "status",
        "not_started",
        "in_progress",
        "已完成选址",
    )
    assert Attachment.objects.get().event == event
    services.matter_progress(matter=matter, note="设备已到货")
    assert Event.objects.filter(object_id=matter.pk, kind="note", note="设备已到货").exists()


def test_progress_with_nothing_to_record_is_refused(matter):
    with pytest.raises(ValidationError) as info:
        services.matter_progress(matter=matter, note="  ")
    assert info.value.message_dict["note"] == [services.MATTER_NOTHING_TO_RECORD]


def test_done_needs_a_date_and_an_outcome(world, matter):
    with pytest.raises(ValidationError) as info:
        services.matter_complete(matter=matter, done_on=None, outcome="已开通")
    assert info.value.message_dict["done_on"] == [models.MATTER_DONE_NEEDS_DATE]
    matter.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        services.matter_complete(matter=matter, done_on=date(2023, 12, 1), outcome=" ")
    assert info.value.message_dict["outcome"] == [services.OUTCOME_REQUIRED]
    matter.refresh_from_db()
    assert matter.status == "not_started"


def test_the_database_refuses_a_done_matter_without_a_date(world, matter):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PracticalMatter.objects.filter(pk=matter.pk).update(status="done")


def test_a_late_matter_is_red_until_done_and_never_red_after(world):
    matter = make_matter(world, due_date=date(2023, 11, 1))
    assert matter.light == Light.RED
    services.matter_complete(
        matter=matter,
        done_on=date(2023, 11, 20),
        outcome="已开通",
        beneficiary_count=120,
        uploads=[png_upload()],
    )
    matter.refresh_from_db()
    assert (matter.status, matter.light, matter.beneficiary_count) == ("done", Light.DONE, 120)
    evidence = Attachment.objects.get()
    assert evidence.kind == "evidence" and evidence.event.to_state == "done"
    services.matter_reopen(matter=matter, reason="群众反映通道被占用")
    matter.refresh_from_db()
    assert (matter.status, matter.done_on, matter.light) == ("in_progress", None, Light.RED)
    assert matter.outcome == "已开通"


def test_a_done_matter_takes_no_progress_until_reopened(world, matter):
    services.matter_complete(matter=matter, done_on=date(2023, 12, 1), outcome="已开通")
    with pytest.raises(ValidationError, match="重新打开"):
        services.matter_progress(matter=matter, note="补充")
    with pytest.raises(ValidationError):
        services.matter_reopen(matter=make_matter(world), reason="x")


def test_a_bad_upload_saves_nothing(world, matter):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(ValidationError):
        services.matter_complete(matter=matter, done_on=date(2023, 12, 1), outcome="已开通", uploads=[bad])
    matter.refresh_from_db()
    assert matter.status == "not_started" and not Attachment.objects.exists()


def test_deleting_a_matter_removes_its_files_and_is_audited(world, matter):
    services.matter_attach(matter=matter, uploads=[png_upload()])
    services.matter_delete(matter=matter)
    assert not Attachment.objects.exists()
    assert not PracticalMatter.objects.exists()
    assert AuditLog.objects.filter(action="delete", object_type="outreach.PracticalMatter").exists()


def test_editing_a_matter_records_what_changed_and_resyncs_the_light(world, matter):
    services.matter_update(matter=matter, data={"due_date": date(2023, 10, 1), "title": "增设绿色通道"})
    matter.refresh_from_db()
    assert matter.light == Light.RED
    change = Event.objects.get(object_id=matter.pk, kind="changed")
    assert change.data["due_date"] == ["2023-12-31", "2023-10-01"]
