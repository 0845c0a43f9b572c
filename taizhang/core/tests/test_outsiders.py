"""Every object URL tried by outsiders (ASVS 8.2.2 IDOR, 等保 8.1.4.2 DJB-AC-05).

REGISTRY names every URL pattern that takes an argument and says how to build it from real records of
branch A (a fixture with one record of every kind). Two outsiders try each URL — the secretary of
branch B and a login without any role — with GET and, where the view takes POST only, with POST: the
answer must be 403 or 404, never a page, a redirect, or a crash. A URL added to the project without an
entry here fails test_the_registry_covers_every_url_with_arguments, so the suite cannot silently skip it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver, reverse

from taizhang.core.tests.factories import make_campaign, make_member, make_user

pytestmark = pytest.mark.django_db


def _png(name: str = "照片.png") -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@dataclass
class BranchA:
    """One record of every kind, all belonging to branch A (or to a campaign run by branch A)."""

    objs: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.objs[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def branch_a(world) -> BranchA:  # noqa: ANN001
    from django.contrib.contenttypes.models import ContentType

    from taizhang.accounts.models import RoleAssignment
    from taizhang.campaigns.models import CampaignRole
    from taizhang.core.services import attachment_create
    from taizhang.imports.models import ImportRun
    from taizhang.outreach import services as outreach
    from taizhang.outreach.models import ResearchTopic
    from taizhang.plans.models import CampaignTemplate, PlanTask, PlanTaskLink, StudyPlan, StudyPlanItem
    from taizhang.rectification import services as rect
    from taizhang.rectification.models import Institution
    from taizhang.reports.models import FillDraft, FillTemplate, Report
    from taizhang.study.defaults import ensure_default_activity_types
    from taizhang.study.models import ActivityType, Material, SelfStudy, StudyActivity

    ensure_default_activity_types()
    a = world.branch_a
    member = make_member(org=a, name="甲成员", id_number="", phone="13800001111")
    campaign = make_campaign(org=a, code="wa2023", name="甲支部学习教育")
    activity = StudyActivity.objects.create(
        org=a,
        campaign=campaign,
        type=ActivityType.objects.filter(campaign=None).first(),
        topic="集中学习",
        date=date(2023, 10, 10),
    )
    attachment = attachment_create(activity, _png(), actor=world.secretary_a)
    visit = outreach.visit_save(
        visit=None,
        data={
            "org": a,
            "subject": "走访窗口",
            "date": date(2023, 10, 10),
            "place": "大厅",
            "leader": "甲0号",
        },
        participants=world.people_a[:2],
        findings=[{"text": "排队时间长", "category": ""}],
    )
    demand = outreach.demand_save(
        demand=None,
        data={
            "org": a,
            "raised_by": "张三",
            "contact": "13800001234",
            "channel": "visit",
            "content": "增加周末办理时间",
            "raised_on": date(2023, 10, 12),
            "resolved": False,
            "resolved_on": None,
        },
    )
    matter = outreach.matter_create(
        data={
            "campaign": campaign,
            "org": a,
            "title": "增设绿色通道",
            "beneficiaries": "老年人",
            "owner": "甲0号",
            "due_date": date(2023, 12, 31),
        }
    )
    problem = rect.problem_create(
        campaign=campaign,
        org=a,
        actor=world.secretary_a,
        category="style",
        source="meeting",
        description="调查研究不够深入",
        deadline=date(2099, 12, 31),
    )
    measure = rect.measure_create(problem=problem, content="措施一", owner="张三", actor=world.secretary_a)
    evidence = attachment_create(measure, _png("佐证.png"), actor=world.secretary_a, kind="evidence")
    task = PlanTask.objects.create(
        campaign=campaign,
        org=a,
        title="召开支部集中学习",
        planned_start=date(2023, 10, 9),
        planned_end=date(2023, 10, 9),
    )
    link = PlanTaskLink.objects.create(
        task=task, content_type=ContentType.objects.get_for_model(StudyActivity), object_id=activity.pk
    )
    plan = StudyPlan.objects.create(campaign=campaign, org=a, level="group", title="学习计划")
    root = make_user(username="t_root", is_superuser=True)  # the insider of the existence check
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    failed_name = default_storage.save("imports/failed.xlsx", ContentFile(b"PK\x03\x04"))
    from taizhang.reports import services as report_services

    export, _ = report_services.ledger_export_request(
        kind="problems", campaign=campaign, user=world.secretary_a
    )
    objs = {
        "root": root,
        "org": a,
        "member": member,
        "account": world.secretary_a,
        "role": RoleAssignment.objects.get(user=world.secretary_a, org=a),
        "campaign": campaign,
        "seat": CampaignRole.objects.create(campaign=campaign, member=member, role="group_member"),
        "activity": activity,
        "attachment": attachment,
        "selfstudy": SelfStudy.objects.create(
            campaign=campaign, member=member, org=a, date=date(2023, 10, 11), material="原著", minutes=30
        ),
        "material": Material.objects.create(campaign=campaign, title="必读书目"),
        "type": ActivityType.objects.create(campaign=campaign, code="own", name="本支部特色学习"),
        "topic": ResearchTopic.objects.create(campaign=campaign, org=a, title="窗口服务"),
        "visit": visit,
        "finding": visit.findings.first(),
        "demand": demand,
        "matter": matter,
        "task": task,
        "link": link,
        "plan": plan,
        "item": StudyPlanItem.objects.create(plan=plan, topic="学原著", planned_date=date(2023, 10, 20)),
        "template": CampaignTemplate.objects.create(name="甲支部模板", org=a, data={}),
        "problem": problem,
        "measure": measure,
        "evidence": evidence,
        "institution": Institution.objects.create(campaign=campaign, org=a, name="学习制度", kind="new"),
        "report": Report.objects.create(
            campaign=campaign,
            org=a,
            title="总结",
            file="reports/x.docx",
            figures={"problems.total": {"value": 1}},
        ),
        "fill_template": FillTemplate.objects.create(
            org=a, name="模板", source_name="稿.docx", file="fill/t.docx"
        ),
        "fill_draft": FillDraft.objects.create(
            org=a, campaign=campaign, source_name="稿.docx", file="fill/d.docx", created_by=root
        ),
        "import_run": ImportRun.objects.create(
            user=world.admin,
            org=a,
            file_name="台账.xlsx",
            sha256="0" * 64,
            status="failed",
            failed_name=failed_name,
        ),
        "ledger_export": report_services.ledger_export_run(export.pk),
    }
    return BranchA(objs)


def pk(name: str):  # noqa: ANN201
    return lambda a: {"pk": getattr(a, name).pk}


# url name → how to build its arguments from branch A's records (and optional query parameters).
REGISTRY: dict[str, Any] = {
    "accounts:account_create": lambda a: {"member_pk": a.member.pk},
    "accounts:otp_reset": pk("account"),
    "accounts:password_reset": pk("account"),
    "accounts:role_grant": pk("account"),
    "accounts:role_revoke": pk("role"),
    "accounts:user_detail": pk("account"),
    "accounts:user_set_active": pk("account"),
    "campaigns:detail": pk("campaign"),
    "campaigns:edit": pk("campaign"),
    "campaigns:seat_add": pk("campaign"),
    "campaigns:seat_remove": pk("seat"),
    "core:attachment_download": pk("attachment"),
    # Not an object id but a picker kind: the tampered parameter is the unit searched in.
    "core:pick": lambda a: ({"kind": "member"}, {"org": a.org.pk, "q": "甲"}),
    "imports:cancel": pk("import_run"),
    "imports:confirm": pk("import_run"),
    "imports:failed": pk("import_run"),
    "imports:progress": pk("import_run"),
    "imports:run": pk("import_run"),
    "org:delete": pk("org"),
    "org:detail": pk("org"),
    "org:edit": pk("org"),
    "org:member_detail": pk("member"),
    "org:member_edit": pk("member"),
    "org:member_reveal": pk("member"),
    "org:member_set_active": pk("member"),
    "outreach:demand_contact": pk("demand"),
    "outreach:demand_delete": pk("demand"),
    "outreach:demand_detail": pk("demand"),
    "outreach:demand_edit": pk("demand"),
    "outreach:demand_reopen": pk("demand"),
    "outreach:demand_resolve": pk("demand"),
    "outreach:demand_respond": pk("demand"),
    "outreach:demand_to_matter": pk("demand"),
    "outreach:finding_to_matter": pk("finding"),
    "outreach:finding_to_problem": pk("finding"),
    "outreach:matter_attach": pk("matter"),
    "outreach:matter_complete": pk("matter"),
    "outreach:matter_delete": pk("matter"),
    "outreach:matter_detail": pk("matter"),
    "outreach:matter_edit": pk("matter"),
    "outreach:matter_progress": pk("matter"),
    "outreach:matter_reopen": pk("matter"),
    "outreach:topic_delete": pk("topic"),
    "outreach:topic_detail": pk("topic"),
    "outreach:topic_edit": pk("topic"),
    "outreach:visit_delete": pk("visit"),
    "outreach:visit_detail": pk("visit"),
    "outreach:visit_edit": pk("visit"),
    "plans:item_add": pk("plan"),
    "plans:item_delete": pk("item"),
    "plans:item_edit": pk("item"),
    "plans:item_match": pk("item"),
    "plans:studyplan_delete": pk("plan"),
    "plans:studyplan_detail": pk("plan"),
    "plans:studyplan_edit": pk("plan"),
    "plans:studyplan_match": pk("plan"),
    "plans:task_close": pk("task"),
    "plans:task_delete": pk("task"),
    "plans:task_detail": pk("task"),
    "plans:task_edit": pk("task"),
    "plans:task_link": pk("task"),
    "plans:task_link_candidates": pk("task"),
    "plans:task_note": pk("task"),
    "plans:task_reopen": pk("task"),
    "plans:task_start": pk("task"),
    "plans:task_unlink": lambda a: {"pk": a.task.pk, "link_pk": a.link.pk},
    "plans:template_delete": pk("template"),
    "plans:template_detail": pk("template"),
    "rectification:evidence_delete": pk("evidence"),
    "rectification:institution_delete": pk("institution"),
    "rectification:institution_detail": pk("institution"),
    "rectification:institution_edit": pk("institution"),
    "rectification:measure_complete": pk("measure"),
    "rectification:measure_create": pk("problem"),
    "rectification:measure_delete": pk("measure"),
    "rectification:measure_edit": pk("measure"),
    "rectification:measure_evidence": pk("measure"),
    "rectification:measure_undo": pk("measure"),
    "rectification:problem_delete": pk("problem"),
    "rectification:problem_detail": pk("problem"),
    "rectification:problem_edit": pk("problem"),
    "rectification:problem_note": pk("problem"),
    "rectification:problem_reopen": pk("problem"),
    "rectification:problem_return": pk("problem"),
    "rectification:problem_sign_off": pk("problem"),
    "rectification:problem_start": pk("problem"),
    "rectification:problem_submit": pk("problem"),
    "reports:fill_checklist": pk("fill_draft"),
    "reports:fill_choose": pk("fill_draft"),
    "reports:fill_download": pk("fill_draft"),
    "reports:fill_review": pk("fill_draft"),
    "reports:fill_template_delete": pk("fill_template"),
    "reports:fill_template_detail": pk("fill_template"),
    "reports:fill_template_download": pk("fill_template"),
    "reports:fill_template_review": pk("fill_template"),
    "reports:fill_template_save": pk("fill_draft"),
    # Not an object id but a ledger kind: the tampered parameter is the campaign of branch A.
    "reports:ledger_download": lambda a: ({"kind": "problems"}, {"campaign": a.campaign.pk}),
    "reports:ledger_export_download": pk("ledger_export"),
    # A ledger kind again; the campaign of branch A is what an outsider would tamper with.
    "reports:ledger_export_request": lambda a: ({"kind": "problems"}, {"campaign": a.campaign.pk}),
    "reports:report_detail": pk("report"),
    "reports:report_download": pk("report"),
    "reports:report_drift": lambda a: {"pk": a.report.pk, "key": "problems.total"},
    "study:activity_attachment_delete": pk("attachment"),
    "study:activity_attachments_add": pk("activity"),
    "study:activity_delete": pk("activity"),
    "study:activity_detail": pk("activity"),
    "study:activity_edit": pk("activity"),
    "study:catalog": pk("campaign"),
    "study:material_add": pk("campaign"),
    "study:material_delete": pk("material"),
    "study:material_toggle": pk("material"),
    "study:selfstudy_delete": pk("selfstudy"),
    "study:selfstudy_edit": pk("selfstudy"),
    "study:type_add": pk("campaign"),
    "study:type_delete": pk("type"),
}


def urls_with_arguments() -> set[str]:
    names = set()
    for ns, (_prefix, sub) in get_resolver().namespace_dict.items():
        for name, entries in sub.reverse_dict.lists():
            if isinstance(name, str) and any(
                params for possibility, *_ in entries for _f, params in possibility
            ):
                names.add(f"{ns}:{name}")
    return names


def _build(name: str, a: BranchA) -> tuple[str, dict]:
    built = REGISTRY[name](a)
    kwargs, query = built if isinstance(built, tuple) else (built, {})
    return reverse(name, kwargs=kwargs), query


def test_the_registry_covers_every_url_with_arguments():
    missing = sorted(urls_with_arguments() - set(REGISTRY))
    assert not missing, f"object URLs without an outsider test: add them to REGISTRY: {missing}"
    stale = sorted(set(REGISTRY) - urls_with_arguments())
    assert not stale, f"REGISTRY names URLs that no longer exist: {stale}"


def _outsider_status(client: Client, url: str, query: dict) -> int:
    response = client.get(url, query)
    if response.status_code == 405:  # a POST-only action: try it the way a form would
        response = client.post(url, query)
    return response.status_code


@pytest.mark.parametrize("who", ["secretary_b", "nobody"])
def test_ASVS_8_2_2_every_object_url_refuses_an_outsider(world, branch_a, who):
    client = Client(raise_request_exception=False)
    client.force_login(getattr(world, who))
    failures = []
    for name in sorted(REGISTRY):
        url, query = _build(name, branch_a)
        status = _outsider_status(client, url, query)
        if status not in (403, 404):
            failures.append(f"{name} {url} → {status}")
    assert not failures, "\n".join(failures)


def test_ASVS_8_2_2_the_registry_builds_urls_to_records_that_exist(world, branch_a):
    """The refusals above mean something only if the URLs point at real records: an insider (the
    committee administrator) must not get 404 on any of the pages."""
    client = Client(raise_request_exception=False)
    client.force_login(branch_a.root)
    not_found = []
    for name in sorted(REGISTRY):
        url, query = _build(name, branch_a)
        response = client.get(url, query)
        if response.status_code == 404:
            not_found.append(f"{name} {url}")
    assert not not_found, "\n".join(not_found)


def test_ASVS_8_2_2_media_files_are_not_reachable_by_url(world, branch_a):
    from django.conf import settings

    name = branch_a.attachment.file.name
    client = Client()
    client.force_login(world.admin)
    for prefix in (settings.MEDIA_URL, "/media/", "/"):
        assert client.get(f"{prefix}{name}").status_code == 404
    # The one way to the file: the permission-checked view, as an attachment that cannot run as a page.
    response = client.get(reverse("core:attachment_download", args=[branch_a.attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_ASVS_8_2_2_exports_with_a_tampered_unit_are_refused(world, branch_a, ladder):
    url = f"{reverse('imports:export')}?sheet=党员&org={world.branch_a.pk}"
    ladder(url, outsider=world.secretary_b, allowed=world.secretary_a)


def test_DJB_DI_01_a_file_changed_on_disk_is_not_served(world, branch_a):
    from taizhang.core.models import AuditLog

    attachment = branch_a.attachment
    path = attachment.file.path
    with open(path, "r+b") as stream:
        stream.seek(-1, 2)
        last = stream.read(1)
        stream.seek(-1, 2)
        stream.write(bytes([last[0] ^ 0xFF]))
    client = Client()
    client.force_login(world.secretary_a)
    response = client.get(reverse("core:attachment_download", args=[attachment.pk]))
    assert response.status_code == 409
    assert "校验失败" in response.content.decode()
    assert AuditLog.objects.filter(action="download", success=False, object_id=str(attachment.pk)).exists()


# --- Issue 16 F1/F2: a lower administrator against the accounts and units above or beside him ---------
#
# The outsiders above hold no role in branch A. These attempts come from inside: branch A's own
# administrator, whose branch holds the member records of the committee's leader and administrator (as
# in the demo), acting on those accounts, on an account that also holds a role in branch B, and on the
# units above and beside his branch (moving his branch to the top, making it a committee, putting it
# under branch B, editing or deleting the committee or branch B). Every attempt must be refused — 403 or
# 404, or the form shown again with the refusal on it — and nothing may change.


@dataclass
class Higher:
    world: Any
    branch_admin: Any
    leader: Any  # the committee's leader, a member of branch A
    admin: Any  # the committee's administrator, a member of branch A
    dual: Any  # secretary of branch A and of branch B


@pytest.fixture
def higher(world) -> Higher:  # noqa: ANN001
    from taizhang.accounts.models import RoleAssignment

    for user, name in ((world.leader, "王建国"), (world.admin, "李文静")):
        user.member = make_member(org=world.branch_a, name=name)
        user.save(update_fields=["member"])
        RoleAssignment.objects.create(user=user, org=world.branch_a, role="member")
    dual = make_user(
        username="t_dual",
        member=make_member(org=world.branch_a, name="甲乙兼职"),
        roles=(("secretary", world.branch_a), ("secretary", world.branch_b)),
    )
    branch_admin = make_user(
        username="t_branch_admin",
        member=make_member(org=world.branch_a, name="甲管理员"),
        roles=(("admin", world.branch_a),),
    )
    return Higher(world=world, branch_admin=branch_admin, leader=world.leader, admin=world.admin, dual=dual)


def _org_form(org: Any, **changes: Any) -> dict:
    data = {
        "parent": org.parent_id or "",
        "kind": org.kind,
        "code": org.code,
        "name": org.name,
        "short_name": org.short_name,
        "sort_order": org.sort_order,
        "is_active": "on",
    }
    data.update(changes)
    return data


def _roles_in_branch_a(h: Higher) -> list:
    from taizhang.accounts.models import RoleAssignment

    return list(
        RoleAssignment.objects.filter(user__in=[h.leader, h.admin, h.dual], org=h.world.branch_a).order_by(
            "pk"
        )
    )


def _accounts(h: Higher) -> list:
    return [h.leader, h.admin, h.dual]


# url name → the attempts: (url kwargs, POST data or None for a GET).
HIGHER_REGISTRY: dict[str, Any] = {
    "accounts:user_detail": lambda h: [({"pk": u.pk}, None) for u in _accounts(h)],
    "accounts:password_reset": lambda h: [({"pk": u.pk}, {}) for u in _accounts(h)],
    "accounts:otp_reset": lambda h: [({"pk": u.pk}, {}) for u in _accounts(h)],
    "accounts:user_set_active": lambda h: [({"pk": u.pk}, {"active": "0"}) for u in _accounts(h)],
    "accounts:role_grant": lambda h: [
        ({"pk": u.pk}, {"org": h.world.branch_a.pk, "role": "admin"}) for u in _accounts(h)
    ],
    "accounts:role_revoke": lambda h: [({"pk": r.pk}, {}) for r in _roles_in_branch_a(h)],
    # A member beside him: branch B's roster.
    "accounts:account_create": lambda h: [({"member_pk": h.world.people_b[1].pk}, {"username": "t_new_b"})],
    "org:member_set_active": lambda h: [
        ({"pk": u.member.pk}, {"active": "0"}) for u in (h.leader, h.admin, h.dual)
    ],
    "org:member_edit": lambda h: [
        ({"pk": h.world.people_b[1].pk}, {"org": h.world.branch_a.pk, "name": "乙1号", "gender": "male"})
    ],
    "org:edit": lambda h: [
        ({"pk": h.world.branch_a.pk}, _org_form(h.world.branch_a, parent="", kind="committee")),
        ({"pk": h.world.branch_a.pk}, _org_form(h.world.branch_a, kind="committee")),
        ({"pk": h.world.branch_a.pk}, _org_form(h.world.branch_a, parent=h.world.branch_b.pk)),
        ({"pk": h.world.group_a.pk}, _org_form(h.world.group_a, parent=h.world.branch_b.pk)),
        ({"pk": h.world.committee.pk}, _org_form(h.world.committee, name="改名")),
        ({"pk": h.world.branch_b.pk}, _org_form(h.world.branch_b, parent=h.world.branch_a.pk)),
    ],
    "org:delete": lambda h: [({"pk": h.world.committee.pk}, {}), ({"pk": h.world.branch_b.pk}, {})],
    "org:create": lambda h: [
        ({}, {"parent": "", "kind": "committee", "code": "TOP", "name": "新党委", "sort_order": 0}),
        (
            {},
            {
                "parent": h.world.branch_b.pk,
                "kind": "group",
                "code": "WB-9",
                "name": "乙小组",
                "sort_order": 0,
            },
        ),
    ],
}

# Every URL that changes an account or a unit's place must be tried here (the F1/F2 shapes).
ACCOUNT_AND_UNIT_URLS = {name for name in urls_with_arguments() if name.startswith("accounts:")} | {
    "org:edit",
    "org:delete",
    "org:create",
    "org:member_set_active",
}


def _higher_state(h: Higher) -> tuple:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from taizhang.accounts.models import RoleAssignment, User
    from taizhang.org.models import Member, Organization

    return (
        sorted(User.objects.values_list("pk", "password", "is_active", "must_change_password")),
        sorted(RoleAssignment.objects.values_list("user_id", "org_id", "role")),
        TOTPDevice.objects.count(),
        sorted(Organization.objects.values_list("pk", "parent_id", "path", "kind", "name")),
        sorted(Member.objects.values_list("pk", "org_id", "is_active")),
    )


def test_the_higher_registry_covers_every_account_and_unit_url():
    missing = sorted(ACCOUNT_AND_UNIT_URLS - set(HIGHER_REGISTRY))
    assert not missing, f"account or unit URLs without a lower-administrator test: {missing}"


@pytest.mark.parametrize("settings_name", ["dev", "prod"])
def test_F1_F2_a_lower_admin_is_refused_on_every_account_and_unit_above_or_beside_him(
    world, higher, settings_name, request
):
    from taizhang.core.models import AuditLog

    if settings_name == "prod":
        from taizhang.core.tests.prod import enrol, sign_in

        request.getfixturevalue("prod_settings")
        for user in (higher.branch_admin, higher.leader, higher.admin):
            enrol(user)
        client = sign_in(higher.branch_admin)
    else:
        client = Client(raise_request_exception=False)
        client.force_login(higher.branch_admin)
    before = _higher_state(higher)
    failures = []
    denials = 0
    for name in sorted(HIGHER_REGISTRY):
        for kwargs, data in HIGHER_REGISTRY[name](higher):
            url = reverse(name, kwargs=kwargs)
            response = client.get(url) if data is None else client.post(url, data)
            denials += response.status_code in (403, 404)
            refused = response.status_code in (403, 404) or (
                response.status_code == 200 and data is not None and "is-invalid" in response.content.decode()
            )
            if not refused:
                failures.append(f"{name} {url} {data} → {response.status_code}")
    assert not failures, "\n".join(failures)
    assert _higher_state(higher) == before
    # Every 403/404 is in the audit log (a form refusing a unit it does not offer shows its message only).
    assert AuditLog.objects.filter(action="denied", user=higher.branch_admin).count() >= denials > 0
    # He still has no audit log to read.
    assert client.get(reverse("core:audit_list")).status_code == 403
