"""Every paginated list: 下一页 opens the next page and keeps the list's filters."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from taizhang.core.tests.factories import make_member

pytestmark = pytest.mark.django_db


def _page_link(html: str, label: str) -> str:
    match = re.search(r'<a class="page-link" href="([^"]+)">' + label + "</a>", html)
    assert match, f"no {label} link"
    return unescape(match.group(1))


def test_next_page_opens_page_two_with_the_same_filters_and_previous_comes_back(world, client):
    for i in range(55):
        make_member(org=world.branch_a, name=f"翻页{i:02d}号")
    client.force_login(world.admin)
    url = reverse("org:member_list")
    first = client.get(url, {"org": world.branch_a.pk, "q": "翻页"}).content.decode()
    assert "1 / 2" in first
    next_href = _page_link(first, "下一页")
    assert next_href.startswith("?") and not next_href.startswith("??")
    second = client.get(url + next_href).content.decode()
    assert "2 / 2" in second  # the second page, not the first again
    names_1, names_2 = (set(re.findall(r"翻页\d\d号", h)) for h in (first, second))
    assert len(names_1) == 50 and len(names_2) == 5 and not names_1 & names_2  # the filter was kept
    back = client.get(url + _page_link(second, "上一页")).content.decode()
    assert "1 / 2" in back
