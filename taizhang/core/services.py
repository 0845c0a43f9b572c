"""Writes shared by all apps: events (动态) and attachments (佐证材料)."""

from __future__ import annotations

import errno
import hashlib
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from taizhang.core.filetx import storage_failed, track_new_file
from taizhang.core.models import Attachment, Event
from taizhang.core.uploads import check_upload


def event_record(
    subject: models.Model,
    *,
    actor: Any,
    kind: str,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict | None = None,
) -> Event:
    return Event.objects.create(
        content_type=ContentType.objects.get_for_model(type(subject)),
        object_id=subject.pk,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
    )


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the values that differ, ready for Event.data."""
    return {key: [before.get(key), after[key]] for key in after if before.get(key) != after[key]}


def attachment_create(
    owner: models.Model,
    upload: UploadedFile,
    *,
    actor: Any,
    kind: str = "",
    event: Event | None = None,
) -> Attachment:
    """Check the upload by content, then store it under a generated name. Raises ValidationError."""
    checked = check_upload(upload)
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(type(owner)),
        object_id=owner.pk,
        event=event,
        original_name=checked.name,
        mime_type=checked.mime_type,
        size=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
        kind=kind,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # The file is written first: a full disk fails here, before any row exists, and leaves no partial
    # file behind. If the row or the surrounding transaction fails later, the file goes with it
    # (core.filetx: deleted when the request ends without the transaction having committed).
    _store_file(attachment, checked.content, f"upload.{checked.extension}", display_name=checked.name)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    track_new_file(attachment.file.storage, attachment.file.name)
    return attachment


def _store_file(attachment: Attachment, content: bytes, filename: str, *, display_name: str) -> None:
    """Write the file under a generated name; on a storage error remove what was written and raise a
    ValidationError the user can read (naming the file) instead of a server error."""
    field = attachment.file.field
    storage = attachment.file.storage
    name = storage.get_available_name(
        field.generate_filename(attachment, filename), max_length=field.max_length
    )
    try:
        attachment.file = storage.save(name, ContentFile(content), max_length=field.max_length)
    except OSError as exc:
        try:
            if storage.exists(name):
                storage.delete(name)  # the part written before the disk filled up
        except OSError:
            pass
        storage_failed(name=display_name, error=exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ValidationError(
                f"服务器存储空间已满，文件“{display_name}”未能保存，本次提交未生效；请联系管理员清理空间后重试"
            ) from exc
        raise ValidationError(
            f"服务器无法保存文件“{display_name}”，本次提交未生效；请稍后重试或联系管理员"
        ) from exc


def attachments_delete_for(owner: models.Model) -> int:
    """Delete every attachment of `owner`, rows now and files once the transaction commits."""
    ct = ContentType.objects.get_for_model(type(owner))
    items = list(Attachment.objects.filter(content_type=ct, object_id=owner.pk))
    for item in items:
        attachment_delete(item)
    return len(items)


def attachment_delete(attachment: Attachment) -> None:
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
