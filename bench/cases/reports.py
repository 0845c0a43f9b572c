"""Bench cases of the reports app (timed by the bench runner on the city-size demo, `taizhang demo --size city`).

Each case is a pair: the product's code path and a "floor" doing the same work the most direct way (raw SQL
aggregates, the bare writer), so a slow result can be read as "our overhead" or "the database / the format".
Targets (DESIGN.md, issue 7), on SQLite, city dataset:

    all_metrics      every catalog figure of the campaign                         < 1 s
    branch_metrics   every catalog figure of one branch's subtree                 < 100 ms
    report           the summary report .docx with its snapshot of row ids        < 3 s
    measures_ledger  the problem ledger (one row per measure, ~40,000 rows)      < 10 s

Functions take no arguments (they find the demo campaign by its code) and return something small, so the
runner can call them repeatedly. Speed targets live here, never in unit tests.
"""

from __future__ import annotations

import tempfile
from io import BytesIO
from typing import Any

CAMPAIGN = "zt2023b2"

TARGETS = {"all_metrics": 1.0, "branch_metrics": 0.1, "report": 3.0, "measures_ledger": 10.0}


def _campaign() -> Any:
    from taizhang.campaigns.models import Campaign

    return Campaign.objects.select_related("org").get(code=CAMPAIGN)


def _branch(campaign: Any) -> Any:
    """The branch with the most study activities (the heaviest single branch)."""
    from django.db.models import Count

    from taizhang.org.models import Organization

    return (
        Organization.objects.filter(kind="branch", path__startswith=campaign.org.path)
        .annotate(n=Count("activities"))
        .order_by("-n", "path")
        .first()
    )


# --- all metrics of the campaign (< 1 s) -------------------------------------------------------------


def all_metrics() -> dict:
    """Target < 1 s: metrics.compute for the whole campaign (one aggregate query per model)."""
    from taizhang.reports import metrics

    campaign = _campaign()
    return metrics.compute(campaign, as_of=metrics.default_as_of(campaign))


def _raw_counts(campaign_id: int, path: str | None) -> list:
    """The heaviest part of the catalog as hand-written SQL: activities with their stored attendance and
    speech counts (what the catalog reads since the counts are kept on each activity), problems, measures."""
    from django.db import connection

    scope = "" if path is None else " AND o.path LIKE %s"
    params: list = [campaign_id] + ([path + "%"] if path else [])
    queries = [
        f"SELECT COUNT(*), SUM(a.n_attendance), SUM(a.n_expected), SUM(a.n_present), SUM(a.n_invited),"
        f" SUM(a.n_speakers) FROM study_studyactivity a JOIN org_organization o ON o.id = a.org_id"
        f" WHERE a.campaign_id = %s{scope}",
        f"SELECT COUNT(*), SUM(CASE WHEN p.status = 'closed' THEN 1 ELSE 0 END) FROM rectification_problem p"
        f" JOIN org_organization o ON o.id = p.org_id WHERE p.campaign_id = %s{scope}",
        f"SELECT COUNT(*) FROM rectification_measure m JOIN rectification_problem p ON p.id = m.problem_id"
        f" JOIN org_organization o ON o.id = p.org_id WHERE p.campaign_id = %s{scope}",
    ]
    results = []
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql, params)
            results.append(cursor.fetchone())
    return results


def all_metrics_floor() -> list:
    campaign = _campaign()
    return _raw_counts(campaign.pk, None)


# --- one branch's metrics (< 100 ms) -----------------------------------------------------------------


def branch_metrics() -> dict:
    """Target < 100 ms: metrics.compute for the busiest branch's subtree."""
    from taizhang.reports import metrics

    campaign = _campaign()
    return metrics.compute(campaign, _branch(campaign), as_of=metrics.default_as_of(campaign))


def branch_metrics_floor() -> list:
    campaign = _campaign()
    return _raw_counts(campaign.pk, _branch(campaign).path)


# --- the summary report (< 3 s) ----------------------------------------------------------------------


def report() -> int:
    """Target < 3 s: the .docx of the whole campaign plus the id sets of every figure, encoded as stored in
    a snapshot (without writing the Report row, so repeated runs leave the database as it was). The
    signature check (reports.fit: one to four LibreOffice renders of the body, a few seconds each) is left
    out: it times LibreOffice, not this code."""
    from django.test import override_settings

    from taizhang.reports import idsets
    from taizhang.reports.summary import report_build

    with override_settings(TAIZHANG_REPORT_FIT_SIGNATURE=False):
        built = report_build(campaign=_campaign(), with_charts=False, with_appendix=True)
    frozen = sum(len(idsets.encode(ids)) for ids in built.ids.values())
    return len(built.docx) + frozen


def report_floor() -> int:
    """The bare work: the attendance ids fetched by raw SQL and a python-docx document of as many paragraphs."""
    from django.db import connection
    from docx import Document

    campaign = _campaign()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id FROM study_attendance t JOIN study_studyactivity a ON a.id = t.activity_id"
            " WHERE a.campaign_id = %s",
            [campaign.pk],
        )
        ids = [row[0] for row in cursor.fetchall()]
    document = Document()
    for i in range(120):
        document.add_paragraph(f"段落{i}")
    buffer = BytesIO()
    document.save(buffer)
    return len(ids) + len(buffer.getvalue())


# --- the largest ledger (< 10 s for 40,000 measures) --------------------------------------------------


def measures_ledger() -> int:
    """Target < 10 s for ~40,000 measure rows: the problem ledger of the whole campaign."""
    from taizhang.reports.ledgers import ledger_write

    with tempfile.TemporaryFile() as out:
        return ledger_write("problems", campaign=_campaign(), out=out)


def measures_ledger_floor() -> int:
    """The bare writer: the same rows by raw SQL into xlsxwriter (constant memory), no formatting."""
    import xlsxwriter
    from django.db import connection

    campaign = _campaign()
    with tempfile.TemporaryFile() as out:
        workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
        sheet = workbook.add_worksheet()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.code, p.description, p.status, m.content, m.status, m.deadline"
                " FROM rectification_measure m JOIN rectification_problem p ON p.id = m.problem_id"
                ' WHERE p.campaign_id = %s ORDER BY p.code, p.id, m."order", m.id',
                [campaign.pk],
            )
            n = 0
            for n, row in enumerate(cursor, start=1):
                for col, value in enumerate(row):
                    sheet.write_string(n, col, "" if value is None else str(value))
        workbook.close()
        return n


CASES = [
    {"name": "reports.all_metrics", "target_seconds": 1.0, "run": all_metrics, "floor": all_metrics_floor},
    {
        "name": "reports.branch_metrics",
        "target_seconds": 0.1,
        "run": branch_metrics,
        "floor": branch_metrics_floor,
    },
    {"name": "reports.report", "target_seconds": 3.0, "run": report, "floor": report_floor},
    {
        "name": "reports.measures_ledger",
        "target_seconds": 10.0,
        "run": measures_ledger,
        "floor": measures_ledger_floor,
    },
]
