"""Pages: who may open what (the ladder for every protected view), and what forms say back."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.models import Attachment, AuditLog
from taizhang.outreach import services
from taizhang.outreach.models import Demand, PracticalMatter, ResearchTopic, ResearchVisit
from taizhang.outreach.tests.conftest import png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(world):
    return services.topic_save(
        topic=None, data={"campaign": world.campaign, "org": world.branch_a, "title": "窗口服务提质"}
    )


# --- The ladder: anonymous → login, outsider → 404, read-only → 403, allowed → 200/302 --------------


@pytest.mark.parametrize(
    "name, method",
    [
        ("outreach:topic_detail", "get"),
        ("outreach:topic_edit", "get"),
        ("outreach:topic_delete", "post"),
    ],
)
def test_topic_ladder(world, ladder, topic, name, method):
    readonly = None if name == "outreach:topic_detail" else world.member_a
    ladder(
        reverse(name, args=[topic.pk]),
        outsider=world.secretary_b,
        readonly=readonly,
        allowed=world.secretary_a,
        method=method,
    )


@pytest.mark.parametrize(
    "name, method, readonly",
    [
        ("outreach:visit_detail", "get", False),
        ("outreach:visit_edit", "get", True),
        ("outreach:visit_delete", "post", True),
    ],
)
def test_visit_ladder(world, ladder, visit, name, method, readonly):
    ladder(
        reverse(name, args=[visit.pk]),
        outsider=world.secretary_b,
        readonly=world.member_a if readonly else None,
        allowed=world.secretary_a,
        method=method,
    )


@pytest.mark.parametrize("name", ["outreach:finding_to_problem", "outreach:finding_to_matter"])
def test_finding_conversion_ladder(world, ladder, finding, name):
    ladder(
        reverse(name, args=[finding.pk]),
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
    )


@pytest.mark.parametrize(
    "name, method",
    [
        ("outreach:demand_detail", "get"),
        ("outreach:demand_edit", "get"),
        ("outreach:demand_respond", "get"),
        ("outreach:demand_resolve", "get"),
        ("outreach:demand_reopen", "get"),
        ("outreach:demand_to_matter", "get"),
        ("outreach:demand_contact", "post"),
        ("outreach:demand_delete", "post"),
    ],
)
def test_demand_ladder(world, ladder, demand, name, method):
    url = reverse(name, args=[demand.pk])
    other_branch = Client()
    other_branch.force_login(world.secretary_b)
    response = other_branch.post(url) if method == "post" else other_branch.get(url)
    assert response.status_code == 404
    # Demands hold people's names and contacts: a plain member of the branch does not learn they exist.
    ladder(url, outsider=world.member_a, allowed=world.secretary_a, method=method)


@pytest.mark.parametrize(
    "name, method, readonly",
    [
        ("outreach:matter_detail", "get", False),
        ("outreach:matter_edit", "get", True),
        ("outreach:matter_progress", "get", True),
        ("outreach:matter_complete", "get", True),
        ("outreach:matter_reopen", "get", True),
        ("outreach:matter_attach", "get", True),
        ("outreach:matter_delete", "post", True),
    ],
)
def test_matter_ladder(world, ladder, matter, name, method, readonly):
    ladder(
        reverse(name, args=[matter.pk]),
        outsider=world.secretary_b,
        readonly=world.member_a if readonly else None,
        allowed=world.secretary_a,
        method=method,
    )


LISTS_FOR_MEMBERS = [
    "outreach:topic_list",
    "outreach:visit_list",
    "outreach:matter_list",
    "outreach:unit_counts",
]
CREATES = [
    "outreach:topic_create",
    "outreach:visit_create",
    "outreach:demand_create",
    "outreach:matter_create",
]


@pytest.mark.parametrize("name", LISTS_FOR_MEMBERS + ["outreach:demand_list"] + CREATES)
def test_lists_and_create_pages_send_anonymous_users_to_login(name):
    response = Client().get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", LISTS_FOR_MEMBERS)
def test_members_see_the_lists_a_login_without_role_does_not(world, client, name):
    client.force_login(world.nobody)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(world.member_a)
    assert client.get(reverse(name)).status_code == 200


def test_a_member_may_not_open_the_demand_list(world, client):
    client.force_login(world.member_a)
    assert client.get(reverse("outreach:demand_list")).status_code == 403
    client.force_login(world.secretary_a)
    assert client.get(reverse("outreach:demand_list")).status_code == 200


@pytest.mark.parametrize("name", CREATES)
def test_only_those_who_record_may_open_create_pages(world, client, name):
    client.force_login(world.member_a)
    assert client.get(reverse(name)).status_code == 403
    assert AuditLog.objects.filter(action="denied", success=False).exists()
    client.force_login(world.secretary_a)
    assert client.get(reverse(name)).status_code == 200


def test_participant_search_needs_roster_rights_and_stays_in_the_chosen_unit(world, client):
    """The visit form's participant picker searches the chosen unit's subtree (#id_org is sent along)."""
    url = reverse("core:pick", args=["member"])
    client.force_login(world.member_a)
    assert client.get(url, {"org": world.branch_a.pk, "q": "甲"}).status_code == 403
    client.force_login(world.secretary_a)
    html = client.get(url, {"org": world.group_a.pk, "q": "甲"}).content.decode()
    in_group = [p.name for p in world.people_a if p.org_id == world.group_a.pk]
    elsewhere = [p.name for p in world.people_a if p.org_id != world.group_a.pk]
    assert all(n in html for n in in_group) and not any(n in html for n in elsewhere)
    # Another branch's members are not offered, whatever the parameter says.
    response = client.get(url, {"org": world.branch_b.pk, "q": "乙"})
    assert response.status_code == 404 and world.people_b[0].name not in response.content.decode()


# --- Scope of lists ----------------------------------------------------------------------------


def test_lists_show_only_the_users_subtree(world, client):
    from taizhang.outreach.tests.conftest import make_demand, make_matter, make_visit

    make_visit(world, subject="甲支部走访")
    make_visit(world, org=world.branch_b, subject="乙支部走访")
    make_matter(world, title="甲支部实事")
    make_matter(world, org=world.branch_b, title="乙支部实事")
    make_demand(world, content="甲支部诉求")
    make_demand(world, org=world.branch_b, content="乙支部诉求")
    client.force_login(world.secretary_a)
    for name, mine, theirs in [
        ("outreach:visit_list", "甲支部走访", "乙支部走访"),
        ("outreach:matter_list", "甲支部实事", "乙支部实事"),
        ("outreach:demand_list", "甲支部诉求", "乙支部诉求"),
    ]:
        html = client.get(reverse(name)).content.decode()
        assert mine in html and theirs not in html, name
    client.force_login(world.leader)
    html = client.get(reverse("outreach:matter_list")).content.decode()
    assert "甲支部实事" in html and "乙支部实事" in html


# --- Forms ---------------------------------------------------------------------------------------


def _visit_post(world, **extra):
    data = {
        "org": world.branch_a.pk,
        "subject": "走访结对社区",
        "date": "2023-10-16",
        "place": "明湖社区",
        "leader": "甲0号",
        "participants": [world.people_a[0].pk, world.people_a[1].pk],
        "participants_text": "社区网格员2名",
        "summary": "",
        "findings-TOTAL_FORMS": "2",
        "findings-INITIAL_FORMS": "0",
        "findings-MIN_NUM_FORMS": "0",
        "findings-MAX_NUM_FORMS": "1000",
        "findings-0-text": "老年人不了解医保办理渠道",
        "findings-0-category": "style",
        "findings-1-text": "",
        "findings-1-category": "",
    }
    data.update(extra)
    return data


def test_a_secretary_records_a_visit_with_findings(world, client):
    client.force_login(world.secretary_a)
    response = client.post(reverse("outreach:visit_create"), _visit_post(world))
    visit = ResearchVisit.objects.get()
    assert response["Location"] == visit.get_absolute_url()
    assert list(visit.findings.values_list("text", "category")) == [("老年人不了解医保办理渠道", "style")]
    assert visit.participants.count() == 2 and visit.campaign == world.campaign
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "老年人不了解医保办理渠道" in page and "社区网格员2名" in page


def test_a_visit_records_how_it_was_made_for_the_visit_ledger(world, client):
    client.force_login(world.secretary_a)
    client.post(reverse("outreach:visit_create"), _visit_post(world, method="forum"))
    visit = ResearchVisit.objects.get()
    assert visit.method == "forum" and "座谈" in client.get(visit.get_absolute_url()).content.decode()


def test_a_visit_form_refuses_a_participant_of_another_branch(world, client):
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("outreach:visit_create"), _visit_post(world, participants=[world.people_b[0].pk])
    )
    assert response.status_code == 200
    assert "参加人员须是所选组织及其下级组织的党员" in response.content.decode()
    assert not ResearchVisit.objects.exists()


