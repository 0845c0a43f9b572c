"""The draft filler's services: check an upload, match its blanks, fill it, keep the confirmed mapping.

Pure steps (usable without a database row, as the `taizhang fill` command does):

    draft_file_check(upload)                  → CheckedDraft (content-checked, size-limited)
    draft_rows(draft)                         → one row per blank: the matcher's decision
    rows_apply_mapping(rows, mapping)         → the rows with a saved template's confirmed keys
    rows_with_values(rows, values)            → + label, value as printed, flags
    draft_render(draft, rows, values)         → the filled file's bytes

Writes (each one transaction, audited): fill_draft_create, fill_draft_choose, fill_template_save,
fill_template_delete, fill_template_reopen; exports (audited "export"): fill_draft_export,
fill_draft_checklist, fill_template_export.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from taizhang.core.audit import audit
from taizhang.core.uploads import check_upload, safe_name
from taizhang.reports import metrics
from taizhang.reports.fill.documents import (
    CONTENT_TYPES,
    DRAFT_DOC_REFUSED,
    DRAFT_KIND_REFUSED,
    DRAFT_TOO_MANY_BLANKS,  # noqa: F401  (the cap's message, for callers of the services)
    Draft,
    Fill,
    decode_text,
    kind_of,
    read_draft,
)
from taizhang.reports.fill.matcher import match_placeholders
from taizhang.reports.models import FillDraft, FillTemplate

DRAFT_MAX_BYTES = 10 * 1024 * 1024
KEEP_DRAFTS_DAYS = 7
REVIEW_PAGE_SIZE = 50  # blanks per page of the review table (each row carries the whole metric menu)

DRAFT_TOO_LARGE = "文件“{name}”超过大小限制（{mb} MB）"
DRAFT_NO_PLACEHOLDERS = "文件“{name}”中没有找到待填写的空格（X、XX、×、＿＿、（  ）等）"
ORG_OUTSIDE_CAMPAIGN = "所选单位“{org}”不在“{campaign}”的组织范围内"
TEMPLATE_NAME_REQUIRED = "请填写模板名称"
UNKNOWN_METRIC = "第 {n} 个空格选择的指标不存在"


@dataclass
class CheckedDraft:
    data: bytes
    name: str
    kind: str


@dataclass
class Export:
    content: bytes
    filename: str
    content_type: str


# --- pure steps ------------------------------------------------------------------------------------


def draft_file_check(upload: Any) -> CheckedDraft:
    """Read an uploaded draft, refusing what is not a .docx/.txt/.md draft (by content, not only name)."""
    name = safe_name(upload.name or "文稿")
    if name.lower().endswith(".doc"):
        raise ValidationError(DRAFT_DOC_REFUSED.format(name=name))
    kind = kind_of(name)
    if kind is None:
        raise ValidationError(DRAFT_KIND_REFUSED.format(name=name))
    if kind == "docx":
        # Content sniffing and the zip-bomb checks of every upload (core.uploads).
        checked = check_upload(upload, max_bytes=DRAFT_MAX_BYTES)
        if checked.extension != "docx":
            raise ValidationError(DRAFT_KIND_REFUSED.format(name=name))
        return CheckedDraft(checked.content, name, kind)
    too_large = DRAFT_TOO_LARGE.format(name=name, mb=DRAFT_MAX_BYTES // 1024 // 1024)
    if upload.size is not None and upload.size > DRAFT_MAX_BYTES:
        raise ValidationError(too_large)
    data = upload.read(DRAFT_MAX_BYTES + 1)
    if len(data) > DRAFT_MAX_BYTES:
        raise ValidationError(too_large)
    if data.startswith((b"PK\x03\x04", b"%PDF-", b"\xd0\xcf\x11\xe0")):
        raise ValidationError(DRAFT_KIND_REFUSED.format(name=name))
    decode_text(data, name=name)
    return CheckedDraft(data, name, kind)


def format_value(value: Any) -> tuple[str, bool]:
    """A figure as reports print it, and whether it needs a look: 12; 66.7; "—" when there is none."""
    if value is None:
        return "—", True
    if isinstance(value, float):
        return f"{value:.1f}", False
    return str(value), False


def draft_rows(draft: Draft) -> list[dict]:
    """The matcher's decision for every blank, as stored on a FillDraft (JSON)."""
    rows = []
    for match in match_placeholders(draft.text, draft.placeholders):
        row = match.as_dict()
        row["auto_key"] = match.key
        row["confirmed"] = False
        rows.append(row)
    return rows


def rows_apply_mapping(rows: list[dict], mapping: list[dict]) -> list[dict]:
    """A template's confirmed keys over fresh matches: the same blank (index and text) gets the saved key."""
    by_index = {entry.get("index"): entry for entry in mapping}
    out = []
    for row in rows:
        entry = by_index.get(row["index"])
        row = dict(row)
        if entry is not None and entry.get("placeholder") == row["placeholder"]:
            key = entry.get("key")
            row["key"] = key if key in metrics.CATALOG else None
            row["confirmed"] = True
        out.append(row)
    return out


