"""Open every create/edit form page as several users and print time, HTML size, <option> count, SQL queries.

    TAIZHANG_DATABASE_URL=sqlite:////path/to/city.sqlite3 .venv/bin/python scripts/forms_at_scale.py [--md]

Runs in-process with Django's test client (no server); each page is fetched 3 times and the median
time is printed. Read-only: the pages are only opened (GET), never submitted.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("TAIZHANG_DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]

from taizhang.accounts.models import User  # noqa: E402
from taizhang.campaigns.selectors import campaigns_visible_to  # noqa: E402
from taizhang.core.access import Cap  # noqa: E402
from taizhang.org.models import Member  # noqa: E402
from taizhang.outreach.models import Demand, PracticalMatter, ResearchVisit  # noqa: E402
from taizhang.plans.models import CampaignTemplate, PlanTask, StudyPlan, StudyPlanItem  # noqa: E402
from taizhang.rectification.models import Institution, Measure, Problem  # noqa: E402
from taizhang.study.models import SelfStudy, StudyActivity  # noqa: E402


def first(model, user, cap=Cap.RECORD, **filters):  # noqa: ANN001, ANN201
    obj = model.objects.within(user, cap).filter(**filters).order_by("-id").first()
    return obj.pk if obj else None


def pages(user) -> list[tuple[str, str | None]]:  # noqa: ANN001
    campaign = campaigns_visible_to(user=user).first()
    seat = f"/campaigns/{campaign.pk}/" if campaign else None
    problem = first(Problem, user, status__in=[Problem.Status.OPEN, Problem.Status.IN_PROGRESS])
    member = first(Member, user, Cap.MANAGE)
    plan = first(StudyPlan, user)
    item = StudyPlanItem.objects.filter(plan_id=plan).values_list("pk", flat=True).first() if plan else None
    template = CampaignTemplate.objects.order_by("id").values_list("pk", flat=True).first()
    target = User.objects.filter(is_superuser=False).exclude(pk=user.pk).order_by("id").first()

    def url(fmt: str, pk: int | None) -> str | None:
        return fmt.format(pk) if pk else None

    return [
        ("学习活动 新建", "/study/new/"),
        ("学习活动 编辑(含签到表)", url("/study/{}/edit/", first(StudyActivity, user))),
        ("个人自学 代录", "/study/self-study/new/"),
        ("个人自学 编辑", url("/study/self-study/{}/edit/", first(SelfStudy, user))),
        ("工作任务 新建", "/plans/tasks/new/"),
        ("工作任务 编辑", url("/plans/tasks/{}/edit/", first(PlanTask, user))),
        ("学习计划 新建", "/plans/study/new/"),
        ("学习计划 编辑", url("/plans/study/{}/edit/", plan)),
        ("学习计划条目 编辑", url("/plans/study/items/{}/", item)),
        ("调研 新建", "/outreach/visits/new/"),
        ("调研 编辑", url("/outreach/visits/{}/edit/", first(ResearchVisit, user))),
        ("调研课题 新建", "/outreach/topics/new/"),
        ("群众诉求 新建", "/outreach/demands/new/"),
        ("群众诉求 编辑", url("/outreach/demands/{}/edit/", first(Demand, user))),
        ("办实事 新建", "/outreach/matters/new/"),
        ("办实事 编辑", url("/outreach/matters/{}/edit/", first(PracticalMatter, user))),
        ("问题 新建", "/rectification/problems/new/"),
        ("问题 编辑", url("/rectification/problems/{}/edit/", problem)),
        ("整改措施 新建", url("/rectification/problems/{}/measures/new/", problem)),
        ("整改措施 编辑", url("/rectification/measures/{}/edit/", first(Measure, user, problem_id=problem))),
        ("制度 新建", "/rectification/institutions/new/"),
        ("制度 编辑", url("/rectification/institutions/{}/edit/", first(Institution, user))),
        ("学习教育(领导小组/专班)", seat),
        ("组织 新建", "/org/new/"),
        ("党员 新建", "/org/members/new/"),
        ("党员 编辑", url("/org/members/{}/edit/", member)),
        ("账号(角色授予)", url("/accounts/users/{}/", target.pk if target else None)),
        ("总结报告(生成表单)", "/reports/summary/"),
        ("报告模板", "/reports/summary/template/"),
        ("填写自有文稿", "/reports/fill/"),
        ("套用模板新建学习教育", url("/plans/templates/{}/", template)),
        ("导入", "/imports/"),
        # The search pickers' endpoint (core:pick), one typical search per kind.
        ("搜索 党员“王”", "/pick/member/?q=王"),
        ("搜索 组织“支部”", "/pick/org/?q=支部"),
        ("搜索 问题“学习”", f"/pick/problem/?q=学习&campaign={campaign.pk if campaign else ''}"),
        ("搜索 措施“制度”", "/pick/measure/?q=制度"),
        ("搜索 会议“学习”", "/pick/activity/?q=学习"),
        ("搜索 调研“调研”", "/pick/visit/?q=调研"),
    ]


def measure(client: Client, url: str) -> tuple[int, float, int, int, int]:
    times = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
    body = response.content
    return response.status_code, statistics.median(times) * 1000, len(body), body.count(b"<option"), len(ctx)


def main() -> None:
    md = "--md" in sys.argv
    users = [a for a in sys.argv[1:] if not a.startswith("--")] or ["city_admin", "city_secretary"]
    if md:
        print("| user | page | status | ms (median of 3) | HTML KB | <option> | SQL |")
        print("|---|---|---|---:|---:|---:|---:|")
    for username in users:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for label, url in pages(user):
            if url is None:
                print(
                    f"| {username} | {label} | – | | | | |" if md else f"{username:15} {label:24} (no object)"
                )
                continue
            status, ms, size, options, queries = measure(client, url)
            if md:
                print(
                    f"| {username} | {label} `{url}` | {status} | {ms:.0f} | {size / 1024:.0f} | {options} | {queries} |"
                )
            else:
                print(
                    f"{username:15} {label:24} {status} {ms:8.0f} ms {size / 1024:8.0f} KB {options:7} opt {queries:4} q  {url}"
                )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
