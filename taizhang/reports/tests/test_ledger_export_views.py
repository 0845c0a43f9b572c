"""The ledger page's 后台生成: which ledgers it offers in the background, the ladder on every new view, the list
that polls while an export is pending, the checked download, and queries that do not grow with the data."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from taizhang.core.models import AuditLog
from taizhang.reports import services
from taizhang.reports.ledgers import KINDS, ledger_filename, ledger_rows_count
from taizhang.reports.models import LedgerExport
from taizhang.study.models import StudyActivity

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _page_url(world, org=None) -> str:  # noqa: ANN001
    return f"{reverse('reports:ledger_list')}?campaign={world.campaign.pk}&org={(org or world.committee).pk}"


def _offered(html: str) -> dict[str, str]:
    """{ledger kind: "background" | "direct"} as the page offers them."""
    background = set(re.findall(r'class="[^"]*ledger-background[^"]*" data-kind="(\w+)"', html))
    direct = set(re.findall(r'class="[^"]*ledger-direct[^"]*" data-kind="(\w+)"', html))
    assert not background & direct
    return {**dict.fromkeys(background, "background"), **dict.fromkeys(direct, "direct")}


def _done_export(world, *, kind="study", org=None, user=None) -> LedgerExport:  # noqa: ANN001
    export, _ = services.ledger_export_request(
        kind=kind, campaign=world.campaign, org=org, user=user or world.admin
    )
    return services.ledger_export_run(export.pk)


def test_ledgers_at_or_above_the_threshold_are_offered_in_the_background(ledger, settings):
    world = ledger.world
    rows = {kind: ledger_rows_count(kind, campaign=world.campaign) for kind in KINDS}
    client = _client(world.admin)

    html = client.get(_page_url(world)).content.decode()
    assert _offered(html) == dict.fromkeys(KINDS, "direct")  # the default threshold: all direct
    assert "后台生成记录" not in html

    threshold = sorted(set(rows.values()))[1]  # some ledgers below it, one exactly at it, some above
    settings.TAIZHANG_LEDGER_BACKGROUND_ROWS = threshold
    html = client.get(_page_url(world)).content.decode()
    expected = {kind: "background" if n >= threshold else "direct" for kind, n in rows.items()}
    assert _offered(html) == expected and set(expected.values()) == {"background", "direct"}
    for kind, n in rows.items():
        assert (f"约 {n} 行，后台生成后下载" in html) == (n >= threshold), kind
    assert "后台生成记录" in html and "还没有后台生成的台账" in html


def test_background_request_ladder_then_the_page_lists_the_export_to_download(ledger, ladder, settings):
    settings.TAIZHANG_LEDGER_BACKGROUND_ROWS = 1
    world = ledger.world
    url = reverse("reports:ledger_export_request", args=["study"])
    data = {"campaign": world.campaign.pk, "org": world.branch_a.pk}
    response = ladder(
        url,
        method="post",
        data=data,
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
        allowed_status=(302,),
    )
    assert response["Location"] == _page_url(world, world.branch_a)
    export = LedgerExport.objects.get()  # only the allowed request made one
    assert (export.kind, export.org, export.requested_by) == ("study", world.branch_a, world.secretary_a)

    client = _client(world.secretary_a)
    page = client.post(url.replace("study", "matters"), data, follow=True).content.decode()
    assert "已开始后台生成甲支部办实事台账" in page
    row = re.search(r'<tr class="ledger-export" data-status="(\w+)" data-kind="study">(.*?)</tr>', page, re.S)
    assert row and row.group(1) == "done" and "已完成" in row.group(2)
    assert f'<td data-label="行数">{export.rows}</td>' in row.group(2)
    assert reverse("reports:ledger_export_download", args=[export.pk]) in row.group(2)
    assert 'hx-trigger="every' not in page  # nothing pending: no polling

    assert _client(world.admin).post(url.replace("study", "nope"), data).status_code == 404


def test_asking_for_a_ledger_already_being_generated_joins_that_export(ledger):
    world = ledger.world
    pending, _ = services.ledger_export_request(
        kind="study", campaign=world.campaign, org=world.branch_a, user=world.admin
    )
    client = _client(world.secretary_a)
    response = client.post(
        reverse("reports:ledger_export_request", args=["study"]),
        {"campaign": world.campaign.pk, "org": world.branch_a.pk},
        follow=True,
    )
    html = response.content.decode()
    assert LedgerExport.objects.get().pk == pending.pk
    assert "甲支部学习台账正在生成" in html and world.admin.display_name in html
    # The export someone else asked for is in the list of the unit's page, with its requester.
    assert 'data-status="queued" data-kind="study"' in html


def test_the_list_polls_while_an_export_is_pending_and_stops_when_none_is(ledger, ladder):
    world = ledger.world
    pending, _ = services.ledger_export_request(
        kind="problems", campaign=world.campaign, org=world.branch_a, user=world.secretary_a
    )
    fragment = f"{reverse('reports:ledger_exports')}?campaign={world.campaign.pk}&org={world.branch_a.pk}"
    polling = f'hx-get="{fragment.replace("&", "&amp;")}" hx-trigger="every 2s" hx-swap="outerHTML"'

    page = _client(world.secretary_a).get(_page_url(world, world.branch_a)).content.decode()
    assert polling in page and "排队中" in page
    html = ladder(
        fragment, outsider=world.secretary_b, readonly=world.member_a, allowed=world.secretary_a
    ).content.decode()
    assert html.startswith('<section id="ledger-exports"') and polling in html and "<html" not in html

    services.ledger_export_run(pending.pk)
    html = _client(world.secretary_a).get(fragment).content.decode()
    assert "hx-trigger" not in html and "已完成" in html


def test_a_failed_export_shows_its_reason(ledger):
    world = ledger.world
    export, _ = services.ledger_export_request(kind="study", campaign=world.campaign, user=world.admin)
    LedgerExport.objects.filter(pk=export.pk).update(status="failed", error=services.EXPORT_FAILED)
    html = _client(world.admin).get(_page_url(world)).content.decode()
    assert services.EXPORT_FAILED in html and "失败" in html
    assert reverse("reports:ledger_export_download", args=[export.pk]) not in html


def test_download_ladder_names_the_file_like_the_direct_download_and_is_not_cached(ledger, ladder):
    world = ledger.world
    export = _done_export(world, org=world.branch_a)
    url = reverse("reports:ledger_export_download", args=[export.pk])
    response = ladder(url, outsider=world.secretary_b, readonly=world.member_a, allowed=world.secretary_a)
    direct = _client(world.admin).get(
        f"{reverse('reports:ledger_download', args=['study'])}?campaign={world.campaign.pk}&org={world.branch_a.pk}"
    )
    assert response["Content-Disposition"] == direct["Content-Disposition"]
    assert ledger_filename("study", world.campaign, world.branch_a) == "学习台账-甲支部-wc.xlsx"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == direct["Content-Type"]
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    # Title, 填报 row, header; the rows; a blank row, 说明, 填报人 / 审核人.
    assert sheet.title == "学习台账" and sheet.max_row == 3 + export.rows + 3
    downloads = AuditLog.objects.filter(action="download", object_id=str(export.pk), success=True)
    assert [d.user for d in downloads] == [world.secretary_a]


def test_a_requester_who_lost_the_units_role_no_longer_gets_the_export(ledger):
    world = ledger.world
    export = _done_export(world, kind="matters", org=world.branch_a, user=world.secretary_a)
    url = reverse("reports:ledger_export_download", args=[export.pk])
    assert _client(world.secretary_a).get(url).status_code == 200
    # Moved to branch B since: the ledger of branch A is no longer theirs to take.
    from taizhang.accounts.models import RoleAssignment

    RoleAssignment.objects.filter(user=world.secretary_a).update(org=world.branch_b)
    assert _client(world.secretary_a).get(url).status_code == 404
    assert _client(world.secretary_b).get(url).status_code == 404


def test_an_unfinished_or_changed_file_is_not_handed_out(ledger):
    world = ledger.world
    pending, _ = services.ledger_export_request(kind="problems", campaign=world.campaign, user=world.admin)
    client = _client(world.admin)
    assert client.get(reverse("reports:ledger_export_download", args=[pending.pk])).status_code == 404

    export = _done_export(world)
    with export.file.open("r+b") as stream:  # one byte changed on disk
        stream.seek(-1, 2)
        last = stream.read(1)
        stream.seek(-1, 2)
        stream.write(bytes([last[0] ^ 0xFF]))
    response = client.get(reverse("reports:ledger_export_download", args=[export.pk]))
    assert response.status_code == 409 and "校验失败" in response.content.decode()
    assert AuditLog.objects.filter(action="download", success=False, object_id=str(export.pk)).exists()

    export.file.delete(save=False)  # purged meanwhile
    assert client.get(reverse("reports:ledger_export_download", args=[export.pk])).status_code == 404


def test_the_ledger_page_queries_do_not_grow_with_exports_or_rows(ledger, settings):
    settings.TAIZHANG_LEDGER_BACKGROUND_ROWS = 1  # every ledger counted and offered in the background
    world = ledger.world
    client = _client(world.admin)
    url = _page_url(world)

    def grow(exports: int, activities: int) -> None:
        for i in range(activities):
            StudyActivity.objects.create(
                campaign=world.campaign,
                org=world.branch_b,
                type=ledger.activities["a1"].type,
                topic=f"加{i}",
                date=date(2023, 12, 1),
            )
        users = [world.admin, world.leader]
        for i in range(exports - LedgerExport.objects.count()):
            _done_export(world, kind=sorted(KINDS)[i % len(KINDS)], org=world.committee, user=users[i % 2])

    grow(2, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(20, 20)
    with CaptureQueriesContext(connection) as large:
        html = client.get(url).content.decode()
    assert html.count('class="ledger-export"') == 10  # the most recent ones
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_a_direct_link_to_a_ledger_at_the_threshold_sends_the_user_to_generate_it(ledger, settings):
    world = ledger.world
    rows = ledger_rows_count("study", campaign=world.campaign)
    settings.TAIZHANG_LEDGER_BACKGROUND_ROWS = rows
    url = reverse("reports:ledger_download", args=["study"]) + f"?campaign={world.campaign.pk}"
    response = _client(world.admin).get(url, follow=True)
    assert response.redirect_chain and response["Content-Type"].startswith("text/html")
    assert f"学习台账约 {rows} 行，请点击“后台生成”" in response.content.decode()
    settings.TAIZHANG_LEDGER_BACKGROUND_ROWS = rows + 1  # below the threshold: the file itself
    direct = _client(world.admin).get(url)
    assert direct.status_code == 200 and direct["Content-Disposition"].startswith("attachment")
