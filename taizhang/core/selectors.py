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


def audit_search(filters: dict) -> models.QuerySet:
    """Audit rows matching the filter form's cleaned data, newest first; one query per page, no joins."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from taizhang.core.models import AuditLog

    qs = AuditLog.objects.all()
    if filters.get("user"):
        qs = qs.filter(username__icontains=filters["user"].strip())
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("success") in ("0", "1"):
        qs = qs.filter(success=filters["success"] == "1")
    tz = timezone.get_current_timezone()
    if filters.get("date_from"):
        qs = qs.filter(at__gte=datetime.combine(filters["date_from"], time.min, tzinfo=tz))
    if filters.get("date_to"):
        qs = qs.filter(at__lt=datetime.combine(filters["date_to"] + timedelta(days=1), time.min, tzinfo=tz))
    if filters.get("object_type"):
        qs = qs.filter(object_type__icontains=filters["object_type"].strip())
    if filters.get("ip"):
        qs = qs.filter(ip=filters["ip"].strip()) if _is_ip(filters["ip"].strip()) else qs.none()
    return qs.order_by("-at", "-id")


def _is_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
