"""Reads shared by all apps."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from taizhang.core.models import Attachment, Event


def events_for(subject: models.Model, *, limit: int | None = None) -> list[Event]:
    """The history of one record, newest first, with actors and attachments in two queries."""
    qs = (
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(type(subject)), object_id=subject.pk
        )
        .select_related("actor")
        .prefetch_related("attachments")
        .order_by("-at", "-id")
    )
    return list(qs[:limit] if limit else qs)


def attachments_for(owner: models.Model) -> list[Attachment]:
    return list(
        Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(type(owner)), object_id=owner.pk
        )
        .select_related("uploaded_by")
        .order_by("uploaded_at", "id")
    )