def test_a_visit_in_another_branch_is_refused(world, client):
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("outreach:visit_create"), _visit_post(world, org=world.branch_b.pk, participants=[])
    )
    assert response.status_code == 200 and response.context["form"].errors["org"]
    assert not ResearchVisit.objects.exists()


def test_editing_a_visit_keeps_and_adds_findings(world, client, visit):
    first, second = visit.findings.order_by("order")
    client.force_login(world.secretary_a)
    data = _visit_post(
        world,
        **{
            "findings-TOTAL_FORMS": "3",
            "findings-INITIAL_FORMS": "2",
            "findings-0-id": str(first.pk),
            "findings-0-text": first.text,
            "findings-1-id": str(second.pk),
            "findings-1-text": second.text,
            "findings-1-DELETE": "on",
            "findings-2-text": "大厅标识不清",
        },
    )
    assert client.post(reverse("outreach:visit_edit", args=[visit.pk]), data).status_code == 302
    assert list(visit.findings.order_by("order").values_list("text", flat=True)) == [
        first.text,
        "大厅标识不清",
    ]


def test_a_demand_marked_resolved_without_a_date_names_the_field(world, client):
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("outreach:demand_create"),
        {
            "org": world.branch_a.pk,
            "raised_on": "2023-10-10",
            "channel": "phone",
            "content": "停车难",
            "resolved": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["resolved_on"] == ["已解决的诉求须填写解决日期"]
    assert not Demand.objects.exists()
    response = client.post(
        reverse("outreach:demand_create"),
        {
            "org": world.branch_a.pk,
            "raised_on": "2023-10-10",
            "channel": "phone",
            "content": "停车难",
            "resolved_on": "2023-10-12",
        },
    )
    assert response.context["form"].errors["resolved_on"] == ["尚未解决的诉求不能填写解决日期"]


def test_a_demands_contact_is_masked_and_shown_in_full_only_on_request(world, client, demand):
    client.force_login(world.secretary_a)
    page = client.get(demand.get_absolute_url()).content.decode()
    assert "138****1234" in page and "13800001234" not in page
    edit = client.get(reverse("outreach:demand_edit", args=[demand.pk])).content.decode()
    assert "13800001234" not in edit and "138****1234" in edit
    full = client.post(reverse("outreach:demand_contact", args=[demand.pk])).content.decode()
    assert "13800001234" in full
    assert AuditLog.objects.filter(action="view_pi", object_id=str(demand.pk)).exists()


def test_leaving_the_contact_blank_keeps_it(world, client, demand):
    client.force_login(world.secretary_a)
    client.post(
        reverse("outreach:demand_edit", args=[demand.pk]),
        {
            "org": world.branch_a.pk,
            "raised_on": "2023-10-12",
            "channel": "visit",
            "content": "希望增加周末办理时间",
            "raised_by": "张三",
            "contact": "",
        },
    )
    demand.refresh_from_db()
    assert demand.contact == "13800001234"


def test_a_demand_collected_on_a_visit_keeps_the_visit(world, client, visit):
    client.force_login(world.secretary_a)
    url = reverse("outreach:demand_create") + f"?visit={visit.pk}"
    form = client.get(url).context["form"]
    assert form["channel"].value() == "field" and str(form["raised_on"].value()) == "2023-10-10"
    client.post(
        url, {"org": world.branch_a.pk, "raised_on": "2023-10-10", "channel": "field", "content": "路灯不亮"}
    )
    assert Demand.objects.get().visit == visit
    assert "路灯不亮" in client.get(visit.get_absolute_url()).content.decode()


def test_resolve_page_records_the_date(world, client, demand):
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("outreach:demand_resolve", args=[demand.pk]),
        {"resolved_on": "2023-10-20", "response": "已开通周末服务"},
    )
    assert response.status_code == 302
    demand.refresh_from_db()
    assert (
        demand.resolved and demand.resolved_on == date(2023, 10, 20) and demand.response == "已开通周末服务"
    )


