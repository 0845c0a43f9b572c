"""Writes of the reports app: generating a report snapshot, saving a unit's report template, exports."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from taizhang.core.audit import audit
from taizhang.lib.dates import today as local_today
from taizhang.reports import idsets
from taizhang.reports.models import Report, ReportTemplate
from taizhang.reports.summary import BuiltReport, report_build

TEMPLATE_EMPTY = "报告模板不能为空"


def snapshot_figures(built: BuiltReport) -> dict:
    """{key: {"value": v, "count": n, "ids": <idsets text> or None}} — what the report said and the rows
    behind it (ids None: more rows than TAIZHANG_REPORT_FREEZE_IDS_LIMIT, only their count is frozen)."""
    return {
        key: {
            "value": value,
            "count": built.counts.get(key, len(built.ids.get(key, []))),
            "ids": idsets.encode(built.ids[key], presorted=True) if key in built.ids else None,
        }
        for key, value in built.figures.items()
    }


@transaction.atomic
def report_generate(
    *, campaign: Any, org: Any = None, actor: Any = None, as_of: date | None = None, text: str | None = None
) -> Report:
    """Write the summary report and store it with its figures frozen (values and row ids)."""
    scope = org or campaign.org
    built = report_build(campaign=campaign, org=org, as_of=as_of, text=text)
    day = local_today()
    report = Report(
        campaign=campaign,
        org=scope,
        title=built.title[:200],
        figures=snapshot_figures(built),
        as_of=built.as_of,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    report.file.save(f"{campaign.code}-{scope.code}-{day:%Y%m%d}.docx", ContentFile(built.docx), save=False)
    report.save()
    audit(
        "create",
        obj=report,
        user=actor,
        detail={"campaign": campaign.code, "org": scope.code, "as_of": built.as_of.isoformat()},
    )
    return report


@transaction.atomic
def report_template_save(*, org: Any, text: str, actor: Any = None) -> ReportTemplate:
    """Save a unit's own report wording after checking it renders (ValidationError naming the line)."""
    from taizhang.reports.report_text import ReportTextError, render_text
    from taizhang.reports.summary import report_data

    if not (text or "").strip():
        raise ValidationError({"text": TEMPLATE_EMPTY})
    campaign = _any_campaign_for(org)
    try:
        if campaign is not None:
            from taizhang.reports import metrics

            figures = dict.fromkeys(metrics.CATALOG, 0)
            render_text(text, report_data(campaign, org, local_today()), figures, check=True)
        else:
            render_text(text, {}, {}, check=False)
    except ReportTextError as exc:
        raise ValidationError({"text": str(exc)}) from None
    template, created = ReportTemplate.objects.update_or_create(org=org, defaults={"text": text})
    if created:
        template.created_by = actor if getattr(actor, "is_authenticated", False) else None
        template.save(update_fields=["created_by"])
    audit("update", obj=template, user=actor, detail={"org": org.code, "chars": len(text)})
    return template


@transaction.atomic
def report_template_reset(*, org: Any, actor: Any = None) -> None:
    deleted, _ = ReportTemplate.objects.filter(org=org).delete()
    if deleted:
        audit("delete", object_type="reports.ReportTemplate", object_repr=f"{org} 报告模板", user=actor)


def _any_campaign_for(org: Any) -> Any:
    from taizhang.campaigns.models import Campaign

    ancestors = org.ancestor_ids() or [org.pk]
    return (
        Campaign.objects.filter(org_id__in=ancestors).order_by("-start_date").first()
        or Campaign.objects.filter(org__path__startswith=org.path).order_by("-start_date").first()
    )


def export_audit(*, kind: str, campaign: Any, org: Any, actor: Any = None, rows: int | None = None) -> None:
    """Exports are audited (等保): who took which ledger of which unit."""
    audit(
        "export",
        obj=org,
        user=actor,
        detail={"ledger": kind, "campaign": campaign.code, "org": org.code, "rows": rows},
    )