def rows_with_values(rows: list[dict], values: dict) -> list[dict]:
    """Each row with what a person reads: the metric's label and unit, the value as printed, flags."""
    out = []
    for row in rows:
        row = dict(row)
        key = row.get("key")
        metric = metrics.CATALOG.get(key) if key else None
        row["label"] = metric.label if metric else ""
        row["metric_unit"] = metric.unit if metric else ""
        if metric is not None:
            row["shown"], row["missing_value"] = format_value(values.get(key))
        else:
            row["shown"], row["missing_value"] = "", False
        row["matched"] = metric is not None
        row["corrected"] = row.get("confirmed", False) and key != row.get("auto_key")
        out.append(row)
    return out


def draft_render(draft: Draft, rows: list[dict], values: dict) -> bytes:
    fills = []
    for row in rows_with_values(rows, values):
        fills.append(Fill(row["shown"], row["missing_value"]) if row["matched"] else Fill(None))
    return draft.render(fills)


def _filled_name(name: str) -> str:
    path = PurePosixPath(name)
    return f"{path.stem}（已填写）{path.suffix}"


def _stored_name(name: str) -> str:
    return f"{uuid.uuid4().hex}{PurePosixPath(name).suffix.lower()[:10]}"


def _read_stored(field: Any, name: str) -> Draft:
    with field.open("rb") as handle:
        data = handle.read()
    return read_draft(data, name=name)


def _counts(rows: list[dict]) -> dict:
    matched = sum(1 for r in rows if r.get("key"))
    return {"placeholders": len(rows), "matched": matched, "unmatched": len(rows) - matched}


def values_for(campaign: Any, org: Any, *, as_of: date | None = None) -> dict:
    return metrics.compute(campaign, org, as_of=as_of)


def check_org_in_campaign(campaign: Any, org: Any) -> None:
    if not org.is_under(campaign.org):
        raise ValidationError(ORG_OUTSIDE_CAMPAIGN.format(org=org.name, campaign=campaign.name))


# --- drafts ----------------------------------------------------------------------------------------


def _delete_file_on_commit(field: Any) -> None:
    if field and field.name:
        storage, name = field.storage, field.name
        transaction.on_commit(lambda: storage.delete(name))


def fill_drafts_purge(*, actor: Any, keep_days: int = KEEP_DRAFTS_DAYS) -> int:
    """Drop the actor's drafts older than `keep_days` (a saved template keeps its own copy of the file)."""
    old = FillDraft.objects.filter(
        created_by=actor, created_at__lt=timezone.now() - timedelta(days=keep_days)
    )
    count = 0
    for draft in old:
        _delete_file_on_commit(draft.file)
        draft.delete()
        count += 1
    return count


@transaction.atomic
def fill_draft_create(
    *,
    checked: CheckedDraft,
    campaign: Any,
    org: Any,
    actor: Any,
    template: FillTemplate | None = None,
    link: bool = True,
) -> FillDraft:
    """Keep the uploaded draft and the matcher's decisions, for its owner to review. With `template`, its
    confirmed choices replace the matcher's; `link` makes saving the draft update that template."""
    check_org_in_campaign(campaign, org)
    draft = read_draft(checked.data, name=checked.name)
    if not draft.placeholders:
        raise ValidationError(DRAFT_NO_PLACEHOLDERS.format(name=checked.name))
    rows = draft_rows(draft)
    if template is not None:
        rows = rows_apply_mapping(rows, template.mapping)
    fill_drafts_purge(actor=actor)
    row = FillDraft(
        org=org,
        campaign=campaign,
        source_name=checked.name,
        rows=rows,
        debris_removed=draft.debris_removed,
        template=template if link else None,
        created_by=actor,
    )
    row.file.save(_stored_name(checked.name), ContentFile(checked.data), save=False)
    row.full_clean()
    row.save()
    audit("create", obj=row, detail={"draft": checked.name, **_counts(rows)}, user=actor)
    return row


@transaction.atomic
def fill_draft_choose(*, draft: FillDraft, choices: dict[int, str | None], actor: Any) -> FillDraft:
    """Record the owner's choice for the given blanks (a metric key, or None to leave it unfilled)."""
    rows = [dict(r) for r in draft.rows]
    for index, key in choices.items():
        if key is not None and key not in metrics.CATALOG:
            raise ValidationError(UNKNOWN_METRIC.format(n=index + 1))
        if 0 <= index < len(rows):
            rows[index]["key"] = key
            rows[index]["confirmed"] = True
    draft.rows = rows
    draft.confirmed_at = timezone.now()
    draft.save(update_fields=["rows", "confirmed_at", "updated_at"])
    return draft


def fill_draft_export(*, draft: FillDraft, actor: Any, as_of: date | None = None) -> Export:
    """The filled document, in the draft's own format."""
    document = _read_stored(draft.file, draft.source_name)
    values = values_for(draft.campaign, draft.org, as_of=as_of)
    content = draft_render(document, draft.rows, values)
    audit(
        "export",
        obj=draft,
        detail={
            "what": "fill",
            "campaign": draft.campaign.code,
            "org": draft.org.code,
            **_counts(draft.rows),
        },
        user=actor,
    )
    return Export(content, _filled_name(draft.source_name), CONTENT_TYPES[document.kind])


