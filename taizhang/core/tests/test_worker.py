"""`taizhang worker` as a real process: a job survives a worker killed in the middle of it (SIGKILL, as the
OOM killer or a power cut does), through the stale-job rule of core/jobs.py — run again by the next worker,
or failed with its partial files removed once its attempts are used up. The database backend by default;
the RQ backend on the machine's Redis (skipped, saying why, when Redis cannot be reached).

The test process and the workers share the test database (committed: transactional tests), the media folder
and the job store folder; each test has its own queue."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from taizhang.core import jobs
from taizhang.core.tests.tasks import use_tasks_backend
from taizhang.imports import messages as msg
from taizhang.imports.models import ImportRun
from taizhang.imports.services import import_start, run_create
from taizhang.imports.tests.conftest import workbook
from taizhang.org.models import Organization
from taizhang.outreach.models import PracticalMatter
from taizhang.reports import services as report_services
from taizhang.reports.models import LedgerExport
from taizhang.study.models import Attendance, StudyActivity

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BASE_DIR = Path(settings.BASE_DIR)
REDIS_URL = os.environ.get("TAIZHANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WAIT = 120  # seconds: the longest any step may take on a loaded 2-core machine
MEMBERS = 40
ACTIVITIES = 1000  # × MEMBERS attendance rows: a write stage of a second or more, to stop the worker in


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    """Start `taizhang worker` processes on this test's queue; stop whatever is left at the end."""

    def __init__(self, tmp_path: Path, queue: str, backend: str) -> None:
        self.tmp_path = tmp_path
        self.started: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "TAIZHANG_DATABASE_URL": _database_url(),
            "TAIZHANG_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "TAIZHANG_JOBS_DIR": str(settings.CACHES["jobs"]["LOCATION"]),
            "TAIZHANG_FIELD_KEY": settings.TAIZHANG_FIELD_KEY,
            "TAIZHANG_TASKS_BACKEND": backend,
            "TAIZHANG_TASKS_QUEUE": queue,
            "TAIZHANG_REDIS_URL": REDIS_URL if backend == "rq" else "",
            "TAIZHANG_LOG_LEVEL": "INFO",
            "TAIZHANG_DEBUG": "false",
        }

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.tmp_path / f"worker-{len(self.started)}.log", "w")  # noqa: SIM115 (closed by the OS)
        process = subprocess.Popen(
            [sys.executable, "-m", "taizhang", "worker", "--interval", "0.2", *args],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        process.kill()  # SIGKILL: no handler, no cleanup, an open transaction dies with it
        process.wait(timeout=WAIT)  # reaped: a zombie would still answer as alive

    def finish(self, process: subprocess.Popen) -> None:
        try:
            code = process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        assert code == 0, self.logs()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()}" for p in sorted(self.tmp_path.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=WAIT)


@pytest.fixture
def workers(tmp_path: Path, settings: Any) -> Any:
    queue = f"t{uuid.uuid4().hex[:12]}"
    use_tasks_backend(settings, "database", queue=queue)
    started = Workers(tmp_path, queue, "database")
    yield started
    started.stop_all()


def wait_until(condition: Callable[[], Any], what: str, workers: Workers) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}\n{workers.logs()}")


def _big_import(world: Any) -> ImportRun:
    """A new branch with MEMBERS members and ACTIVITIES activities everyone attended."""
    names = [f"新{i}号" for i in range(MEMBERS)]
    data = workbook(
        {
            "组织": [["WK", "新支部", "W", "党支部"]],
            "党员": [[name, "WK", "", "", "", "", "", "", ""] for name in names],
            "学习活动": [
                ["2023-09-05", "WK", "支部集中学习", f"第{i}次集中学习", "", "", "全体", "", "", "", ""]
                for i in range(ACTIVITIES)
            ],
        }
    )
    return run_create(user=world.admin, file_name="big.xlsx", data=data, dry_run=False)


def _stage(run: ImportRun) -> str:
    progress = jobs.progress(run)
    return progress["label"] if progress else ""


