"""The benchmark suite at city scale (`make bench`): bench/results/city-<sqlite|postgresql>.json.

    .venv/bin/python bench/run.py [--runs 5] [--only NAME ...] [--skip-import] [--skip-load] [--out FILE]
    .venv/bin/python bench/run.py --table      (both result files as the Markdown table of the docs)

The database: TAIZHANG_DATABASE_URL when it names PostgreSQL (the city demo is loaded into it when
missing), else var/bench-city.sqlite3, built once with `taizhang demo --size city` and reused.

Each case is timed several times (median reported, every run kept) next to a floor measured in the same
run: the raw SQL for the same figures (metrics, pages: the page's main query), the bare python-docx /
xlsxwriter write of the same content (report, ledgers). Results are read as ratios to the floor, which
hold on any machine; targets (issue 11) are absolute seconds on this 2-core machine:

    metrics.all           every catalog figure of the campaign                    1 s
    metrics.branch        every figure of the busiest branch's subtree            0.1 s
    report.docx           the summary report (.docx) with its figure snapshot     3 s
    ledger.<kind>.xlsx    each ledger of the whole campaign                       10 s (study: 15 s)
    writer.<lib>.study    the study ledger's cells written by each candidate xlsx writer   (no target)
    page.<url name>       the dashboard, the home page and every list page        0.15 s (+ SQL query count)
    import.attendance     bench/import_bench.py: 100,000 attendance rows          30 s
    load                  bench/loadtest.py through `make bench-load`, when present

Pages are rendered server-side by Django's test Client logged in as city_admin (no network, no browser).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQLITE_PATH = ROOT / "var" / "bench-city.sqlite3"
PAGE_TARGET = 0.15
LEADER_PAGES = {"rectification:review_queue"}

# (url name, the page's main query as raw SQL: the floor). {c}: campaign id, {p}: root path.
PAGES: list[tuple[str, str]] = [
    (
        "core:home",
        "SELECT COUNT(*) FROM study_studyactivity WHERE campaign_id = {c}",
    ),
    (
        "reports:dashboard",
        # The page's headline figures (活动, 参与人次, 出勤率) from the activities' stored counts.
        "SELECT COUNT(*), SUM(n_attendance), SUM(n_present), SUM(n_expected) FROM study_studyactivity"
        " WHERE campaign_id = {c}",
    ),
    (
        "reports:dashboard_charts",
        "SELECT a.date, COUNT(*) FROM study_studyactivity a WHERE a.campaign_id = {c} GROUP BY a.date",
    ),
    (
        "study:activity_list",
        "SELECT a.id, a.date, a.topic, o.name FROM study_studyactivity a JOIN org_organization o ON o.id = a.org_id"
        " WHERE a.campaign_id = {c} ORDER BY a.date DESC, a.id DESC LIMIT 20",
    ),
    (
        "study:selfstudy_list",
        "SELECT s.id, s.date, s.material, m.name FROM study_selfstudy s JOIN org_member m ON m.id = s.member_id"
        " WHERE s.campaign_id = {c} ORDER BY s.date DESC, s.id DESC LIMIT 20",
    ),
    (
        "study:tallies",
        "SELECT a.org_id, COUNT(*) FROM study_studyactivity a WHERE a.campaign_id = {c} GROUP BY a.org_id",
    ),
    (
        "org:tree",
        "SELECT id, name, path FROM org_organization WHERE path LIKE '{p}%' ORDER BY path",
    ),
    (
        "org:member_list",
        "SELECT m.id, m.name, o.name FROM org_member m JOIN org_organization o ON o.id = m.org_id"
        " WHERE o.path LIKE '{p}%' ORDER BY o.path, m.sort_order, m.id LIMIT 20",
    ),
    (
        "rectification:problem_list",
        "SELECT p.id, p.code, p.description, o.name FROM rectification_problem p"
        " JOIN org_organization o ON o.id = p.org_id WHERE p.campaign_id = {c} ORDER BY p.code, p.id LIMIT 20",
    ),
    (
        "rectification:measure_list",
        "SELECT m.id, m.content, p.code FROM rectification_measure m JOIN rectification_problem p"
        " ON p.id = m.problem_id WHERE p.campaign_id = {c} ORDER BY m.deadline, m.id LIMIT 20",
    ),
    (
        "rectification:institution_list",
        "SELECT i.id, i.name FROM rectification_institution i WHERE i.campaign_id = {c}"
        " ORDER BY i.issued_on DESC, i.id DESC LIMIT 20",
    ),
    (
        "rectification:review_queue",
        "SELECT p.id, p.code FROM rectification_problem p WHERE p.campaign_id = {c} AND p.status = 'submitted'"
        " ORDER BY p.id LIMIT 20",
    ),
    (
        "rectification:stats",
        "SELECT p.org_id, COUNT(*), SUM(CASE WHEN p.status = 'closed' THEN 1 ELSE 0 END)"
        " FROM rectification_problem p WHERE p.campaign_id = {c} GROUP BY p.org_id",
    ),
    (
        "outreach:visit_list",
        "SELECT v.id, v.subject FROM outreach_researchvisit v WHERE v.campaign_id = {c}"
        " ORDER BY v.date DESC, v.id DESC LIMIT 20",
    ),
    (
        "outreach:demand_list",
        "SELECT d.id, d.content FROM outreach_demand d WHERE d.campaign_id = {c}"
        " ORDER BY d.raised_on DESC, d.id DESC LIMIT 20",
    ),
    (
        "outreach:matter_list",
        "SELECT m.id, m.title FROM outreach_practicalmatter m WHERE m.campaign_id = {c}"
        " ORDER BY m.status, m.due_date, m.id LIMIT 20",
    ),
    (
        "outreach:topic_list",
        "SELECT t.id, t.title FROM outreach_researchtopic t WHERE t.campaign_id = {c} LIMIT 20",
    ),
    (
        "plans:task_list",
        "SELECT t.id, t.title FROM plans_plantask t WHERE t.campaign_id = {c}"
        " ORDER BY t.planned_start, t.planned_end, t.id LIMIT 20",
    ),
    (
        "plans:lights",
        "SELECT t.org_id, COUNT(*) FROM plans_plantask t WHERE t.campaign_id = {c} AND t.status <> 'done'"
        " GROUP BY t.org_id",
    ),
    (
        "plans:studyplan_list",
        "SELECT s.id, s.title FROM plans_studyplan s WHERE s.campaign_id = {c} LIMIT 20",
    ),
    ("accounts:user_list", "SELECT u.id, u.username FROM accounts_user u ORDER BY u.username LIMIT 20"),
    ("campaigns:list", "SELECT c.id, c.name FROM campaigns_campaign c ORDER BY c.start_date DESC"),
    ("reports:report_list", "SELECT r.id FROM reports_report r WHERE r.campaign_id = {c} LIMIT 20"),
    ("reports:ledger_list", "SELECT COUNT(*) FROM rectification_problem WHERE campaign_id = {c}"),
]


def setup(db_url: str | None) -> str:
    """Point Django at the bench database (built when missing) and return its vendor."""
    if db_url and db_url.startswith(("postgres://", "postgresql://")):
        os.environ["TAIZHANG_DATABASE_URL"] = db_url
    else:
        SQLITE_PATH.parent.mkdir(exist_ok=True)
        os.environ["TAIZHANG_DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    os.environ["TAIZHANG_DEBUG"] = "false"
    os.environ.setdefault("TAIZHANG_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from taizhang.demo.city import city_loaded

    if not city_loaded():
        print("building the city dataset (taizhang demo --size city) …", flush=True)
        started = time.perf_counter()
        call_command("demo", "--size", "city", "--force")
        print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
    return connection.vendor


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run (on a shared machine the CPU time is the steadier figure; on
    SQLite it includes the database's work, on PostgreSQL only the client's)."""
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return times, cpu


