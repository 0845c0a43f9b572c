"""Stored files are handed out only while their bytes match the SHA-256 taken when they were written
(等保 8.1.4.7, DJB-DI-01): uploaded attachments (core.views.attachment_download) and ledgers generated in
the background (reports.views.ledger_export_download) share this check and the refusal page."""

from __future__ import annotations

import hashlib
from typing import Any, BinaryIO

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from taizhang.core.audit import audit

CHUNK = 1 << 20


def stream_sha256(stream: BinaryIO) -> str:
    """Hex SHA-256 of everything left in a binary stream, read in 1 MB chunks (never the whole file)."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def file_intact(file: Any, sha256: str) -> bool:
    """Whether a stored file (a FieldFile) still has the digest recorded for it. A row without a digest
    (written before digests were kept) passes; a file gone from storage raises FileNotFoundError."""
    if not sha256:
        return True
    with file.open("rb") as stream:
        return stream_sha256(stream) == sha256


def integrity_refused(request: HttpRequest, *, obj: Any, detail: dict, message: str) -> HttpResponse:
    """The 409 page for a file that no longer matches its digest, the refusal written to the audit log."""
    audit("download", obj=obj, success=False, detail={**detail, "integrity": False})
    return render(
        request,
        "core/error.html",
        {"status": 409, "title": "文件校验失败", "message": message},
        status=409,
    )
