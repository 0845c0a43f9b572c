"""Issue 16 F3: a problem comes in closed (已销号) only as a sign-off — by a leader over its unit from the
web, or from the command line (historic ledgers signed off on paper) — and is recorded as one."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from taizhang.core.models import AuditLog, Event
from taizhang.core.tests.factories import make_user
from taizhang.imports import messages as msg
from taizhang.imports.models import ImportRun
from taizhang.imports.tests.conftest import workbook
from taizhang.imports.tests.test_errors import problem
from taizhang.rectification import services as rect
from taizhang.rectification.models import Problem

CLOSED = workbook({"问题清单": [problem(status="已销号", closed_on="2023-12-20", campaign="wc")]})


def _web_import(user, data: bytes) -> ImportRun:
    """Upload (preview), then confirm when the preview passed: what an administrator does in the browser."""
    client = Client()
    client.force_login(user)
    client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("台账.xlsx", data)})
    preview = ImportRun.objects.order_by("-pk").first()
    if preview.status != ImportRun.Status.PREVIEW:
        return preview
    client.post(reverse("imports:confirm", args=[preview.pk]))
    return ImportRun.objects.order_by("-pk").first()


def _refused(run: ImportRun) -> None:
    assert run.status == ImportRun.Status.FAILED
    assert [(e["sheet"], e["row"], e["column"], e["message"]) for e in run.errors] == [
        ("问题清单", 2, "状态", msg.CLOSE_NEEDS_SIGN_OFF.format(org="甲支部"))
    ]


def _sign_off_events(problem_obj: Problem) -> list[Event]:
    ct = ContentType.objects.get_for_model(Problem)
    return list(
        Event.objects.filter(content_type=ct, object_id=problem_obj.pk, kind="status", to_state="closed")
    )


def test_F3_an_administrator_who_may_not_sign_off_cannot_bring_a_new_problem_in_closed(world):
    _refused(_web_import(world.admin, CLOSED))
    assert not Problem.objects.exists()


@pytest.mark.parametrize("state", ["open", "submitted"])
def test_F3_an_open_or_submitted_problem_is_not_closed_by_an_import(world, state):
    existing = rect.problem_create(
        campaign=world.campaign,
        org=world.branch_a,
        code="WT-001",
        category="style",
        source="opinions",
        description="问题",
        actor=world.secretary_a,
    )
    if state == "submitted":
        rect.problem_start(problem=existing, actor=world.secretary_a)
        rect.problem_submit(problem=existing, actor=world.secretary_a, note="已整改")
    _refused(_web_import(world.admin, CLOSED))
    existing.refresh_from_db()
    assert existing.status == state and existing.closed_by is None and existing.closed_on is None
    assert not _sign_off_events(existing)


def test_F3_a_leader_who_imports_signs_off_and_it_is_recorded_as_his_sign_off(world):
    both = make_user(
        username="t_admin_leader", roles=(("admin", world.committee), ("leader", world.committee))
    )
    run = _web_import(both, CLOSED)
    assert run.status == ImportRun.Status.DONE, run.errors
    closed = Problem.objects.get(code="WT-001")
    assert (closed.status, closed.closed_by, closed.closed_on) == ("closed", both, date(2023, 12, 20))
    [event] = _sign_off_events(closed)
    assert event.actor == both and event.from_state == ""
    assert event.data == {"action": "sign_off", "import_run": run.pk, "via": "web"}
    assert f"导入记录 #{run.pk}" in event.note
    entry = AuditLog.objects.get(action="transition", object_id=str(closed.pk))
    assert entry.user == both and entry.detail["import_run"] == run.pk


def test_F3_the_command_line_brings_in_paper_sign_offs_marked_as_such(world, tmp_path):
    path = tmp_path / "历史台账.xlsx"
    path.write_bytes(CLOSED)
    call_command("import", str(path))
    run = ImportRun.objects.get()
    closed = Problem.objects.get(code="WT-001")
    assert closed.status == "closed" and closed.closed_by is None
    [event] = _sign_off_events(closed)
    assert event.actor is None and event.data == {
        "action": "sign_off",
        "import_run": run.pk,
        "via": "command_line",
    }
    assert "命令行导入" in event.note and f"导入记录 #{run.pk}" in event.note


def test_F3_the_command_line_with_a_user_records_that_user_as_the_one_who_signed_off(world, tmp_path):
    existing = rect.problem_create(
        campaign=world.campaign,
        org=world.branch_a,
        code="WT-001",
        category="style",
        source="opinions",
        description="问题",
        actor=world.secretary_a,
    )
    rect.problem_start(problem=existing, actor=world.secretary_a)
    path = tmp_path / "历史台账.xlsx"
    path.write_bytes(CLOSED)
    call_command("import", str(path), "--user", world.admin.username)
    existing.refresh_from_db()
    assert existing.status == "closed" and existing.closed_by == world.admin
    [event] = _sign_off_events(existing)
    assert event.actor == world.admin and event.from_state == "in_progress"
    assert event.data["via"] == "command_line"
    # One status event for the change, not a second "导入更新" one beside the sign-off.
    ct = ContentType.objects.get_for_model(Problem)
    assert Event.objects.filter(content_type=ct, object_id=existing.pk, to_state="closed").count() == 1


def test_F3_re_importing_an_already_closed_problem_unchanged_needs_no_sign_off_right(world, tmp_path):
    path = tmp_path / "历史台账.xlsx"
    path.write_bytes(CLOSED)
    call_command("import", str(path))
    run = _web_import(world.admin, CLOSED)  # an export brought back in: nothing is being closed
    assert run.status == ImportRun.Status.DONE, run.errors
    assert len(_sign_off_events(Problem.objects.get())) == 1
