"""taizhang exports_purge: old finished exports go with their files; pending and recent ones stay."""

from __future__ import annotations

import os
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from taizhang.reports import services
from taizhang.reports.models import LedgerExport

pytestmark = pytest.mark.django_db


def _export(world, kind: str, *, org=None, age_days: int = 0, run: bool = True) -> LedgerExport:  # noqa: ANN001
    export, _ = services.ledger_export_request(kind=kind, campaign=world.campaign, org=org, user=world.admin)
    if run:
        export = services.ledger_export_run(export.pk)
    if age_days:
        past = timezone.now() - timedelta(days=age_days)
        LedgerExport.objects.filter(pk=export.pk).update(requested_at=past, finished_at=past)
        export.refresh_from_db()
    return export


def _age(name: str, days: int) -> None:
    stamp = (timezone.now() - timedelta(days=days)).timestamp()
    os.utime(default_storage.path(name), (stamp, stamp))


def test_old_exports_and_their_files_are_deleted_recent_and_pending_ones_stay(ledger):
    world = ledger.world
    old = _export(world, "study", age_days=8)
    old_failed = _export(world, "problems", age_days=9, run=False)
    LedgerExport.objects.filter(pk=old_failed.pk).update(status="failed", error=services.EXPORT_FAILED)
    recent = _export(world, "matters", age_days=6)
    pending = _export(world, "institutions", run=False)
    orphan = default_storage.save("exports/orphan.xlsx", ContentFile(b"PK"))
    young_orphan = default_storage.save("exports/young-orphan.xlsx", ContentFile(b"PK"))
    _age(orphan, 8)

    out = StringIO()
    call_command("exports_purge", "--days", "7", stdout=out)

    assert out.getvalue().strip() == "已删除 2 个 7 天前完成的台账导出，文件 2 个"
    assert set(LedgerExport.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
    assert not default_storage.exists(old.file.name) and not default_storage.exists(orphan)
    assert default_storage.exists(recent.file.name) and default_storage.exists(young_orphan)
    default_storage.delete(young_orphan)


def test_the_default_keeps_a_week_and_less_than_a_day_is_refused(ledger):
    world = ledger.world
    kept = _export(world, "study", age_days=6)
    call_command("exports_purge", stdout=StringIO())
    assert LedgerExport.objects.filter(pk=kept.pk).exists()
    with pytest.raises(CommandError, match="至少为 1 天"):
        call_command("exports_purge", "--days", "0", stdout=StringIO())
