"""The demo as an app: the top layer nothing imports, and a database loaded before it existed."""

from __future__ import annotations

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

import taizhang
from taizhang.demo.models import DemoPart

PACKAGE = Path(taizhang.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_app_imports_the_demo():
    """Only tests may load the demo (to build data for what they test); app code never reaches up to it."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "demo" or "tests" in relative.parts:
            continue
        if any(m == "taizhang.demo" or m.startswith("taizhang.demo.") for m in _imported_modules(path)):
            offenders.append(str(relative))
    assert offenders == []


@pytest.mark.django_db(transaction=True)
def test_a_demo_loaded_before_the_demo_app_existed_is_not_loaded_twice():
    """The bookkeeping lived in core (core_demopart) before; migrating keeps its rows, so `taizhang demo`
    on such a database still answers that everything is loaded."""
    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0002_audit_append_only")])
    with connection.cursor() as cursor:
        for name in (
            "org",
            "accounts",
            "campaigns",
            "study",
            "plans",
            "outreach",
            "rectification",
            "reports",
        ):
            cursor.execute(
                "INSERT INTO core_demopart (name, size, loaded_at) VALUES (%s, 'bureau', CURRENT_TIMESTAMP)",
                [name],
            )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert DemoPart.objects.count() == 8
    out = StringIO()
    call_command("demo", stdout=out)
    assert "无需重复加载" in out.getvalue()
