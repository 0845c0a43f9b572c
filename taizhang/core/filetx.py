"""Uploaded files follow the database transaction that records them.

A file is written before its Attachment row (a full disk then fails before any row exists). If the
transaction recording the row rolls back afterwards — a validation error further on, the database going
away mid-request — the row is gone but the file would stay behind as an orphan. Every file written
inside a transaction during a request is therefore remembered; `transaction.on_commit` marks it kept,
and when the request is over and its transaction has ended, FilesFollowTransactionMiddleware deletes
the files whose transaction never committed (a rolled-back savepoint drops its on_commit callbacks too).

Outside a request (commands, the demo) nothing is tracked: those run their own transactions.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.storage import Storage
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


@dataclass
class _Written:
    storage: Storage
    name: str
    committed: bool = False

    def keep(self) -> None:
        self.committed = True


_written: contextvars.ContextVar[list[_Written] | None] = contextvars.ContextVar(
    "taizhang_written_files", default=None
)


def track_new_file(storage: Storage, name: str) -> None:
    """Call right after writing a file whose row is being saved in the current transaction."""
    written = _written.get()
    if written is None or not connection.in_atomic_block:
        return
    entry = _Written(storage, name)
    written.append(entry)
    transaction.on_commit(entry.keep)


def delete_uncommitted(written: list[_Written]) -> int:
    removed = 0
    for entry in written:
        if entry.committed:
            continue
        try:
            entry.storage.delete(entry.name)
            removed += 1
        except OSError:  # the sweeper can try again later; never turn a response into an error here
            logger.warning("could not remove the orphan upload %s", entry.name)
    return removed


class FilesFollowTransactionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        written: list[_Written] = []
        token = _written.set(written)
        try:
            return self.get_response(request)
        finally:
            _written.reset(token)
            # Still inside a transaction (ATOMIC_REQUESTS off here, so only a test's wrapping
            # transaction): its outcome is unknown yet, keep everything.
            if written and not connection.in_atomic_block:
                delete_uncommitted(written)
