"""Benchmark: importing 100,000 attendance rows (about 3,000 activities) on SQLite.

    .venv/bin/python bench/import_bench.py [--runs 3] [--ie-runs 1] [--ie-scale 0.1] [--skip-ie] [--out FILE]

Cases, each into a fresh SQLite database (a copy of one migrated file):
- taizhang_import: `taizhang import` of the generated workbook (check, then one transaction). Target 30 s.
- taizhang_dry_run: the same workbook checked only (the UI's preview step).
- openpyxl_read: the floor — only reading every cell of the same workbook with openpyxl (read-only,
  streaming), which any importer built on openpyxl must pay.
- django_import_export: the same members, activities and attendance through django-import-export 4
  (the library most Django projects pick), with minimal resources and default options; the 参加人员
  lists are expanded into one attendance row per name first (timed too). Units and the campaign are
  created beforehand (not timed): the library has no notion of the materialized path. It works row by
  row (several queries per row), so by default it imports a tenth of the workbook (10 of the 100
  branches: everything scales linearly) and its time is multiplied by ten (`extrapolated` in the
  results); `--ie-scale 1` imports the whole workbook (allow half an hour).

Each case records wall-clock and CPU seconds: on a shared machine the CPU time is the steadier figure.

The workbook is generated deterministically (seeded), so every run and every machine times the same
bytes. Results go to bench/results/import.json: per case median_s, target_s and floor_s (+ the runs).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BRANCHES = 100
MEMBERS_PER_BRANCH = 40
ACTIVITIES_PER_BRANCH = 30
PRESENT = 32
ABSENT = 2
SPEAKERS = 3
TARGET_S = 30.0
CAMPAIGN = ("bench2023", "2023年第二批主题教育（基准）", date(2023, 9, 1), date(2024, 1, 31))
TYPES = ("支部集中学习", "主题党日", "党课", "专题研讨", "交流讨论", "读书班", "第一议题", "党小组会")
REASONS = ("出差", "病假", "事假", "培训", "外出调研")


def _setup_django(db_path: Path, media: Path) -> None:
    os.environ["TAIZHANG_DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["TAIZHANG_DEBUG"] = "false"  # no query log: it would cost memory and time
    os.environ["TAIZHANG_MEDIA_ROOT"] = str(media)
    os.environ.setdefault("TAIZHANG_FIELD_KEY", "bench-field-key")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    import django

    django.setup()


def build_workbook(branches: int = BRANCHES) -> tuple[bytes, dict[str, int]]:
    """组织, 党员, 学习教育, 学习活动: ~3,000 activities, ~34 names each (100k attendance rows).

    `branches` scales everything linearly (members, activities, attendance)."""
    import xlsxwriter

    from taizhang.lib.names import unique_names

    rng = random.Random("taizhang-bench-import")
    genders = [rng.choice(("male", "female")) for _ in range(branches * MEMBERS_PER_BRANCH)]
    names = unique_names(rng, genders)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet("组织")
    ws.write_row(0, 0, ["组织编码", "组织名称", "上级组织编码", "组织类型"])
    ws.write_row(1, 0, ["BJ", "基准测试局党委", "", "党委"])
    for b in range(branches):
        ws.write_row(b + 2, 0, [f"BJ{b + 1:03d}", f"第{b + 1}党支部", "BJ", "党支部"])
    ws = book.add_worksheet("党员")
    ws.write_row(
        0,
        0,
        ["姓名", "所在组织编码", "性别", "身份证号", "手机号", "党员类别", "入党日期", "职务", "所在处室"],
    )
    roster: dict[str, list[str]] = {}
    for i, name in enumerate(names):
        branch = f"BJ{i // MEMBERS_PER_BRANCH + 1:03d}"
        roster.setdefault(branch, []).append(name)
        joined = date(1990, 1, 1) + timedelta(days=rng.randrange(12000))
        ws.write_row(
            i + 1,
            0,
            [
                name,
                branch,
                "男" if genders[i] == "male" else "女",
                "",
                "",
                "正式党员",
                joined.isoformat(),
                "科员",
                "机关",
            ],
        )
    ws = book.add_worksheet("学习教育")
    ws.write_row(0, 0, ["编码", "名称", "开始日期", "结束日期", "组织编码"])
    ws.write_row(1, 0, [CAMPAIGN[0], CAMPAIGN[1], CAMPAIGN[2].isoformat(), CAMPAIGN[3].isoformat(), "BJ"])
    ws = book.add_worksheet("学习活动")
    ws.write_row(
        0,
        0,
        [
            "日期",
            "组织编码",
            "活动类型",
            "主题",
            "地点",
            "主持人",
            "参加人员",
            "缺席人员",
            "发言人员",
            "学习内容",
            "备注",
        ],
    )
    row = 1
    attendance = 0
    span = (CAMPAIGN[3] - CAMPAIGN[2]).days
    for branch, people in roster.items():
        for a in range(ACTIVITIES_PER_BRANCH):
            chosen = rng.sample(people, PRESENT + ABSENT)
            present, absent = chosen[:PRESENT], chosen[PRESENT:]
            day = CAMPAIGN[2] + timedelta(days=rng.randrange(span))
            ws.write_row(
                row,
                0,
                [
                    day.isoformat(),
                    branch,
                    TYPES[(row + a) % len(TYPES)],
                    f"第{a + 1}次集中学习：专题{rng.randrange(1, 50)}",
                    "党员活动室",
                    present[0],
                    "、".join(present),
                    "、".join(f"{n}（{rng.choice(REASONS)}）" for n in absent),
                    "、".join(present[:SPEAKERS]),
                    "《习近平著作选读》",
                    "",
                ],
            )
            attendance += PRESENT + ABSENT
            row += 1
    book.close()
    return out.getvalue(), {
        "units": branches + 1,
        "members": len(names),
        "activities": row - 1,
        "attendance": attendance,
        "speeches": (row - 1) * SPEAKERS,
    }


def _fresh_db(template: Path, db_path: Path) -> None:
    from django.db import connections

    connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, db_path)


def time_taizhang(data: bytes, *, dry_run: bool, expect: dict[str, int]) -> tuple[float, float]:
    from taizhang.imports.services import import_workbook
    from taizhang.study.models import Attendance, Speech

    started, cpu = time.perf_counter(), time.process_time()
    run = import_workbook(data=data, file_name="bench.xlsx", dry_run=dry_run)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if run.status not in ("done", "preview"):
        raise SystemExit(f"import failed: {run.errors[:5]}")
    written = (Attendance.objects.count(), Speech.objects.count())
    wanted = (0, 0) if dry_run else (expect["attendance"], expect["speeches"])
    if written != wanted:
        raise SystemExit(f"wrote {written} attendance/speech rows, expected {wanted}")
    return elapsed, cpu


def time_openpyxl(data: bytes) -> tuple[float, float]:
    import openpyxl

    started, cpu = time.perf_counter(), time.process_time()
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = 0
    for ws in book.worksheets:
        for values in ws.iter_rows(values_only=True):
            cells += len(values)
    book.close()
    return time.perf_counter() - started, time.process_time() - cpu


def time_import_export(data: bytes, *, branches: int) -> tuple[float, float]:
    """Members, activities and attendance through django-import-export resources (units made first)."""
    import tablib
    from import_export import fields, resources, widgets

    from taizhang.campaigns.models import Campaign
    from taizhang.org.models import Member, Organization
    from taizhang.study.models import ActivityType, Attendance, StudyActivity

    # Untimed set-up: the tree and the campaign (django-import-export cannot fill Organization.path).
    root = Organization.objects.create(code="BJ", name="基准测试局党委", kind="committee")
    root.path = f"/{root.pk}/"
    root.save(update_fields=["path"])
    for b in range(branches):
        org = Organization.objects.create(
            code=f"BJ{b + 1:03d}", name=f"第{b + 1}党支部", kind="branch", parent=root, depth=1
        )
        org.path = f"{root.path}{org.pk}/"
        org.save(update_fields=["path"])
    campaign = Campaign.objects.create(
        code=CAMPAIGN[0], name=CAMPAIGN[1], org=root, start_date=CAMPAIGN[2], end_date=CAMPAIGN[3]
    )

    class MemberResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        org = fields.Field(
            attribute="org", column_name="所在组织编码", widget=widgets.ForeignKeyWidget(Organization, "code")
        )
        joined_on = fields.Field(
            attribute="joined_on", column_name="入党日期", widget=widgets.DateWidget("%Y-%m-%d")
        )
        post = fields.Field(attribute="post", column_name="职务")
        department = fields.Field(attribute="department", column_name="所在处室")

        class Meta:
            model = Member
            fields = ("name", "org", "joined_on", "post", "department")
            import_id_fields = ("name", "org")

    class ActivityResource(resources.ModelResource):
        date = fields.Field(attribute="date", column_name="日期", widget=widgets.DateWidget("%Y-%m-%d"))
        org = fields.Field(
            attribute="org", column_name="组织编码", widget=widgets.ForeignKeyWidget(Organization, "code")
        )
        type = fields.Field(
            attribute="type", column_name="活动类型", widget=widgets.ForeignKeyWidget(ActivityType, "name")
        )
        topic = fields.Field(attribute="topic", column_name="主题")
        place = fields.Field(attribute="place", column_name="地点")
        host = fields.Field(attribute="host", column_name="主持人")

        class Meta:
            model = StudyActivity
            fields = ("date", "org", "type", "topic", "place", "host")
            import_id_fields = ("org", "date", "type", "topic")

        def before_save_instance(self, instance, row, **kwargs):  # noqa: ANN001, ANN003
            instance.campaign = campaign

    class ActivityKeyWidget(widgets.ForeignKeyWidget):
        def clean(self, value, row=None, **kwargs):  # noqa: ANN001, ANN003
            org, day, type_name, topic = value.split("|", 3)
            return StudyActivity.objects.get(org__code=org, date=day, type__name=type_name, topic=topic)

    class AttendanceResource(resources.ModelResource):
        activity = fields.Field(
            attribute="activity", column_name="活动", widget=ActivityKeyWidget(StudyActivity)
        )
        member = fields.Field(
            attribute="member", column_name="姓名", widget=widgets.ForeignKeyWidget(Member, "name")
        )
        status = fields.Field(attribute="status", column_name="出勤")
        reason_note = fields.Field(attribute="reason_note", column_name="原因")

        class Meta:
            model = Attendance
            fields = ("activity", "member", "status", "reason_note")
            import_id_fields = ("activity", "member")

    started, cpu = time.perf_counter(), time.process_time()
    book = tablib.Databook()
    book.load(data, format="xlsx")
    sheets = {sheet.title: sheet for sheet in book.sheets()}
    for resource, sheet in ((MemberResource(), sheets["党员"]), (ActivityResource(), sheets["学习活动"])):
        result = resource.import_data(sheet, raise_errors=True)
        assert not result.has_validation_errors()
    attendance = tablib.Dataset(headers=["活动", "姓名", "出勤", "原因"])
    for row in sheets["学习活动"].dict:
        key = f"{row['组织编码']}|{row['日期']}|{row['活动类型']}|{row['主题']}"
        for name in row["参加人员"].split("、"):
            attendance.append([key, name, "present", ""])
        for entry in row["缺席人员"].split("、"):
            name, _, reason = entry.partition("（")
            attendance.append([key, name, "absent", reason.rstrip("）")])
    result = AttendanceResource().import_data(attendance, raise_errors=True)
    assert not result.has_validation_errors()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if Attendance.objects.count() != len(attendance):
        raise SystemExit(f"django-import-export wrote {Attendance.objects.count()} of {len(attendance)} rows")
    return elapsed, cpu


def _case(runs: list[tuple[float, float]], *, target: float | None, floor: float, scale: float = 1.0) -> dict:
    """median_s (wall clock, scaled to the full workbook when measured on a part), the CPU time too:
    on a shared machine the CPU time is the steadier figure."""
    wall = statistics.median(r[0] for r in runs) / scale
    cpu = statistics.median(r[1] for r in runs) / scale
    case = {
        "median_s": round(wall, 3),
        "median_cpu_s": round(cpu, 3),
        "target_s": target,
        "floor_s": round(floor, 3),
        "runs": [round(r[0], 3) for r in runs],
    }
    if scale != 1.0:
        case.update(scale=scale, extrapolated=True, measured_median_s=round(wall * scale, 3))
    return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each taizhang case (median reported)")
    parser.add_argument("--ie-runs", type=int, default=1, help="runs of the django-import-export case (slow)")
    parser.add_argument(
        "--ie-scale",
        type=float,
        default=0.1,
        help="part of the workbook django-import-export imports (everything scales linearly; its time is "
        "divided by this to compare; 1 for the whole workbook, which takes many minutes)",
    )
    parser.add_argument("--skip-ie", action="store_true", help="leave out django-import-export")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "import.json"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="taizhang-bench-"))
    db_path, template = work / "bench.sqlite3", work / "migrated.sqlite3"
    _setup_django(db_path, work / "media")
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    connections.close_all()
    shutil.copyfile(db_path, template)

    data, size = build_workbook()
    print(f"workbook: {len(data) / 1024 / 1024:.1f} MB, {size}", flush=True)
    floor_runs = [time_openpyxl(data) for _ in range(args.runs)]
    floor = statistics.median(r[0] for r in floor_runs)
    cases: dict[str, dict] = {"openpyxl_read": _case(floor_runs, target=None, floor=floor)}
    print(f"openpyxl_read: median {floor:.2f} s", flush=True)
    for name, dry_run in (("taizhang_import", False), ("taizhang_dry_run", True)):
        runs = []
        for _ in range(args.runs):
            _fresh_db(template, db_path)
            runs.append(time_taizhang(data, dry_run=dry_run, expect=size))
            print(f"{name}: {runs[-1][0]:.2f} s (cpu {runs[-1][1]:.2f} s)", flush=True)
        cases[name] = _case(runs, target=TARGET_S, floor=floor)
    if not args.skip_ie:
        branches = max(1, round(BRANCHES * args.ie_scale))
        scale = branches / BRANCHES
        part, part_size = build_workbook(branches) if scale != 1.0 else (data, size)
        runs = []
        for _ in range(args.ie_runs):
            _fresh_db(template, db_path)
            runs.append(time_import_export(part, branches=branches))
            print(
                f"django_import_export ({part_size['attendance']} attendance rows): {runs[-1][0]:.2f} s (cpu {runs[-1][1]:.2f} s)",
                flush=True,
            )
        cases["django_import_export"] = _case(runs, target=TARGET_S, floor=floor, scale=scale)
    result = {
        "benchmark": "import",
        "description": "100k attendance rows (~3,000 activities with name lists) + members, SQLite",
        "rows": size,
        "workbook_bytes": len(data),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": list(os.getloadavg()),
        },
        "cases": cases,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    connections.close_all()
    shutil.rmtree(work, ignore_errors=True)
    ok = cases["taizhang_import"]["median_s"] <= TARGET_S
    verdict = "OK" if ok else "TOO SLOW"
    print(
        f"taizhang_import median {cases['taizhang_import']['median_s']:.2f} s (target {TARGET_S:.0f} s): {verdict}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
