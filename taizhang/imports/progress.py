"""Live progress of a background import, as a small JSON file per run under MEDIA_ROOT/imports/progress/.

Why a file and not the ImportRun row: while the import's single transaction is open, SQLite lets no
other connection write, and on PostgreSQL the row's own update would stay invisible until commit.
A file is visible at once to every worker process on the machine. (Deployments that spread one
site over several machines share MEDIA_ROOT, as they must for attachments anyway.)
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.conf import settings


def _path(run_pk: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{int(run_pk)}.json"


def write(run_pk: int, percent: int, label: str) -> None:
    path = _path(run_pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"percent": percent, "label": label, "at": time.time()}), encoding="utf-8")
    os.replace(tmp, path)  # readers never see half a file


def read(run_pk: int) -> dict | None:
    try:
        return json.loads(_path(run_pk).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def age(run_pk: int) -> float | None:
    """Seconds since the last report, or None when there is no report."""
    try:
        return time.time() - _path(run_pk).stat().st_mtime
    except OSError:
        return None


def clear(run_pk: int) -> None:
    try:
        _path(run_pk).unlink()
    except OSError:
        pass
