"""The menu: every entry leads to a page that exists and opens for those it is shown to."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taizhang.core.access import scope_for
from taizhang.core.navigation import SECTIONS, menu_for

ENTRIES = [entry for section in SECTIONS for entry in section.entries]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.url_name for e in ENTRIES])
def test_every_menu_entry_names_a_page_that_exists(entry):
    # The menu leaves out entries whose page is missing; now that every section is built, a missing
    # page is a typo that would silently hide a section, so it must fail here instead.
    assert reverse(entry.url_name).startswith("/")


def test_between_them_admin_and_leader_see_every_entry_and_each_page_opens(world, client):
    seen = set()
    for user in (world.admin, world.leader):  # the review queue is the leader's alone
        client.force_login(user)
        links = [link for section in menu_for(scope_for(user)) for link in section["links"]]
        seen |= {link["name"] for link in links}
        for link in links:
            response = client.get(link["url"])
            assert response.status_code == 200, (user, link["label"], response.status_code)
    assert seen == {e.url_name for e in ENTRIES}


def test_every_link_a_member_is_shown_opens(world, client):
    client.force_login(world.member_a)
    links = [link for section in menu_for(scope_for(world.member_a)) for link in section["links"]]
    assert links and "core:audit_list" not in {link["name"] for link in links}
    for link in links:
        assert client.get(link["url"]).status_code == 200, link
