"""A table rebuilt by a migration on SQLite gets its planner statistics back (core.apps)."""

from __future__ import annotations

import pytest
from django.db import connection

from taizhang.core.apps import sqlite_statistics_after_migrate

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner statistics"),
]


def _stats(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0]


def test_statistics_lost_by_a_rebuilt_table_are_recounted_after_migrate(world):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        assert _stats("org_organization") > 0
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'org_organization'")  # as a rebuild leaves it
    sqlite_statistics_after_migrate(None, using="default", plan=[("a migration", False)])
    assert _stats("org_organization") > 0


def test_nothing_is_analyzed_when_no_migration_ran_or_statistics_never_existed(world):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'org_organization'")
    sqlite_statistics_after_migrate(None, using="default", plan=[])  # nothing migrated
    assert _stats("org_organization") == 0