def test_complete_page_with_evidence_marks_the_matter_done(world, client, matter):
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("outreach:matter_complete", args=[matter.pk]),
        {
            "done_on": "2023-12-01",
            "outcome": "开通绿色通道，服务老年人300人次",
            "beneficiary_count": "300",
            "files": [png_upload("a.png"), png_upload("b.png")],
        },
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.status, matter.done_on, matter.beneficiary_count) == ("done", date(2023, 12, 1), 300)
    assert Attachment.objects.count() == 2
    page = client.get(matter.get_absolute_url()).content.decode()
    assert "a.png" in page and "开通绿色通道" in page


def test_complete_page_without_a_date_says_so(world, client, matter):
    client.force_login(world.secretary_a)
    response = client.post(reverse("outreach:matter_complete", args=[matter.pk]), {"outcome": "已完成"})
    assert response.status_code == 200 and response.context["form"].errors["done_on"]
    matter.refresh_from_db()
    assert matter.status == "not_started"


def test_a_bad_file_is_refused_with_its_name(world, client, matter):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.secretary_a)
    response = client.post(
        reverse("outreach:matter_progress", args=[matter.pk]),
        {
            "note": "进展",
            "status": "in_progress",
            "files": [SimpleUploadedFile("x.exe", b"MZ\x90\x00binary")],
        },
    )
    assert response.status_code == 200
    assert "x.exe" in response.content.decode()
    matter.refresh_from_db()
    assert matter.status == "not_started"


