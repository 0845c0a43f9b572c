"""Pages: the ladder on every view, drill-down links on every figure, bounded queries, snapshots and drift."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.models import AuditLog
from taizhang.reports import metrics
from taizhang.reports.models import Report, ReportTemplate
from taizhang.reports.services import report_generate
from taizhang.reports.tests.conftest import AS_OF
from taizhang.study.models import Attendance, SelfStudy, StudyActivity
from taizhang.study.services import activity_counts_refresh

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _rows_links(html: str) -> list[str]:
    return re.findall(r'href="(/reports/rows/\?[^"]+)"', html.replace("&amp;", "&"))


def test_dashboard_ladder_and_every_figure_links_to_its_rows(ledger, ladder):
    world = ledger.world
    url = f"{reverse('reports:dashboard')}?campaign={world.campaign.pk}&org={world.branch_a.pk}"
    response = ladder(url, outsider=world.secretary_b, readonly=world.member_a, allowed=world.secretary_a)
    html = response.content.decode()
    links = _rows_links(html)
    keys = {re.search(r"key=([^&]+)", link).group(1) for link in links}
    assert set(metrics.CATALOG) <= keys  # every figure of the catalog is on the page, linked
    assert all(f"org={world.branch_a.pk}" in link for link in links)
    # The charts' data comes from its own URL for the same campaign and unit (no inline script).
    charts = (
        reverse("reports:dashboard_charts") + f"?campaign={world.campaign.pk}&amp;org={world.branch_a.pk}"
    )
    assert f'data-charts-url="{charts}"' in html and "<script>" not in html.replace('<script src="', "")


def test_dashboard_charts_ladder_and_each_point_links_to_its_rows(ledger, ladder):
    world = ledger.world
    url = f"{reverse('reports:dashboard_charts')}?campaign={world.campaign.pk}&org={world.branch_a.pk}"
    response = ladder(url, outsider=world.secretary_b, readonly=world.member_a, allowed=world.secretary_a)
    assert response["Content-Type"] == "application/json" and response["Cache-Control"] == "private, no-store"
    charts = response.json()
    assert set(charts) == {
        "study_month",
        "study_type",
        "attendance_unit",
        "rectification_rate",
        "problem_status",
        "problem_category",
        "matter_status",
    }
    # Branch A's activities by month, as the catalog counts them for its subtree, each linked to its rows.
    months = {p["label"]: p["value"] for p in charts["study_month"]}
    expected = metrics.breakdown("study.activities", world.campaign, world.branch_a, by="month")
    assert months == {metrics.group_label("study.activities", "month", g): v for g, v in expected}
    assert all(p["url"].startswith("/reports/rows/?key=study.activities") for p in charts["study_month"])
    statuses = {p["label"]: p["value"] for p in charts["problem_status"]}
    assert sum(statuses.values()) == metrics.compute(world.campaign, world.branch_a)["problems.total"]


def test_dashboard_puts_red_items_and_silent_branches_first(ledger, settings):
    world = ledger.world
    html = (
        _client(world.admin)
        .get(reverse("reports:dashboard") + f"?campaign={world.campaign.pk}")
        .content.decode()
    )
    red = html.index("红灯事项")
    assert red < html.index("静默支部") < html.index("集中学习（按月）") < html.index("组织谋划")
    assert "措施b" in html  # the overdue measure is listed


def test_dashboard_queries_stay_bounded_as_data_grows(ledger, django_assert_max_num_queries):
    world = ledger.world
    client = _client(world.admin)
    url = reverse("reports:dashboard") + f"?campaign={world.campaign.pk}"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(12):
        activity = StudyActivity.objects.create(
            campaign=world.campaign,
            org=world.branch_b,
            type=ledger.activities["a1"].type,
            topic=f"加{i}",
            date=date(2023, 12, i + 1),
        )
        for member in world.people_b:
            Attendance.objects.create(activity=activity, member=member)
    activity_counts_refresh()
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200


def test_dashboard_charts_queries_stay_bounded_as_data_grows(ledger, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = ledger.world
    client = _client(world.admin)
    url = reverse("reports:dashboard_charts") + f"?campaign={world.campaign.pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(12):
        StudyActivity.objects.create(
            campaign=world.campaign,
            org=world.branch_b,
            type=ledger.activities["a1"].type,
            topic=f"加{i}",
            date=date(2023, 12, i + 1),
        )
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200


def test_metric_rows_lists_the_rows_counted_and_checks_scope(ledger, ladder):
    world = ledger.world
    base = f"{reverse('reports:metric_rows')}?key=problems.total&campaign={world.campaign.pk}&org={world.branch_a.pk}"
    response = ladder(base, outsider=world.secretary_b, readonly=world.member_a, allowed=world.secretary_a)
    html = response.content.decode()
    assert html.count('data-label="组织"') == 4  # P1 P2 P3 P4 of branch A's subtree
    assert "问题P5" not in html
    # A member may see the activities of the unit (VIEW), not the problems (VIEW_INTERNAL).
    activities = base.replace("problems.total", "study.activities")
    assert _client(world.member_a).get(activities).status_code == 200
    assert _client(world.member_a).get(base).status_code == 403


def test_metric_rows_by_group_and_bad_input(ledger):
    world = ledger.world
    client = _client(world.admin)
    url = reverse("reports:metric_rows")
    response = client.get(
        url, {"key": "study.activities", "campaign": world.campaign.pk, "by": "month", "group": "2023-09"}
    )
    assert response.status_code == 200 and "2023年9月" in response.content.decode()
    assert response.content.decode().count('data-label="组织"') == 2
    assert client.get(url, {"key": "nope", "campaign": world.campaign.pk}).status_code == 404
    assert client.get(url, {"key": "study.activities"}).status_code == 404
    assert (
        client.get(url, {"key": "study.activities", "campaign": world.campaign.pk, "org": "x"}).status_code
        == 404
    )
    silent = client.get(url, {"key": "units.silent", "campaign": world.campaign.pk})
    assert "乙支部" in silent.content.decode()


def test_metric_rows_queries_do_not_grow_with_the_rows(ledger, django_assert_max_num_queries):
    world = ledger.world
    client = _client(world.admin)
    url = reverse("reports:metric_rows") + f"?key=study.attendance&campaign={world.campaign.pk}"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for member in world.people_b:
        Attendance.objects.create(activity=ledger.activities["a4"], member=member)
    activity_counts_refresh()
    with django_assert_max_num_queries(len(small)):
        client.get(url)


def test_generate_a_report_then_see_drift_with_the_rows_that_changed_it(ledger, ladder):
    world = ledger.world
    list_url = f"{reverse('reports:report_list')}?campaign={world.campaign.pk}"
    ladder(list_url, outsider=world.nobody, allowed=world.secretary_a)
    client = _client(world.secretary_a)
    response = client.post(
        reverse("reports:report_generate"),
        {"campaign": world.campaign.pk, "org": world.branch_a.pk, "as_of": "2024-01-15"},
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:report_detail", args=[report.pk]
    )
    assert report.org == world.branch_a and report.as_of == AS_OF and report.created_by == world.secretary_a
    # A late self-study after the report:
    SelfStudy.objects.create(
        campaign=world.campaign,
        member=world.people_a[0],
        org=world.branch_a,
        date=date(2024, 1, 2),
        material="补录",
        minutes=30,
    )
    detail = reverse("reports:report_detail", args=[report.pk])
    html = ladder(
        detail, outsider=world.secretary_b, readonly=world.member_a, allowed=world.secretary_a
    ).content.decode()
    assert "报告为 2 次，现有记录 3 次" in html
    drift = _client(world.secretary_a).get(
        reverse("reports:report_drift", args=[report.pk, "study.self_study.entries"])
    )
    page = drift.content.decode()
    assert "新增 1 条" in page and "补录" in page and "减少 0 条" in page
    download = _client(world.secretary_a).get(reverse("reports:report_download", args=[report.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert AuditLog.objects.filter(action="export", object_id=str(report.pk)).exists()


def test_generating_outside_scope_is_refused(ledger):
    world = ledger.world
    client = _client(world.secretary_b)
    response = client.post(
        reverse("reports:report_generate"), {"campaign": world.campaign.pk, "org": world.branch_a.pk}
    )
    assert response.status_code in (302, 404) and not Report.objects.exists()
    client = _client(world.member_a)
    response = client.post(
        reverse("reports:report_generate"), {"campaign": world.campaign.pk, "org": world.branch_a.pk}
    )
    assert response.status_code == 403


def test_report_list_queries_do_not_grow_with_reports(ledger, django_assert_max_num_queries):
    world = ledger.world
    report_generate(campaign=world.campaign, as_of=AS_OF)
    client = _client(world.admin)
    url = reverse("reports:report_list") + f"?campaign={world.campaign.pk}"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(3):
        report_generate(campaign=world.campaign, org=world.branch_b, as_of=AS_OF)
    with django_assert_max_num_queries(len(small)):
        assert "乙支部" in client.get(url).content.decode()


def test_ledger_pages_ladder_and_audited_download(ledger, ladder):
    world = ledger.world
    url = f"{reverse('reports:ledger_list')}?campaign={world.campaign.pk}&org={world.branch_a.pk}"
    html = ladder(
        url, outsider=world.secretary_b, readonly=world.member_a, allowed=world.secretary_a
    ).content.decode()
    assert "问题整改台账" in html and "学习台账" in html
    assert "调研台账" in html and "群众诉求台账" in html  # issue 20
    download = f"{reverse('reports:ledger_download', args=['problems'])}?campaign={world.campaign.pk}&org={world.branch_a.pk}"
    response = ladder(
        download, outsider=world.secretary_b, readonly=world.member_a, allowed=world.secretary_a
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert AuditLog.objects.filter(action="export", detail__ledger="problems").count() == 1
    assert _client(world.admin).get(download.replace("problems", "nope")).status_code == 404


def test_report_template_edit_validates_and_is_used(ledger, ladder):
    world = ledger.world
    url = f"{reverse('reports:report_template')}?org={world.branch_a.pk}"
    ladder(url, outsider=world.secretary_b, readonly=world.secretary_a, allowed=world.admin)
    client = _client(world.admin)
    bad = client.post(url, {"org": world.branch_a.pk, "text": '# 标题\n共{% fig "study.nope" %}次'})
    assert "第2行：没有名为“study.nope”的指标" in bad.content.decode() and not ReportTemplate.objects.exists()
    good = client.post(
        url,
        {
            "org": world.branch_a.pk,
            "text": '# 甲支部小结\n## 学习\n读书班{% fig "study.reading_class" %}期。',
        },
    )
    assert good.status_code == 302
    from taizhang.reports.summary import report_build

    built = report_build(campaign=world.campaign, org=world.group_a, as_of=AS_OF, with_charts=False)
    assert (
        built.title == "甲支部小结" and "读书班1期。" in built.text
    )  # the group inherits its branch's template
    client.post(url, {"org": world.branch_a.pk, "action": "reset"})
    assert not ReportTemplate.objects.exists()


def test_home_panel_shows_linked_key_figures_to_secretaries_not_members(ledger):
    world = ledger.world
    html = _client(world.secretary_a).get(reverse("core:home")).content.decode()
    assert "主要数据" in html and f"org={world.branch_a.pk}" in html
    # The campaign ended on 2024-01-31: its figures say so, unlike the lights counted as of today.
    assert "截至2024年1月31日（活动结束日）" in html
    assert "主要数据" not in _client(world.member_a).get(reverse("core:home")).content.decode()