def count_queries(fn: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def guarded(name: str, run: Callable[[], dict]) -> dict:
    """A case that fails is recorded as failed (with its error), and the suite goes on."""
    try:
        return run()
    except Exception as exc:  # noqa: BLE001
        print(f"{name:<40} FAILED: {exc!r}", flush=True)
        return {"name": name, "error": repr(exc), "ok": False}


def case(
    name: str,
    fn: Callable[[], Any],
    floor: Callable[[], Any] | None,
    *,
    target: float | None,
    runs: int,
    queries: bool = True,
    **extra: Any,
) -> dict:
    fn()  # warm-up: imports, caches, the database's page cache
    n_queries = count_queries(fn) if queries else None
    times, cpu = timed(fn, runs)
    result: dict[str, Any] = {
        "name": name,
        "median_s": round(statistics.median(times), 4),
        "median_cpu_s": round(statistics.median(cpu), 4),
        "target_s": target,
    }
    if floor is not None:
        floor()
        floor_times, floor_cpu = timed(floor, runs)
        result["floor_s"] = round(statistics.median(floor_times), 4)
        result["floor_cpu_s"] = round(statistics.median(floor_cpu), 4)
        result["ratio"] = round(result["median_s"] / result["floor_s"], 1) if result["floor_s"] else None
        result["floor_runs"] = [round(t, 4) for t in floor_times]
    else:
        result["floor_s"] = None
    result["runs"] = [round(t, 4) for t in times]
    if n_queries is not None:
        result["queries"] = n_queries
    result["ok"] = target is None or result["median_s"] <= target
    result.update(extra)
    verdict = "ok" if result["ok"] else "OVER TARGET"
    floor_text = f", floor {result['floor_s']:.3f} s" if result.get("floor_s") is not None else ""
    query_text = f", {n_queries} queries" if n_queries is not None else ""
    print(
        f"{name:<40} {result['median_s']:8.3f} s (target {target}{floor_text}{query_text}) {verdict}",
        flush=True,
    )
    return result


# --- the cases ------------------------------------------------------------------------------------


def _raw(sql: str, params: list | None = None) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def metric_cases(campaign: Any, branch: Any, runs: int) -> list[dict]:
    from taizhang.reports import metrics

    as_of = metrics.default_as_of(campaign)
    sys.path.insert(0, str(ROOT / "bench"))
    from cases.reports import _raw_counts

    return [
        case(
            "metrics.all",
            lambda: metrics.compute(campaign, as_of=as_of),
            lambda: _raw_counts(campaign.pk, None),
            target=1.0,
            runs=runs,
        ),
        case(
            "metrics.branch",
            lambda: metrics.compute(campaign, branch, as_of=as_of),
            lambda: _raw_counts(campaign.pk, branch.path),
            target=0.1,
            runs=runs,
            branch=branch.code,
        ),
    ]


def report_case(campaign: Any, runs: int) -> dict:
    from docx import Document

    from taizhang.reports import idsets
    from taizhang.reports.metrics import default_as_of
    from taizhang.reports.summary import report_build

    def build() -> int:
        built = report_build(campaign=campaign, with_charts=False)
        frozen = sum(len(idsets.encode(ids)) for ids in built.ids.values())
        return len(built.docx) + frozen

    sample = report_build(campaign=campaign, with_charts=False)
    document = Document(io.BytesIO(sample.docx))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    sys.path.insert(0, str(ROOT / "bench"))
    from cases.reports import _raw_counts

    def floor() -> int:
        _raw_counts(campaign.pk, None)
        out = Document()
        for text in paragraphs:
            out.add_paragraph(text)
        for rows in tables:
            table = out.add_table(rows=0, cols=max((len(r) for r in rows), default=1))
            for row in rows:
                cells = table.add_row().cells
                for c, text in enumerate(row):
                    cells[c].text = text
        buffer = io.BytesIO()
        out.save(buffer)
        return len(buffer.getvalue())

    return case(
        "report.docx",
        build,
        floor,
        target=3.0,
        runs=runs,
        paragraphs=len(paragraphs),
        tables=len(tables),
        as_of=str(default_as_of(campaign)),
    )


def ledger_cases(campaign: Any, runs: int, only: set[str] | None = None) -> list[dict]:
    import openpyxl
    import xlsxwriter

    from taizhang.reports.ledgers import KINDS, ledger_write

    results = []
    for kind in KINDS:
        if only and f"ledger.{kind}" not in only:
            continue
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as sample:
            rows = ledger_write(kind, campaign=campaign, out=sample.name)
            book = openpyxl.load_workbook(sample.name, read_only=True)
            content = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
            book.close()

        def product(kind: str = kind) -> int:
            with tempfile.TemporaryFile() as out:
                return ledger_write(kind, campaign=campaign, out=out)

        def floor(content: list = content) -> int:
            # The same cells into a bare constant-memory workbook (the rows already fetched: the write alone).
            with tempfile.TemporaryFile() as out:
                book = xlsxwriter.Workbook(out, {"constant_memory": True})
                sheet = book.add_worksheet()
                for r, row in enumerate(content):
                    for c, value in enumerate(row):
                        if value is not None:
                            sheet.write(r, c, value)
                book.close()
            return len(content)

        target = LEDGER_TARGETS.get(kind, 10.0)
        results.append(case(f"ledger.{kind}.xlsx", product, floor, target=target, runs=runs, rows=rows))
        if kind == "study":
            results += writer_cases(content, runs)
    return results


# The study ledger of the city runs in the background (issue 17: 15 s is fine there); the others stay at 10 s.
LEDGER_TARGETS = {"study": 15.0}


def writer_cases(content: list[list[Any]], runs: int) -> list[dict]:
    """The study ledger's cells (read back from the ledger, so no database work is timed) written by each
    candidate writer with the ledger's layout: a title, the header, every row, formats per column, dates under
    a Chinese date format, A4 landscape page set-up. xlsxwriter through its public API (what lib/xlsx.py
    does) and rustpy-xlsxwriter (a Rust writer, when installed: the one bench where it could earn its place).
    Issue 17 chose between them on these figures (docs/performance.md)."""
    import datetime as dt

    import xlsxwriter

    from taizhang.lib.xlsx import xlsxwriter_write_rows

    header = [str(v) for v in content[2] if v is not None]
    data = [
        [v.date() if isinstance(v, dt.datetime) else v for v in row[: len(header)]]
        for row in content[3:]
        if isinstance(row[0], int)  # the table's rows, not the 说明 / 填报人 rows under it
    ]
    width = len(header)
    chinese_date = 'yyyy"年"m"月"d"日"'

    def with_xlsxwriter() -> int:
        with tempfile.TemporaryFile() as out:
            book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
            sheet = book.add_worksheet("学习台账")
            cell = book.add_format({"font_name": "宋体", "border": 1, "text_wrap": True, "valign": "top"})
            day = book.add_format({"font_name": "宋体", "border": 1, "num_format": chinese_date})
            sheet.set_column(0, width - 1, 10)
            sheet.merge_range(0, 0, 0, width - 1, "学习台账", book.add_format({"font_size": 18}))
            xlsxwriter_write_rows(sheet, 2, [header], cell)
            n = xlsxwriter_write_rows(sheet, 3, data, cell, day)
            sheet.set_landscape()
            sheet.set_paper(9)
            sheet.fit_to_pages(1, 0)
            sheet.repeat_rows(2)
            book.close()
            return n

    results = [
        case(
            "writer.xlsxwriter.study",
            with_xlsxwriter,
            None,
            target=None,
            runs=runs,
            queries=False,
            rows=len(data),
        )
    ]
    try:
        from rustpy_xlsxwriter import Format, write_worksheet
    except ImportError:
        print(f"{'writer.rustpy_xlsxwriter.study':<40} skipped (rustpy-xlsxwriter not installed)", flush=True)
        return results

    def with_rustpy() -> int:
        cell = Format().set_font_name("宋体").set_border("thin").set_text_wrap().set_align("top")
        records = (dict(zip(header, row, strict=False)) for row in data)
        with tempfile.TemporaryFile() as out:
            write_worksheet(
                records,
                out,
                sheet_name="学习台账",
                header_row=2,
                header_format=cell,
                merge_ranges=[(0, 0, 0, width - 1, "学习台账")],
                column_widths=[10] * width,
                column_formats=[cell] * width,
                datetime_format=chinese_date,
                page_setup={"landscape": True, "paper_size": 9, "fit_to_pages": (1, 0), "repeat_rows": 2},
            )
        return len(data)

    results.append(
        case(
            "writer.rustpy_xlsxwriter.study",
            with_rustpy,
            None,
            target=None,
            runs=runs,
            queries=False,
            rows=len(data),
        )
    )
    return results


def page_cases(campaign: Any, runs: int, only: set[str] | None) -> list[dict]:
    from django.test import Client
    from django.urls import reverse

    from taizhang.accounts.models import User

    admin, leader = Client(), Client()
    admin.force_login(User.objects.get(username="city_admin"))
    leader.force_login(User.objects.get(username="city_leader"))
    results = []
    for name, sql in PAGES:
        if only and f"page.{name}" not in only:
            continue
        url = reverse(name)

        # The review queue is a leader's page (admins do not sign off): timed as city_leader.
        client = leader if name in LEADER_PAGES else admin

        def get(url: str = url, client: Any = client) -> int:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
            return len(response.content)

        # The subtree pattern goes in as a parameter ("%" in the SQL text means a placeholder to psycopg).
        query = sql.format(c=campaign.pk, p="{p}").replace("'{p}%'", "%s")
        params = [campaign.org.path + "%"] * query.count("%s")
        results.append(
            guarded(
                f"page.{name}",
                lambda name=name, get=get, query=query, params=params, url=url: case(
                    f"page.{name}", get, lambda: _raw(query, params), target=PAGE_TARGET, runs=runs, url=url
                ),
            )
        )
    return results


def import_case(runs: int) -> dict:
    """bench/import_bench.py in a subprocess (its own SQLite database); its taizhang_import case."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, str(ROOT / "bench" / "import_bench.py"), "--runs", str(runs), "--skip-ie"]
        command += ["--out", out.name]
        proc = subprocess.run(
            command, capture_output=True, text=True, env={**os.environ, "TAIZHANG_DATABASE_URL": ""}
        )
        if proc.returncode not in (0, 1):
            return {"name": "import.attendance", "error": proc.stderr[-2000:], "ok": False, "target_s": 30.0}
        data = json.loads(Path(out.name).read_text(encoding="utf-8"))
    cases = data["cases"]
    main = cases["taizhang_import"]
    result = {
        "name": "import.attendance",
        "median_s": main["median_s"],
        "median_cpu_s": main.get("median_cpu_s"),
        "target_s": main["target_s"],
        "floor_s": main["floor_s"],
        "ratio": round(main["median_s"] / main["floor_s"], 1) if main["floor_s"] else None,
        "runs": main["runs"],
        "floor": "openpyxl read-only read of the same workbook",
        "rows": data["rows"],
        "database": "sqlite (its own file)",
        "dry_run_median_s": cases["taizhang_dry_run"]["median_s"],
        "ok": main["median_s"] <= main["target_s"],
    }
    print(
        f"{'import.attendance':<40} {result['median_s']:8.3f} s (target 30.0, floor {result['floor_s']:.3f} s)"
    )
    return result


def load_case() -> dict | None:
    if not (ROOT / "bench" / "loadtest.py").exists():
        return None
    proc = subprocess.run(["make", "bench-load"], cwd=ROOT, capture_output=True, text=True)
    print(proc.stdout[-1500:], flush=True)
    return {
        "name": "load",
        "command": "make bench-load",
        "exit_status": proc.returncode,
        "ok": proc.returncode == 0,
        "output_tail": (proc.stdout + proc.stderr)[-1500:],
        "results": "see bench/results/ (written by bench/loadtest.py)",
    }


def machine(vendor: str) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if vendor == "sqlite" else "SHOW server_version")
        version = cursor.fetchone()[0]
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "database_version": version,
    }


def table() -> str:
    """The results of both databases side by side, as the Markdown table of docs/performance.md."""
    results = {}
    for vendor in ("sqlite", "postgresql"):
        path = ROOT / "bench" / "results" / f"city-{vendor}.json"
        if path.exists():
            results[vendor] = {c["name"]: c for c in json.loads(path.read_text(encoding="utf-8"))["cases"]}
    names: list[str] = []
    for cases in results.values():
        names += [n for n in cases if n not in names]

    def cell(case: dict | None) -> str:
        if not case or case.get("median_s") is None:
            return "–"
        floor = f" / {case['floor_s']:.2g}" if case.get("floor_s") is not None else ""
        queries = f" ({case['queries']} q)" if case.get("queries") is not None else ""
        mark = "" if case.get("ok", True) else " ✗"
        return f"{case['median_s']:.3g}{floor}{queries}{mark}"

    lines = [
        "| case | target s | SQLite: median / floor s (queries) | PostgreSQL: median / floor s (queries) |",
        "|---|---:|---:|---:|",
    ]
    for name in names:
        target = next((r[name].get("target_s") for r in results.values() if name in r), None)
        row = [cell(results.get(v, {}).get(name)) for v in ("sqlite", "postgresql")]
        lines.append(f"| {name} | {target if target is not None else ''} | {row[0]} | {row[1]} |")
    return "\n".join(lines)


def main() -> None:
    if "--table" in sys.argv:
        print(table())
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each fast case (median reported)")
    parser.add_argument(
        "--slow-runs", type=int, default=3, help="runs of the report, ledger and import cases"
    )
    parser.add_argument("--only", nargs="*", help="case names (or prefixes: metrics, report, ledger, page)")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    vendor = setup(os.environ.get("TAIZHANG_DATABASE_URL"))
    from django.db.models import Count

    from taizhang.campaigns.models import Campaign
    from taizhang.demo.city import CITY_CAMPAIGN
    from taizhang.org.models import Organization

    campaign = Campaign.objects.select_related("org").get(code=CITY_CAMPAIGN)
    branch = (
        Organization.objects.filter(kind="branch", path__startswith=campaign.org.path)
        .annotate(n=Count("activities"))
        .order_by("-n", "path")
        .first()
    )
    only = set(args.only or [])

    def wanted(prefix: str) -> bool:
        return not only or any(
            o == prefix or o.startswith(prefix + ".") or prefix.startswith(o) for o in only
        )

    load_before = list(os.getloadavg())
    started = time.perf_counter()
    cases: list[dict] = []
    if wanted("metrics"):
        cases += metric_cases(campaign, branch, args.runs)
    if wanted("report"):
        cases.append(report_case(campaign, args.slow_runs))
    if wanted("ledger"):
        cases += ledger_cases(campaign, args.slow_runs, {o for o in only if o.startswith("ledger.")} or None)
    if wanted("page"):
        page_only = {o for o in only if o.startswith("page.")} or None
        cases += page_cases(campaign, args.runs, page_only)
    if wanted("import") and not args.skip_import:
        cases.append(import_case(args.slow_runs))
    if wanted("load") and not args.skip_load:
        load = load_case()
        if load:
            cases.append(load)
    result = {
        "name": f"city-{vendor}",
        "database": vendor,
        "dataset": "taizhang demo --size city (scale 1)",
        "machine": {
            **machine(vendor),
            "load_average_before": load_before,
            "load_average_after": list(os.getloadavg()),
            "note": "2 cores shared with other jobs; load averages above show how quiet the machine was",
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "wall_s": round(time.perf_counter() - started, 1),
        "cases": cases,
    }
    out = Path(args.out or ROOT / "bench" / "results" / f"city-{vendor}.json")
    if only and not args.out:
        out = out.with_name(out.stem + "-partial.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    over = [c["name"] for c in cases if not c.get("ok", True)]
    print(f"wrote {out}; over target: {', '.join(over) if over else 'none'}")


if __name__ == "__main__":
    main()
