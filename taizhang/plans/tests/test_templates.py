"""Campaign templates: save a campaign's plan skeleton, start next year's campaign from it, dates shifted."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from taizhang.campaigns.models import Campaign
from taizhang.plans import services
from taizhang.plans.models import CampaignTemplate, PlanTask, StudyPlan
from taizhang.plans.tests.conftest import make_item, make_plan, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def skeleton(world, phases, types):
    make_task(
        world, title="召开动员部署会", org=world.committee, planned_start=date(2023, 9, 5), phase=phases[0]
    )
    make_task(
        world,
        title="举办读书班",
        org=world.committee,
        planned_start=date(2023, 9, 18),
        planned_end=date(2023, 9, 22),
        phase=phases[1],
        required_type=types["reading_class"],
        status="done",
    )
    make_task(
        world, title="甲支部特色活动", kind="featured", planned_start=date(2023, 10, 25), phase=phases[1]
    )
    plan = make_plan(world, level="committee", org=world.committee)
    make_item(
        plan, date(2023, 9, 26), topic="中心组学习", activity_type=types["central_group"], form="seminar"
    )
    return world.campaign


def test_saving_keeps_offsets_from_the_start(world, skeleton):
    template = services.template_save(campaign=skeleton, name="主题教育模板", actor=world.admin)
    data = template.data
    assert [p["start"] for p in data["phases"]] == [0, 15, 76, 122]
    assert [(t["title"], t["start"], t["end"]) for t in data["tasks"]] == [
        ("召开动员部署会", 4, 4),
        ("举办读书班", 17, 21),
    ]
    assert data["required_types"] == ["reading_class"]
    assert data["study_plan_items"] == [
        {
            "topic": "中心组学习",
            "material": "",
            "form": "seminar",
            "offset": 25,
            "activity_type": "central_group",
        }
    ]
    with_featured = services.template_save(
        campaign=skeleton, name="含特色做法", actor=world.admin, include_featured=True
    )
    assert len(with_featured.data["tasks"]) == 3
    with pytest.raises(ValidationError):
        services.template_save(campaign=skeleton, name="主题教育模板", actor=world.admin)


def test_applying_starts_a_new_campaign_with_every_date_shifted(world, skeleton):
    template = services.template_save(campaign=skeleton, name="主题教育模板", actor=world.admin)
    campaign = services.template_apply(
        template=template,
        code="dj2024",
        name="2024年党纪学习教育",
        org=world.committee,
        start_date=date(2024, 4, 1),
        end_date=date(2024, 8, 31),
        actor=world.admin,
    )
    assert list(campaign.phases.values_list("name", "start_date")) == [
        ("动员部署", date(2024, 4, 1)),
        ("学习调研", date(2024, 4, 16)),
        ("检视整改", date(2024, 6, 16)),
        ("总结评估", date(2024, 8, 1)),
    ]
    tasks = list(PlanTask.objects.filter(campaign=campaign).order_by("planned_start"))
    assert [(t.title, t.planned_start, t.planned_end, t.status, t.phase.name) for t in tasks] == [
        ("召开动员部署会", date(2024, 4, 5), date(2024, 4, 5), "not_started", "动员部署"),
        ("举办读书班", date(2024, 4, 18), date(2024, 4, 22), "not_started", "学习调研"),
    ]
    assert tasks[1].required_type.code == "reading_class"
    plan = StudyPlan.objects.get(campaign=campaign, level="committee")
    assert list(plan.items.values_list("topic", "planned_date")) == [("中心组学习", date(2024, 4, 26))]
    # The old campaign is untouched.
    assert PlanTask.objects.filter(campaign=skeleton).count() == 3


def test_a_shorter_campaign_keeps_every_date_inside_it(world, skeleton):
    template = services.template_save(campaign=skeleton, name="主题教育模板", actor=world.admin)
    campaign = services.template_apply(
        template=template,
        code="short",
        name="短期学习教育",
        org=world.committee,
        start_date=date(2024, 4, 1),
        end_date=date(2024, 4, 20),
        actor=world.admin,
    )
    assert all(campaign.contains(t.planned_end) for t in PlanTask.objects.filter(campaign=campaign))
    assert all(campaign.contains(p.end_date) for p in campaign.phases.all())


def test_a_taken_code_is_refused_and_nothing_is_half_made(world, skeleton):
    template = services.template_save(campaign=skeleton, name="主题教育模板", actor=world.admin)
    with pytest.raises(ValidationError) as caught:
        services.template_apply(
            template=template,
            code=skeleton.code,
            name="重复",
            org=world.committee,
            start_date=date(2024, 4, 1),
            end_date=date(2024, 8, 31),
            actor=world.admin,
        )
    assert "code" in caught.value.message_dict
    assert Campaign.objects.count() == 1


def test_templates_are_for_administrators(world, ladder, skeleton, client):
    template = services.template_save(campaign=skeleton, name="主题教育模板", actor=world.admin)
    ladder(reverse("plans:template_detail", args=[template.pk]), outsider=world.leader, allowed=world.admin)
    client.force_login(world.leader)
    assert client.get(reverse("plans:template_list")).status_code == 403
    assert (
        client.post(reverse("plans:template_save"), {"campaign": skeleton.pk, "name": "x"}).status_code == 403
    )


def test_an_administrator_saves_and_applies_from_the_pages(world, client, skeleton):
    client.force_login(world.admin)
    response = client.post(reverse("plans:template_save"), {"campaign": skeleton.pk, "name": "主题教育模板"})
    template = CampaignTemplate.objects.get()
    assert response["Location"] == reverse("plans:template_detail", args=[template.pk])
    page = client.get(response["Location"]).content.decode()
    assert "举办读书班" in page and "读书班" in page
    response = client.post(
        reverse("plans:template_detail", args=[template.pk]),
        {
            "name": "2024年党纪学习教育",
            "code": "dj2024",
            "org": world.committee.pk,
            "start_date": "2024-04-01",
        },
    )
    assert response["Location"] == reverse("plans:calendar")
    campaign = Campaign.objects.get(code="dj2024")
    assert campaign.end_date == date(2024, 4, 1) + (skeleton.end_date - skeleton.start_date)
    calendar = client.get(response["Location"]).content.decode()  # the new campaign is the one shown
    assert "2024年党纪学习教育" in calendar and "召开动员部署会" in calendar
