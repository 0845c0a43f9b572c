"""Lists, filters, counts by unit, the home panel and the report's matters_done: what users see,
counted in SQL with a bounded number of queries whatever the data size."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from taizhang.lib.dates import today
from taizhang.outreach import services
from taizhang.outreach.selectors import NONE, matters_done, unit_counts
from taizhang.outreach.tests.conftest import make_demand, make_matter, make_visit

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _add_records(world, n: int) -> None:
    for i in range(n):
        org = world.branch_a if i % 2 else world.group_a
        visit = services.visit_save(
            visit=None,
            data={"org": org, "subject": f"走访{i}", "date": date(2023, 10, 1) + timedelta(days=i % 60)},
            participants=[world.people_a[1]],
            findings=[{"text": f"发现{i}-{k}", "category": ""} for k in range(2)],
        )
        finding = visit.findings.first()
        if i % 3 == 0:
            services.finding_to_matter(
                finding=finding, data={"org": org, "title": f"实事{i}", "due_date": date(2023, 12, 1)}
            )
        if i % 4 == 0:
            services.finding_to_problem(
                finding=finding,
                data={
                    "org": org,
                    "category": "style",
                    "description": finding.text,
                    "deadline": date(2023, 12, 1),
                },
            )
        make_demand(world, org=org, content=f"诉求{i}", raised_on=date(2023, 10, 1) + timedelta(days=i % 60))
        matter = make_matter(
            world, org=org, title=f"办实事{i}", due_date=date(2023, 11, 1) + timedelta(days=i)
        )
        if i % 2:
            services.matter_complete(
                matter=matter, done_on=date(2023, 12, 1), outcome="已办结", beneficiary_count=i
            )
        services.topic_save(topic=None, data={"campaign": world.campaign, "org": org, "title": f"课题{i}"})


LIST_URLS = [
    "outreach:visit_list",
    "outreach:demand_list",
    "outreach:matter_list",
    "outreach:topic_list",
    "outreach:unit_counts",
]


@pytest.mark.parametrize("name", LIST_URLS)
def test_list_pages_issue_the_same_queries_for_few_and_many_rows(world, client, name):
    client.force_login(world.secretary_a)
    _add_records(world, 2)
    small = _queries(client, reverse(name))
    _add_records(world, 12)
    large = _queries(client, reverse(name))
    assert small == large


def test_the_home_page_issues_the_same_queries_for_few_and_many_rows(world, client):
    client.force_login(world.secretary_a)
    _add_records(world, 2)
    small = _queries(client, reverse("core:home"))
    _add_records(world, 12)
    assert _queries(client, reverse("core:home")) == small


def test_visit_detail_queries_do_not_grow_with_findings(world, client):
    client.force_login(world.secretary_a)
    few = make_visit(world, findings=("一",))
    many = make_visit(world, findings=tuple(f"发现{i}" for i in range(15)))
    for f in list(many.findings.all())[:5]:
        services.finding_to_matter(
            finding=f, data={"org": world.branch_a, "title": f.text, "due_date": date(2023, 12, 1)}
        )
    assert _queries(client, few.get_absolute_url()) == _queries(client, many.get_absolute_url())


def test_matter_filters_by_status_light_unit_and_words(world, client):
    make_matter(world, title="母婴室建设", due_date=today() - timedelta(days=3))
    make_matter(world, org=world.group_a, title="自助终端", due_date=today() + timedelta(days=2))
    done = make_matter(world, title="免费邮寄", due_date=date(2023, 11, 1))
    services.matter_complete(
        matter=done, done_on=date(2023, 10, 30), outcome="邮寄1580件", beneficiary_count=1580
    )
    client.force_login(world.secretary_a)
    url = reverse("outreach:matter_list")

    def titles(**params) -> list[str]:
        page = client.get(url, params).context["page"]
        return [m.title for m in page]

    assert titles() == ["母婴室建设", "自助终端", "免费邮寄"]  # red first, then yellow, then done
    assert titles(light="red") == ["母婴室建设"]
    assert titles(light="yellow") == ["自助终端"]
    assert titles(status="done") == ["免费邮寄"]
    assert titles(org=world.group_a.pk) == ["自助终端"]
    assert titles(q="邮寄") == ["免费邮寄"]
    assert titles(date_field="done_on", date_from="2023-10-01", date_to="2023-10-31") == ["免费邮寄"]
    counts = client.get(url).context["counts"]
    assert (
        counts["total"],
        counts["done"],
        counts["red"],
        counts["yellow"],
        counts["beneficiary_total"],
    ) == (
        3,
        1,
        1,
        1,
        1580,
    )


def test_lists_default_to_the_current_campaign_and_can_show_the_rest(world, client):
    make_visit(world, subject="活动期间走访")
    make_visit(world, subject="活动结束后走访", day=date(2024, 5, 1))
    client.force_login(world.secretary_a)
    url = reverse("outreach:visit_list")
    assert [v.subject for v in client.get(url).context["page"]] == ["活动期间走访"]
    assert [v.subject for v in client.get(url, {"campaign": NONE}).context["page"]] == ["活动结束后走访"]
    assert len(client.get(url, {"campaign": "all"}).context["page"]) == 2
    assert [
        v.subject for v in client.get(url, {"date_from": "2024-01-01", "campaign": "all"}).context["page"]
    ] == ["活动结束后走访"]


def test_demand_filters_by_resolved_and_channel(world, client):
    make_demand(world, content="停车难", channel="hotline")
    solved = make_demand(world, content="复印难", channel="visit")
    services.demand_resolve(demand=solved, resolved_on=date(2023, 10, 20))
    client.force_login(world.secretary_a)
    url = reverse("outreach:demand_list")
    assert [d.content for d in client.get(url, {"resolved": "no"}).context["page"]] == ["停车难"]
    assert [d.content for d in client.get(url, {"resolved": "yes"}).context["page"]] == ["复印难"]
    assert [d.content for d in client.get(url, {"channel": "hotline"}).context["page"]] == ["停车难"]
    counts = client.get(url).context["counts"]
    assert (counts["total"], counts["solved"], counts["unsolved"]) == (2, 1, 1)


def test_bad_filter_input_is_named_not_crashed(world, client):
    client.force_login(world.secretary_a)
    response = client.get(
        reverse("outreach:matter_list"), {"date_from": "2023-12-01", "date_to": "2023-11-01"}
    )
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert (
        client.get(reverse("outreach:visit_list"), {"date_from": "不是日期", "org": "abc"}).status_code == 200
    )


def test_counts_by_unit_roll_up_subtrees(world):
    make_visit(world, findings=("一", "二"))  # branch A itself
    make_visit(world, org=world.branch_b, findings=("三",))
    make_matter(world, org=world.group_a, due_date=date(2023, 10, 1))  # red
    done = make_matter(world, org=world.branch_b)
    services.matter_complete(matter=done, done_on=date(2023, 12, 1), outcome="已办结", beneficiary_count=40)
    make_demand(world, org=world.group_a)
    result = unit_counts(user=world.leader, campaign=world.campaign)
    assert result["org"] == world.committee
    rows = {(r.org.name, r.own_only): r.counts for r in result["rows"]}
    assert rows[("局党委", True)]["visits"] == 0
    a, b = rows[("甲支部", False)], rows[("乙支部", False)]
    assert (a["visits"], a["findings"], a["matters"], a["matters_red"], a["demands"]) == (1, 2, 1, 1, 1)
    assert (b["visits"], b["matters_done"], b["beneficiaries"], b["demands"]) == (1, 1, 40, 0)
    assert result["total"]["visits"] == 2 and result["total"]["beneficiaries"] == 40


def test_counts_by_unit_for_a_member_leave_demands_out(world):
    make_demand(world)
    result = unit_counts(user=world.member_a, campaign=world.campaign)
    assert result["org"] == world.branch_a
    assert "demands" not in result["fields"] and "demands" not in result["total"]
    assert [r.org.name for r in result["rows"]] == ["甲支部", "甲支部第一小组"]


def test_matters_done_lists_the_campaigns_done_matters_in_order(world):
    first = make_matter(world, title="爱心帮办窗口", org=world.group_a)
    second = make_matter(world, title="免费邮寄", org=world.branch_b)
    make_matter(world, title="母婴室建设")  # not done
    other = make_matter(world, title="往年实事", campaign=None)
    for matter, day, count in (
        (second, date(2023, 12, 1), 1580),
        (first, date(2023, 11, 10), 1250),
        (other, date(2023, 11, 1), 5),
    ):
        services.matter_complete(
            matter=matter, done_on=day, outcome=f"{matter.title}已办结", beneficiary_count=count
        )
    done = matters_done(campaign=world.campaign, org=world.committee)
    assert [(m.title, m.beneficiary_count, m.outcome) for m in done] == [
        ("爱心帮办窗口", 1250, "爱心帮办窗口已办结"),
        ("免费邮寄", 1580, "免费邮寄已办结"),
    ]
    assert [m.title for m in matters_done(campaign=world.campaign, org=world.branch_a)] == ["爱心帮办窗口"]
    assert [m.title for m in matters_done(campaign=None, org=world.committee)] == ["往年实事"]


def test_the_home_panel_counts_the_users_scope(world, client):
    make_visit(world)
    make_visit(world, org=world.branch_b)
    make_demand(world)
    late = make_matter(world, due_date=date(2023, 10, 1))
    done = make_matter(world)
    services.matter_complete(matter=done, done_on=date(2023, 12, 1), outcome="已办结", beneficiary_count=30)
    services.matter_progress(matter=late, note="推进中", status="in_progress")
    client.force_login(world.secretary_a)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-figure="visits">1<' in html
    assert 'data-figure="open-demands">1<' in html
    assert 'data-figure="matters">2<' in html and 'data-figure="matters-done">1<' in html
    assert "红灯 1" in html and "记录调研" in html and "新增办实事" in html
    client.force_login(world.member_a)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-figure="visits">1<' in html
    assert "open-demands" not in html and "记录调研" not in html


def test_each_count_by_unit_opens_the_records_it_counts(world, client):
    import re
    from html import unescape

    make_visit(world, findings=("一", "二"))
    make_visit(world, org=world.branch_b, findings=("三",))
    make_matter(world, org=world.group_a, due_date=date(2023, 10, 1))  # red
    make_matter(world, org=world.group_a)
    done = make_matter(world, org=world.branch_b)
    services.matter_complete(matter=done, done_on=date(2023, 12, 1), outcome="已办结", beneficiary_count=40)
    make_demand(world, org=world.group_a)
    resolved = make_demand(world, org=world.branch_b)
    services.demand_resolve(demand=resolved, resolved_on=date(2023, 10, 20), response="已答复")
    client.force_login(world.leader)
    html = client.get(reverse("outreach:unit_counts")).content.decode()
    links = re.findall(r'<a href="(/outreach/(?:visits|demands|matters)/\?[^"]*)">(\d+)</a>', html)
    kinds = {re.match(r"/outreach/(\w+)/", href).group(1) for href, _ in links}
    assert kinds == {"visits", "demands", "matters"} and len(links) >= 12, links
    for href, n in links:
        page = client.get(unescape(href)).content.decode()
        records = set(re.findall(r'href="(/outreach/(?:visits|demands|matters)/\d+/)"', page))
        assert len(records) == int(n), (unescape(href), n, records)
    # A unit's name narrows the table to that unit and its groups.
    unit = re.search(rf'<a href="(\?[^"]*org={world.branch_a.pk}[^"]*)">甲支部</a>', html)
    narrowed = client.get(reverse("outreach:unit_counts") + unescape(unit.group(1))).content.decode()
    table = narrowed[narrowed.index("counts-table") :]
    assert "甲支部第一小组" in table and "乙支部" not in table


def test_the_demand_totals_open_the_demands_they_count_within_the_filters(world, client):
    import re
    from html import unescape

    make_demand(world)
    solved = make_demand(world, content="希望延长午间办理")
    services.demand_resolve(demand=solved, resolved_on=date(2023, 10, 20), response="已答复")
    make_demand(world, org=world.branch_b, content="乙支部的诉求")
    client.force_login(world.leader)
    url = reverse("outreach:demand_list")
    html = client.get(url, {"org": world.branch_a.pk}).content.decode()
    counts = html[html.index("demand-counts") :][:1500]
    links = re.findall(r'href="([^"]*)">[^<]*<strong>(\d+)</strong>', counts)
    assert [n for _, n in links] == ["2", "1", "1"]  # branch A only: total, solved, unsolved
    for href, n in links:
        page = client.get(url + unescape(href)).content.decode()
        assert len(set(re.findall(r'href="(/outreach/demands/\d+/)"', page))) == int(n), href
        assert "乙支部的诉求" not in page
