"""The filler's pages: who may open what (ladders), the upload → correct → download → save → fill again
journey through the test client, and bounded queries."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from taizhang.core.models import AuditLog
from taizhang.reports.fill import services
from taizhang.reports.fill.tests.conftest import OWN_DRAFT
from taizhang.reports.models import FillDraft, FillTemplate
from taizhang.study.models import ActivityType, StudyActivity

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def branch_draft(world) -> FillDraft:  # noqa: ANN001
    checked = services.draft_file_check(SimpleUploadedFile("支部汇报.txt", OWN_DRAFT.encode()))
    return services.fill_draft_create(
        checked=checked, campaign=world.campaign, org=world.branch_a, actor=world.secretary_a
    )


def branch_template(world) -> FillTemplate:  # noqa: ANN001
    return services.fill_template_save(draft=branch_draft(world), name="支部模板", actor=world.secretary_a)


def scope_data(world, org=None) -> dict:  # noqa: ANN001
    return {"campaign": world.campaign.pk, "org": (org or world.branch_a).pk}


# --- ladders ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fill_start", "fill_upload"])
def test_the_start_pages_need_view_internal(world, name):
    url = reverse(f"reports:{name}")
    method = "post" if name == "fill_upload" else "get"
    anonymous = getattr(Client(), method)(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for user in (world.member_a, world.nobody):
        assert getattr(client_for(user), method)(url).status_code == 403
    allowed = getattr(client_for(world.secretary_a), method)(url)
    assert allowed.status_code == (200 if method == "get" else 400)


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("fill_review", "get", None),
        ("fill_download", "get", None),
        ("fill_checklist", "get", None),
        ("fill_choose", "post", {"key_0": "study.activities"}),
        ("fill_template_save", "post", {"name": "我的模板"}),
    ],
)
def test_a_draft_is_its_owners_alone(world, ladder, name, method, data):
    draft = branch_draft(world)
    ladder(
        reverse(f"reports:{name}", args=[draft.pk]),
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
        method=method,
        data=data,
    )
    # Even the committee's admin does not see someone else's draft in progress.
    assert client_for(world.admin).get(reverse("reports:fill_review", args=[draft.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "method", "with_scope"),
    [
        ("fill_template_detail", "get", False),
        ("fill_template_download", "post", True),
        ("fill_template_review", "post", True),
        ("fill_template_delete", "post", False),
    ],
)
def test_a_template_is_for_its_unit(world, ladder, name, method, with_scope):
    template = branch_template(world)
    ladder(
        reverse(f"reports:{name}", args=[template.pk]),
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
        method=method,
        data=scope_data(world) if with_scope else None,
    )


def test_a_committee_template_is_used_below_but_changed_only_by_the_committee(world):
    draft = services.fill_draft_create(
        checked=services.draft_file_check(SimpleUploadedFile("局汇报.txt", OWN_DRAFT.encode())),
        campaign=world.campaign,
        org=world.committee,
        actor=world.admin,
    )
    template = services.fill_template_save(draft=draft, name="局模板", actor=world.admin)
    secretary = client_for(world.secretary_a)
    assert "局模板" in secretary.get(reverse("reports:fill_start")).content.decode()
    response = secretary.post(
        reverse("reports:fill_template_download", args=[template.pk]), scope_data(world)
    )
    assert response.status_code == 200
    # ...but only for units the secretary may see
    response = secretary.post(
        reverse("reports:fill_template_download", args=[template.pk]), scope_data(world, world.committee)
    )
    assert response.status_code == 400
    assert secretary.post(reverse("reports:fill_template_delete", args=[template.pk])).status_code == 403
    assert (
        client_for(world.admin).post(reverse("reports:fill_template_delete", args=[template.pk])).status_code
        == 302
    )


# --- the journey -----------------------------------------------------------------------------------


def test_upload_correct_download_save_and_fill_again(ledger):
    world = ledger.world
    client = client_for(world.secretary_a)
    page = client.get(reverse("reports:fill_start"))
    assert page.status_code == 200

    response = client.post(
        reverse("reports:fill_upload"),
        {**scope_data(world), "file": SimpleUploadedFile("支部汇报.txt", OWN_DRAFT.encode("gb18030"))},
    )
    draft = FillDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:fill_review", args=[draft.pk]
    )

    review = client.get(response["Location"]).content.decode()
    assert review.count('class="fill-row') == 13
    assert "沿用前文主语“专题读书班”" in review
    assert "未匹配 1" in review

    # Correct one choice in place (htmx): the row comes back with the new value.
    # htmx posts the whole form around the select; only the row that changed (HX-Trigger-Name) is saved.
    row = client.post(
        reverse("reports:fill_choose", args=[draft.pk]),
        {"key_0": "study.activities", "key_12": "research.visits"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TRIGGER_NAME="key_12",
    )
    assert row.status_code == 200
    assert "已更正" in row.content.decode()
    assert row.content.decode().count("<tr") == 1
    draft.refresh_from_db()
    assert [draft.rows[0]["key"], draft.rows[12]["key"]] == ["study.weekly_meeting", "research.visits"]

    filled = client.get(reverse("reports:fill_download", args=[draft.pk]))
    assert filled["Content-Disposition"].startswith("attachment;")
    text = filled.content.decode("gb18030")
    assert "举办专题读书班2期，参加学习8人次，交流发言3人次。" in text  # branch A's reading classes
    assert "另撰写调研报告1篇" in text  # branch A: one research visit
    checklist = client.get(reverse("reports:fill_checklist", args=[draft.pk]))
    assert checklist["Content-Type"].startswith("application/vnd.openxmlformats")

    saved = client.post(reverse("reports:fill_template_save", args=[draft.pk]), {"name": "支部总结模板"})
    template = FillTemplate.objects.get()
    assert saved["Location"] == reverse("reports:fill_template_detail", args=[template.pk])
    assert template.mapping[12]["key"] == "research.visits"

    again = client.post(reverse("reports:fill_template_download", args=[template.pk]), scope_data(world))
    assert again.content.decode("gb18030") == text
    assert AuditLog.objects.filter(action="export").count() == 3


def test_a_bad_upload_is_explained_on_the_field(world):
    client = client_for(world.secretary_a)
    response = client.post(
        reverse("reports:fill_upload"),
        {**scope_data(world), "file": SimpleUploadedFile("汇报.pdf", b"%PDF-1.4")},
    )
    assert response.status_code == 400
    assert "只能上传 Word（.docx）、纯文本（.txt）或 Markdown（.md）文件" in response.content.decode()
    assert not FillDraft.objects.exists()


def test_a_unit_outside_the_users_scope_cannot_be_chosen(world):
    client = client_for(world.secretary_a)
    response = client.post(
        reverse("reports:fill_upload"),
        {**scope_data(world, world.branch_b), "file": SimpleUploadedFile("a.txt", "查摆问题X个".encode())},
    )
    assert response.status_code == 400
    assert not FillDraft.objects.exists()


# --- bounded queries -------------------------------------------------------------------------------


def _more_rows(world, n: int) -> None:  # noqa: ANN001
    kind = ActivityType.objects.get(campaign=None, code="reading_class")
    for i in range(n):
        StudyActivity.objects.create(
            campaign=world.campaign,
            org=world.branch_a,
            type=kind,
            topic=f"读书班{i}",
            date=world.campaign.start_date,
        )


def test_the_review_page_issues_the_same_queries_whatever_the_data(world, django_assert_num_queries):
    draft = branch_draft(world)
    client = client_for(world.secretary_a)
    url = reverse("reports:fill_review", args=[draft.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _more_rows(world, 25)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_start_page_issues_the_same_queries_whatever_the_templates(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.secretary_a)
    branch_template(world)
    client.get(reverse("reports:fill_start"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("reports:fill_start"))
    for _ in range(4):
        branch_template(world)
    with CaptureQueriesContext(connection) as five:
        client.get(reverse("reports:fill_start"))
    assert len(five.captured_queries) == len(one.captured_queries)
