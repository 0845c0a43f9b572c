"""Switching a test to another task backend than the immediate one of the test settings."""

from __future__ import annotations

from typing import Any

from config.settings.base import tasks_settings


def use_tasks_backend(settings: Any, backend: str, *, queue: str | None = None) -> None:
    """settings: pytest-django's fixture (restored after the test). backend: "database", "rq", "dummy"."""
    if queue is not None:
        settings.TAIZHANG_TASKS_QUEUE = queue
    settings.TAIZHANG_TASKS_BACKEND = backend
    settings.TASKS = tasks_settings(backend, settings.TAIZHANG_TASKS_QUEUE)