CHECKLIST_HEADERS = ["序号", "空格", "上下文", "指标", "指标键", "数值", "置信度", "依据", "状态"]


def checklist_rows(rows: list[dict]) -> list[list[Any]]:
    out = []
    for row in rows:
        if not row["matched"]:
            status = "未匹配"
        elif row["missing_value"]:
            status = "无数据"
        elif row["corrected"]:
            status = "已更正"
        elif row.get("confirmed"):
            status = "已确认"
        else:
            status = "自动匹配"
        out.append(
            [
                row["index"] + 1,
                row["placeholder"],
                row["context"],
                row["label"] or "（未匹配）",
                row.get("key") or "",
                row["shown"],
                row["confidence_label"] if row.get("key") == row.get("auto_key") else "人工选择",
                row["reason"],
                status,
            ]
        )
    return out


def fill_draft_checklist(*, draft: FillDraft, actor: Any) -> Export:
    """The table of every blank (context, metric, value, confidence, why) as a workbook."""
    import xlsxwriter

    from taizhang.lib.xlsx import xlsxwriter_write_row

    rows = rows_with_values(draft.rows, values_for(draft.campaign, draft.org))
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("核对清单")
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    xlsxwriter_write_row(sheet, 0, CHECKLIST_HEADERS, bold)
    for i, values in enumerate(checklist_rows(rows), start=1):
        xlsxwriter_write_row(sheet, i, values, wrap)
    for col, width in enumerate([6, 6, 50, 22, 26, 8, 10, 40, 10]):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    book.close()
    audit("export", obj=draft, detail={"what": "fill_checklist", **_counts(draft.rows)}, user=actor)
    stem = PurePosixPath(draft.source_name).stem
    return Export(
        out.getvalue(),
        f"{stem}（核对清单）.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- templates -------------------------------------------------------------------------------------


def template_mapping(rows: list[dict]) -> list[dict]:
    return [
        {"index": r["index"], "placeholder": r["placeholder"], "context": r["context"], "key": r.get("key")}
        for r in rows
    ]


@transaction.atomic
def fill_template_save(*, draft: FillDraft, name: str, actor: Any) -> FillTemplate:
    """Keep the draft and its confirmed mapping for next time (updating the template it came from)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(TEMPLATE_NAME_REQUIRED)
    with draft.file.open("rb") as handle:
        data = handle.read()
    template = draft.template
    created = template is None
    if created:
        template = FillTemplate(org=draft.org, created_by=actor)
    else:
        _delete_file_on_commit(template.file)
    template.name = name[:200]
    template.source_name = draft.source_name
    template.mapping = template_mapping(draft.rows)
    template.file.save(_stored_name(draft.source_name), ContentFile(data), save=False)
    template.full_clean()
    template.save()
    draft.template = template
    draft.save(update_fields=["template", "updated_at"])
    audit(
        "create" if created else "update", obj=template, detail={"mapping": _counts(draft.rows)}, user=actor
    )
    return template


def template_rows(template: FillTemplate) -> tuple[Draft, list[dict]]:
    document = _read_stored(template.file, template.source_name)
    return document, rows_apply_mapping(draft_rows(document), template.mapping)


def fill_template_export(
    *, template: FillTemplate, campaign: Any, org: Any, actor: Any, as_of: date | None = None
) -> tuple[Export, list[dict]]:
    """Fill a saved template for a campaign and unit, without asking: the saved mapping decides."""
    check_org_in_campaign(campaign, org)
    document, rows = template_rows(template)
    values = values_for(campaign, org, as_of=as_of)
    content = draft_render(document, rows, values)
    audit(
        "export",
        obj=template,
        detail={"what": "fill", "campaign": campaign.code, "org": org.code, **_counts(rows)},
        user=actor,
    )
    return Export(
        content, _filled_name(template.source_name), CONTENT_TYPES[document.kind]
    ), rows_with_values(rows, values)


def fill_template_reopen(
    *, template: FillTemplate, campaign: Any, org: Any, actor: Any, link: bool = True
) -> FillDraft:
    """A new draft from the template, its saved choices in place, to review and save again (saving updates
    the template when `link`; a unit below the template's own saves its own copy instead)."""
    with template.file.open("rb") as handle:
        data = handle.read()
    checked = CheckedDraft(data, template.source_name, kind_of(template.source_name) or "txt")
    return fill_draft_create(
        checked=checked, campaign=campaign, org=org, actor=actor, template=template, link=link
    )


@transaction.atomic
def fill_template_delete(*, template: FillTemplate, actor: Any) -> None:
    audit("delete", obj=template, detail={"name": template.name}, user=actor)
    FillDraft.objects.filter(template=template).update(template=None)
    _delete_file_on_commit(template.file)
    template.delete()
