"""Uploaded files follow the database transaction that records them.

A file is written before its Attachment row (a full disk then fails before any row exists). If the
transaction recording the row rolls back afterwards — a validation error further on, the database going
away mid-request — the row is gone but the file would stay behind as an orphan. Every file written
inside a transaction during a request is therefore remembered; `transaction.on_commit` marks it kept,
and when the request is over and its transaction has ended, FilesFollowTransactionMiddleware deletes
the files whose transaction never committed (a rolled-back savepoint drops its on_commit callbacks too).

A file the storage could not write at all (a full disk) is logged at once and audited as a failed
upload when the request is over, outside the transaction that rolled back.

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
_failures: contextvars.ContextVar[list[dict] | None] = contextvars.ContextVar(
    "taizhang_storage_failures", default=None
)


def storage_failed(*, name: str, error: OSError) -> None:
    """Record a file the storage could not write (full disk…): logged now, audited once the request's
    transaction is over — an audit row written inside it would roll back with the rest."""
    logger.error("upload could not be stored (%s): %s", errno_name(error), name)
    failures = _failures.get()
    if failures is not None:
        failures.append({"operation": "upload", "name": name[:200], "error": errno_name(error)})


def errno_name(error: OSError) -> str:
    import errno

    return errno.errorcode.get(error.errno or 0, "OSError")


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


def _audit_failures(failures: list[dict]) -> None:
    from django.db import DatabaseError

    from taizhang.core.audit import audit

    for detail in failures:
        try:
            audit("other", success=False, detail=detail)
        except DatabaseError:
            logger.exception("could not audit the failed upload %s", detail["name"])


class FilesFollowTransactionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        written: list[_Written] = []
        failures: list[dict] = []
        token = _written.set(written)
        failures_token = _failures.set(failures)
        try:
            return self.get_response(request)
        finally:
            _written.reset(token)
            _failures.reset(failures_token)
            if failures:
                _audit_failures(failures)
            # Still inside a transaction (ATOMIC_REQUESTS off here, so only a test's wrapping
            # transaction): its outcome is unknown yet, keep everything.
            if written and not connection.in_atomic_block:
                delete_uncommitted(written)
