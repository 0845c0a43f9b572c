"""A finding becomes a problem or a practical matter, a demand becomes a matter, in one step; the
link is kept both ways and shown on both pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from taizhang.core.models import Event
from taizhang.lib.dates import today
from taizhang.outreach import services
from taizhang.outreach.models import PracticalMatter
from taizhang.outreach.tests.conftest import make_visit
from taizhang.rectification.models import Problem

pytestmark = pytest.mark.django_db


def _problem_post(world, **extra):
    return {
        "description": "窗口排队时间长，高峰期超过40分钟",
        "category": "style",
        "org": world.branch_a.pk,
        "rectification_type": "deadline",
        "deadline": "2023-12-31",
        "responsible_person": "甲1号",
        **extra,
    }


def test_the_problem_form_is_prefilled_from_the_finding(world, client, visit, finding):
    services.visit_save(
        visit=visit,
        data={},
        participants=[],
        findings=[
            {"id": f.pk, "text": f.text, "category": "ability" if f == finding else ""}
            for f in visit.findings.all()
        ],
    )
    client.force_login(world.secretary_a)
    form = client.get(reverse("outreach:finding_to_problem", args=[finding.pk])).context["form"]
    assert form["description"].value() == "窗口排队时间长"
    assert form["category"].value() == "ability"
    assert form["org"].value() == world.branch_a.pk
    assert form["deadline"].value() == today() + timedelta(days=30)


def test_a_finding_becomes_a_problem_through_problem_create(world, client, visit, finding):
    client.force_login(world.secretary_a)
    response = client.post(reverse("outreach:finding_to_problem", args=[finding.pk]), _problem_post(world))
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#finding-{finding.pk}")
    assert (problem.visit, problem.finding, problem.campaign) == (visit, finding, world.campaign)
    assert (problem.source, problem.category, problem.status) == ("research", "style", "open")
    assert problem.code == "WT-001"  # numbered by the problem list, not by us
    assert Event.objects.filter(object_id=problem.pk, kind="created", to_state="open").exists()
    assert finding.problems.get() == problem  # the reverse link
    finding.refresh_from_db()
    assert finding.category == "style"  # the finding remembers the category it was filed under
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "已转入问题清单" in page and "WT-001" in page


def test_a_finding_goes_on_the_problem_list_once(world, client, finding):
    client.force_login(world.secretary_a)
    client.post(reverse("outreach:finding_to_problem", args=[finding.pk]), _problem_post(world))
    response = client.post(reverse("outreach:finding_to_problem", args=[finding.pk]), _problem_post(world))
    assert response.status_code == 200
    assert "不能重复转入问题清单" in response.content.decode()
    assert Problem.objects.count() == 1


def test_the_problem_form_names_the_missing_field(world, client, finding):
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("outreach:finding_to_problem", args=[finding.pk]), _problem_post(world, category="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["category"]
    assert not Problem.objects.exists()


def test_a_problem_in_a_unit_the_secretary_does_not_record_for_is_refused(world, client, finding):
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("outreach:finding_to_problem", args=[finding.pk]), _problem_post(world, org=world.branch_b.pk)
    )
    assert response.status_code == 200 and response.context["form"].errors["org"]
    assert not Problem.objects.exists()


def test_a_finding_becomes_a_matter_linked_both_ways(world, client, visit, finding):
    client.force_login(world.secretary_a)
    form = client.get(reverse("outreach:finding_to_matter", args=[finding.pk])).context["form"]
    assert form["title"].value() == "窗口排队时间长" and form["org"].value() == world.branch_a.pk
    response = client.post(
        reverse("outreach:finding_to_matter", args=[finding.pk]),
        {"title": "推行午间不打烊", "org": world.branch_a.pk, "due_date": "2023-11-30", "owner": "甲0号"},
    )
    matter = PracticalMatter.objects.get()
    assert response["Location"] == matter.get_absolute_url()
    assert (matter.visit, matter.finding, matter.campaign, matter.status) == (
        visit,
        finding,
        world.campaign,
        "not_started",
    )
    matter_page = client.get(matter.get_absolute_url()).content.decode()
    assert finding.text in matter_page and visit.subject in matter_page
    visit_page = client.get(visit.get_absolute_url()).content.decode()
    assert "已转为办实事" in visit_page and matter.get_absolute_url() in visit_page
    assert Event.objects.filter(object_id=visit.pk, kind="linked").exists()


def test_a_finding_becomes_a_matter_once(world, finding):
    data = {"org": world.branch_a, "title": "推行午间不打烊", "due_date": date(2023, 11, 30)}
    services.finding_to_matter(finding=finding, data=data)
    with pytest.raises(ValidationError, match="不能重复转为办实事"):
        services.finding_to_matter(finding=finding, data=data)


def test_one_finding_may_become_both_a_problem_and_a_matter(world, finding):
    services.finding_to_matter(
        finding=finding, data={"org": world.branch_a, "title": "午间服务", "due_date": date(2023, 11, 30)}
    )
    services.finding_to_problem(
        finding=finding,
        data={
            "org": world.branch_a,
            "category": "style",
            "description": finding.text,
            "deadline": date(2023, 12, 31),
        },
    )
    assert finding.matters.count() == 1 and finding.problems.count() == 1


def test_a_demand_becomes_a_matter_linked_both_ways(world, client, demand):
    client.force_login(world.secretary_a)
    form = client.get(reverse("outreach:demand_to_matter", args=[demand.pk])).context["form"]
    assert form["description"].value() == demand.content
    response = client.post(
        reverse("outreach:demand_to_matter", args=[demand.pk]),
        {"title": "周末预约服务", "org": world.branch_a.pk, "due_date": "2023-11-30"},
    )
    matter = PracticalMatter.objects.get()
    assert response["Location"] == matter.get_absolute_url()
    assert (matter.demand, matter.campaign) == (demand, world.campaign)
    assert "周末预约服务" in client.get(demand.get_absolute_url()).content.decode()
    assert demand.content in client.get(matter.get_absolute_url()).content.decode()
    again = client.post(
        reverse("outreach:demand_to_matter", args=[demand.pk]),
        {"title": "再转一次", "org": world.branch_a.pk, "due_date": "2023-11-30"},
    )
    assert "不能重复转入" in again.content.decode() and PracticalMatter.objects.count() == 1


def test_a_member_sees_a_matter_came_from_a_demand_but_not_the_demand(world, client, demand):
    matter = services.demand_to_matter(
        demand=demand, data={"org": world.branch_a, "title": "周末预约服务", "due_date": date(2023, 11, 30)}
    )
    client.force_login(world.member_a)
    page = client.get(matter.get_absolute_url()).content.decode()
    assert "收到的群众诉求" in page
    assert demand.content not in page and demand.get_absolute_url() not in page


def test_a_member_sees_a_finding_was_put_on_the_problem_list_but_not_its_code(world, client, visit, finding):
    services.finding_to_problem(
        finding=finding,
        data={
            "org": world.branch_a,
            "category": "style",
            "description": finding.text,
            "deadline": date(2023, 12, 31),
        },
    )
    client.force_login(world.member_a)
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "已转入问题清单" in page and "WT-001" not in page
    assert reverse("outreach:finding_to_problem", args=[finding.pk]) not in page


def test_opening_the_conversion_of_a_converted_finding_goes_back_to_the_visit(world, client, finding):
    services.finding_to_matter(
        finding=finding, data={"org": world.branch_a, "title": "午间服务", "due_date": date(2023, 11, 30)}
    )
    client.force_login(world.secretary_a)
    response = client.get(reverse("outreach:finding_to_matter", args=[finding.pk]))
    assert response.status_code == 302 and response["Location"] == finding.get_absolute_url()


def test_a_committee_visits_finding_is_named_on_the_branch_pages_but_linked_only_for_those_who_may_open_it(
    world, client
):
    # The committee visits branch A's service hall; what it found goes on branch A's lists.
    visit = make_visit(world, org=world.committee, findings=("窗口排队时间长", "老年人不会线上预约"))
    first, second = visit.findings.order_by("order")
    client.force_login(world.admin)
    client.post(reverse("outreach:finding_to_problem", args=[first.pk]), _problem_post(world))
    client.post(
        reverse("outreach:finding_to_matter", args=[second.pk]),
        {"title": "推行午间不打烊", "org": world.branch_a.pk, "due_date": "2023-11-30", "owner": "甲0号"},
    )
    problem, matter = Problem.objects.get(), PracticalMatter.objects.get()
    visit_url = visit.get_absolute_url()
    assert visit_url in client.get(problem.get_absolute_url()).content.decode()
    assert visit_url in client.get(matter.get_absolute_url()).content.decode()

    client.force_login(world.secretary_a)
    assert client.get(visit_url).status_code == 404  # the committee's visit is not branch A's
    for page_url in (problem.get_absolute_url(), matter.get_absolute_url()):
        page = client.get(page_url).content.decode()
        assert visit.subject in page  # where it was found is still said
        assert visit_url not in page  # but no link that would answer 404
