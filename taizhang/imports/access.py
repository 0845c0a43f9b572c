"""Getting one import run for a user: the run, or 404 when it is outside the units they manage."""

from __future__ import annotations

from typing import Any

from taizhang.core.access import Cap, get_object_in_scope
from taizhang.imports.models import ImportRun


def get_run_for_user(user: Any, pk: int) -> ImportRun:
    return get_object_in_scope(user, ImportRun.objects.select_related("user"), view=Cap.MANAGE, pk=pk)