def _claimed_by(run: ImportRun, process: subprocess.Popen) -> bool:
    return ImportRun.objects.filter(pk=run.pk, worker=f"{jobs.HOST}:{process.pid}").exists()


def test_an_import_killed_mid_write_is_run_again_by_the_next_worker(world, workers):
    run = _big_import(world)
    import_start(run)  # committed at once (no transaction around it): queued in the database
    first = workers.start()
    wait_until(lambda: _claimed_by(run, first) and _stage(run).startswith("写入"), "the write stage", workers)
    os.kill(first.pid, signal.SIGSTOP)  # frozen inside its write transaction
    assert _stage(run).startswith("写入")
    workers.kill(first)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING and run.attempts == 1
    assert not Organization.objects.filter(code="WK").exists()  # its transaction died with it
    assert not StudyActivity.objects.exists() and not Attendance.objects.exists()

    # The next worker finds it (its process is gone), queues it again, runs it, and stops when idle.
    workers.finish(workers.start("--burst"))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.attempts == 2, workers.logs()
    assert StudyActivity.objects.filter(org__code="WK").count() == ACTIVITIES
    assert Attendance.objects.count() == ACTIVITIES * MEMBERS  # written once, whole
    tasks = dict(DBTaskResult.objects.values_list("status", "exception_class_path"))
    assert tasks == {"FAILED": "taizhang.core.jobs.JobLost", "SUCCESSFUL": ""}  # the killed task is closed


def test_an_import_killed_on_every_attempt_is_failed_and_its_upload_removed(world, workers):
    run = _big_import(world)
    import_start(run)
    for attempt in (1, 2):
        worker = workers.start()
        wait_until(
            lambda w=worker: _claimed_by(run, w) and _stage(run).startswith("读取和校验"),
            f"attempt {attempt} checking",
            workers,
        )
        workers.kill(worker)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING and run.attempts == 2
    assert default_storage.exists(run.stored_name)

    workers.finish(workers.start("--burst"))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED, workers.logs()
    assert [e["message"] for e in run.errors] == [msg.INTERRUPTED]
    assert not default_storage.exists(run.stored_name)  # the upload goes with the failed run
    assert not Organization.objects.filter(code="WK").exists() and not StudyActivity.objects.exists()
    assert not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()


def _exported_files() -> set[str]:
    try:
        return set(default_storage.listdir(report_services.EXPORT_DIR)[1])
    except FileNotFoundError:
        return set()


def test_a_ledger_killed_before_recording_its_file_is_run_again_without_that_file(world, workers):
    before = _exported_files()
    PracticalMatter.objects.bulk_create(
        PracticalMatter(campaign=world.campaign, org=world.branch_a, title=f"办实事{i}", owner="甲0号")
        for i in range(2000)
    )
    export, _ = report_services.ledger_export_request(
        kind="matters", campaign=world.campaign, user=world.admin
    )
    report_services.ledger_export_start(export)
    worker = workers.start()
    wait_until(lambda: jobs.progress(export), "the export to be claimed", workers)
    with transaction.atomic():
        # Hold the row: the worker writes the workbook and copies it into the storage, then waits here to
        # record it. Killed now, it leaves a file no row names.
        LedgerExport.objects.select_for_update().get(pk=export.pk)
        export.refresh_from_db()
        temp_path, name = report_services._attempt_files(export)
        wait_until(lambda: default_storage.exists(name), "the storage copy", workers)
        os.kill(worker.pid, signal.SIGSTOP)
        workers.kill(worker)
    export.refresh_from_db()
    assert export.status == LedgerExport.Status.RUNNING and not export.file
    assert default_storage.exists(name)

    workers.finish(workers.start("--burst"))
    export.refresh_from_db()
    assert export.status == LedgerExport.Status.DONE and export.attempts == 2, workers.logs()
    assert export.rows == 2000 and export.file.name != name
    assert not default_storage.exists(name) and not os.path.exists(temp_path)
    assert _exported_files() - before == {export.file.name.rsplit("/", 1)[1]}  # no other file stays