def test_evidence_downloads_follow_the_matters_scope(world, client, matter):
    services.matter_attach(matter=matter, uploads=[png_upload()])
    url = reverse("core:attachment_download", args=[Attachment.objects.get().pk])
    client.force_login(world.member_a)
    assert client.get(url).status_code == 200
    client.force_login(world.secretary_b)
    assert client.get(url).status_code == 404


def test_deleting_a_topic_with_visits_is_refused(world, client, topic):
    from taizhang.outreach.tests.conftest import make_visit

    make_visit(world, topic=topic)
    client.force_login(world.secretary_a)
    client.post(reverse("outreach:topic_delete", args=[topic.pk]))
    assert ResearchTopic.objects.filter(pk=topic.pk).exists()


def test_matter_create_defaults_to_the_current_campaign(world, client):
    client.force_login(world.secretary_a)
    form = client.get(reverse("outreach:matter_create")).context["form"]
    assert form["campaign"].value() == world.campaign.pk
    client.post(
        reverse("outreach:matter_create"),
        {
            "campaign": world.campaign.pk,
            "title": "便民服务箱",
            "org": world.group_a.pk,
            "due_date": "2023-12-01",
        },
    )
    assert PracticalMatter.objects.get().org == world.group_a


def test_the_ledger_columns_of_a_matter_and_a_demand_are_entered_in_their_forms_and_shown(
    world, client, demand
):
    # 办实事台账: 牵头领导, 责任部门, 工作措施, 群众评价; 群众诉求台账: 群众评价 (issue 20).
    client.force_login(world.secretary_a)
    client.post(
        reverse("outreach:matter_create"),
        {
            "campaign": world.campaign.pk,
            "title": "便民服务箱",
            "org": world.group_a.pk,
            "due_date": "2023-12-01",
            "lead_leader": "分管副局长",
            "responsible_dept": "政务服务科",
            "measures": "一是设点；二是每周收取",
            "evaluation": "satisfied",
        },
    )
    matter = PracticalMatter.objects.get(title="便民服务箱")
    assert (matter.lead_leader, matter.responsible_dept, matter.measures, matter.evaluation) == (
        "分管副局长",
        "政务服务科",
        "一是设点；二是每周收取",
        "satisfied",
    )
    page = client.get(matter.get_absolute_url()).content.decode()
    assert (
        "分管副局长" in page and "政务服务科" in page and "一是设点；二是每周收取" in page and "满意" in page
    )
    client.post(
        reverse("outreach:demand_edit", args=[demand.pk]),
        {
            "org": world.branch_a.pk,
            "raised_on": "2023-10-12",
            "channel": "visit",
            "content": "希望增加周末办理时间",
            "raised_by": "张三",
            "evaluation": "fairly",
        },
    )
    demand.refresh_from_db()
    assert (
        demand.evaluation == "fairly" and "基本满意" in client.get(demand.get_absolute_url()).content.decode()
    )
    bad = client.post(
        reverse("outreach:demand_edit", args=[demand.pk]),
        {
            "org": world.branch_a.pk,
            "raised_on": "2023-10-12",
            "channel": "visit",
            "content": "x",
            "evaluation": "好",
        },
    )
    assert "群众评价" in bad.content.decode() or "选择一个有效的选项" in bad.content.decode()
    demand.refresh_from_db()
    assert demand.evaluation == "fairly"
