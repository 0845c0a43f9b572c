"""The import in two steps: check the whole workbook with no writes, then write it in one go.

    checked = check_workbook(data, file_name=..., user=..., progress=...)   # reads, validates; no writes
    if not checked.errors:
        with transaction.atomic():
            write_checked(checked, progress=...)                          # bulk inserts, in sheet order

Splitting them keeps the write transaction short (SQLite holds its single write lock for that long)
and lets a dry run be exactly the first step. services.import_execute puts the two together with the
ImportRun bookkeeping and the audit log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from taizhang.imports.context import ImportContext
from taizhang.imports.errors import Errors
from taizhang.imports.reader import WorkbookRefused, open_workbook
from taizhang.imports.sheets import HANDLER_BY_KEY, SheetHandler

CHECK_SHARE = 0.5  # of the progress bar: reading and checking; the rest is writing


class Progress:
    """Counts work done and reports it, at most every `interval` seconds and at every sheet, to
    `callback(percent, label)`. The callback of a background job may raise (core.jobs.JobCancelled) to stop
    the import there: between rows, or between sheets."""

    def __init__(self, callback: Callable[[int, str], None] | None = None, interval: float = 0.3) -> None:
        self.callback = callback
        self.interval = interval
        self.label = ""
        self.base = 0.0
        self.share = 1.0
        self.total = 1
        self.done = 0
        self._last = 0.0

    def stage(self, label: str, *, base: float, share: float, total: int) -> None:
        self.label, self.base, self.share, self.total, self.done = label, base, share, max(total, 1), 0
        self.report(force=True)

    def advance(self, count: int = 1) -> None:
        self.done += count
        self.report()

    @property
    def percent(self) -> int:
        return min(99, int(100 * (self.base + self.share * min(self.done / self.total, 1.0))))

    def report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.callback is not None and (force or now - self._last >= self.interval):
            self._last = now
            self.callback(self.percent, self.label)


@dataclass
class Checked:
    errors: Errors
    handlers: list[SheetHandler] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    ctx: ImportContext | None = None

    @property
    def counts(self) -> dict[str, Any]:
        counts: dict[str, Any] = {h.spec.name: h.counts() for h in self.handlers}
        if self.ignored:
            counts["_ignored"] = self.ignored
        return counts


def check_workbook(
    data: bytes,
    *,
    file_name: str,
    user: Any,
    progress: Progress | None = None,
    run_id: int | None = None,
    command_line: bool = False,
) -> Checked:
    """Read and validate every sheet. Nothing is written; every error is collected.

    `command_line`: the import comes from `taizhang import` (the server operator), which may bring
    problems in already signed off (已销号); from the web only a leader over the unit may."""
    progress = progress or Progress()
    errors = Errors()
    try:
        book = open_workbook(data, name=file_name, errors=errors)
    except WorkbookRefused as exc:
        errors.add(str(exc))
        return Checked(errors=errors)
    ctx = ImportContext.load(user=user)
    ctx.errors = errors
    ctx.run_id, ctx.command_line = run_id, command_line
    checked = Checked(errors=errors, ignored=book.ignored, ctx=ctx)
    total = sum(s.estimated_rows for s in book.sheets)
    progress.stage("读取和校验", base=0.0, share=CHECK_SHARE, total=total)
    try:
        for sheet in book.sheets:
            progress.label = f"读取和校验：{sheet.spec.name}"
            progress.report(force=True)  # at every sheet: the label changes, and a cancel request is seen
            handler = HANDLER_BY_KEY[sheet.spec.key](ctx)
            handler.check(sheet, progress.advance)
            checked.handlers.append(handler)
    except WorkbookRefused as exc:  # a sheet's XML failed while streaming (reader.SheetData.rows)
        errors.add(str(exc))
    finally:
        book.close()
    return checked


def write_checked(checked: Checked, *, progress: Progress | None = None) -> None:
    """Write a clean check's records in sheet order. Call inside transaction.atomic()."""
    assert not checked.errors, "write_checked needs a workbook without errors"
    progress = progress or Progress()
    total = sum(h.work for h in checked.handlers)
    progress.stage("写入", base=CHECK_SHARE, share=1 - CHECK_SHARE, total=total)
    for handler in checked.handlers:
        progress.label = f"写入：{handler.spec.name}"
        progress.report(force=True)
        handler.write(progress.advance)
