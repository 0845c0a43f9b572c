"""Every list page offers "导出 Excel" in the import workbook's format, carrying the page's filters."""

from __future__ import annotations

import io
import re
from html import unescape

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = {
    "study:activity_list": "学习活动",
    "study:selfstudy_list": "个人自学",
    "plans:task_list": "工作任务",
    "outreach:visit_list": "调研",
    "outreach:demand_list": "群众诉求",
    "outreach:matter_list": "办实事",
    "rectification:problem_list": "问题清单",
    "rectification:measure_list": "整改措施",
    "rectification:institution_list": "制度",
    "org:member_list": "党员",
    "org:tree": "组织",
    "campaigns:list": "学习教育",
}


def _export_href(html: str) -> str:
    match = re.search(r'<a class="btn[^"]*export-button" href="([^"]+)"', html)
    assert match, "no export button"
    return unescape(match.group(1))


@pytest.mark.parametrize(("url_name", "sheet"), PAGES.items())
def test_the_list_page_exports_its_sheet(world, url_name, sheet):
    client = Client()
    client.force_login(world.admin)
    html = client.get(reverse(url_name) + f"?org={world.branch_a.pk}").content.decode()
    href = _export_href(html)
    assert f"org={world.branch_a.pk}" in href
    response = client.get(href)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert sheet in book.sheetnames


def test_members_get_no_export_button(world):
    client = Client()
    client.force_login(world.member_a)
    html = client.get(reverse("study:activity_list")).content.decode()
    assert "export-button" not in html