def test_the_worker_refuses_to_start_with_the_immediate_backend():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "TAIZHANG_TASKS_BACKEND": "immediate",
    }
    done = subprocess.run(
        [sys.executable, "-m", "taizhang", "worker"], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1 and "不需要 taizhang worker" in done.stderr


# --- RQ on Redis -------------------------------------------------------------------------------------------


def _redis_reachable() -> str:
    """Why Redis cannot be used, or "" when it answers."""
    url = urlsplit(REDIS_URL)
    host, port = url.hostname or "127.0.0.1", url.port or 6379
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(64).startswith(b"+PONG"):
                return f"Redis at {host}:{port} did not answer PING"
    except OSError as exc:
        return f"Redis is not reachable at {host}:{port} ({exc})"
    return ""


@pytest.fixture
def rq_workers(tmp_path: Path, settings: Any) -> Any:
    reason = _redis_reachable()
    if reason:
        print(f"SKIPPED the RQ worker tests: {reason}")  # noqa: T201 (CI's log says why)
        pytest.skip(reason)
    queue = f"t{uuid.uuid4().hex[:12]}"
    use_tasks_backend(settings, "rq", queue=queue)
    settings.TAIZHANG_REDIS_URL = REDIS_URL
    settings.RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600} for name in (queue, "default")}
    # Progress and heartbeats on Redis, as the workers keep them with TAIZHANG_REDIS_URL set.
    settings.CACHES = {
        **settings.CACHES,
        "jobs": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    }
    started = Workers(tmp_path, queue, "rq")
    yield started
    started.stop_all()
    import django_rq

    django_rq.get_queue(queue).delete(delete_jobs=True)


def test_rq_an_import_and_a_ledger_are_run_by_the_rq_worker(world, rq_workers):
    run = run_create(
        user=world.admin,
        file_name="a.xlsx",
        data=workbook({"组织": [["WN", "新支部", "W", "党支部"]]}),
        dry_run=False,
    )
    import_start(run)
    PracticalMatter.objects.create(campaign=world.campaign, org=world.branch_a, title="修路灯")
    export, _ = report_services.ledger_export_request(
        kind="matters", campaign=world.campaign, user=world.admin
    )
    report_services.ledger_export_start(export)
    run.refresh_from_db()
    export.refresh_from_db()
    assert run.task_id and export.task_id  # handed to Redis once committed
    assert jobs.lost_reason(run) is None  # queued at RQ: waiting for a worker, not lost

    rq_workers.finish(rq_workers.start("--burst"))
    run.refresh_from_db()
    export.refresh_from_db()
    assert run.status == ImportRun.Status.DONE, rq_workers.logs()
    assert Organization.objects.filter(code="WN", parent=world.committee).exists()
    assert export.status == LedgerExport.Status.DONE and export.rows == 1, rq_workers.logs()
    assert default_storage.exists(export.file.name)


def test_rq_an_import_whose_work_horse_died_is_run_again(world, rq_workers):
    run = _big_import(world)
    import_start(run)
    worker = rq_workers.start()
    # RQ runs each job in a child process (its work horse): that is the process the run records.
    wait_until(
        lambda: (
            ImportRun.objects.filter(pk=run.pk).exclude(worker="").exists()
            and _stage(run).startswith("读取和校验")
        ),
        "the RQ job to start",
        rq_workers,
    )
    run.refresh_from_db()
    horse = int(run.worker.rsplit(":", 1)[1])
    assert horse != worker.pid
    os.kill(horse, signal.SIGKILL)
    wait_until(lambda: not jobs._alive(horse), "the work horse to be reaped", rq_workers)

    jobs.recover(run)  # what the run page does when it next polls: queued again on Redis
    wait_until(
        lambda: ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.DONE).exists(),
        "the same worker to run it again",
        rq_workers,
    )
    worker.terminate()  # SIGTERM: RQ's warm shutdown
    worker.wait(timeout=WAIT)
    run.refresh_from_db()
    assert run.attempts == 2 and Attendance.objects.count() == ACTIVITIES * MEMBERS
