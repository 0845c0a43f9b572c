"""Load test: 50 logged-in users for 60 s against gunicorn on loopback, zero errors allowed.

    .venv/bin/python bench/loadtest.py [--users 50] [--seconds 60] [--workers 3] [--threads 1]
                                       [--think 1.0 3.0] [--out FILE]

Database: TAIZHANG_DATABASE_URL if set (migrated and given the demo, which is idempotent), otherwise
a fresh demo on a temporary SQLite file (WAL, as in production). Uploads go to a temporary MEDIA_ROOT.

Setup (not timed): every virtual user gets its own server-side session for one of the demo logins
(admin, leader, two secretaries, a member), made with Django's own login machinery in this process —
posting the login form 50 times would trip the lockout (django-axes) and time Argon2, not the pages.
Each user then walks the list pages its role may open once and collects the detail links it finds
(so the mix only asks for what that user may see, as a real user clicks).

Timed: each user loops for --seconds, choosing a page by weight — home, the dashboard, the main list
pages, detail pages — and waits a think time (uniform in --think) between pages. One request in twenty
is a write: the member's self-study form posted (CSRF token and all), one row and one audit row
through the service. One in twenty is /healthz/ without a session; its median under the same load is
the floor, what any request costs on this machine through gunicorn, the middleware and one query.
Every page must answer 200 and every write 302 back to its page; a redirect to the login page, a form
error, a 4xx, a 5xx or a network error counts as an error, and the script exits 1 on any. Every request
also saves its session (SESSION_SAVE_EVERY_REQUEST), so SQLite sees a write per request: "database is
locked" would show here as a 500.

Result: bench/results/loadtest-<vendor>.json — {"name", "database", "machine", "config", "cases":
[{"name": "load_50_users_60s", "median_s", "p95_s", "target_s", "floor_s", "requests", "errors",
"rps"}], "pages": per-page figures}. The plain client (threads + http.client) keeps the benchmark free
of extra dependencies; one thread per user is ample for 50 users, most of their time is think time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_P95_S = 1.0

DEMO_USERS = ("admin", "leader", "secretary", "member", "secretary2")
CITY_USERS = ("city_admin", "city_leader", "city_secretary", "city_member")
CITY_SQLITE = ROOT / "var" / "bench-city.sqlite3"
HOME = [("home", "/"), ("dashboard", "/reports/")]
LISTS = [
    ("study_list", "/study/"),
    ("my_study", "/study/mine/"),
    ("tallies", "/study/tallies/"),
    ("members", "/org/members/"),
    ("org_tree", "/org/"),
    ("problems", "/rectification/problems/"),
    ("measures", "/rectification/measures/"),
    ("rectification_stats", "/rectification/stats/"),
    ("tasks", "/plans/"),
    ("studyplans", "/plans/study/"),
    ("topics", "/outreach/topics/"),
    ("visits", "/outreach/visits/"),
    ("demands", "/outreach/demands/"),
    ("matters", "/outreach/matters/"),
    ("campaigns", "/campaigns/"),
]
DETAIL = re.compile(
    r'href="(/(?:study|org/members|rectification/problems|plans/tasks|plans/study|'
    r'outreach/(?:topics|visits|demands|matters))/\d+/)"'
)
WEIGHTS = {"home": 20, "list": 40, "detail": 35, "write": 5, "healthz": 5}
CSRF_COOKIE = re.compile(r"csrftoken=([A-Za-z0-9]+)")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_environment(work: Path, city: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("TAIZHANG_DATABASE_URL"):
        target = work / "load.sqlite3"
        if city:
            # A copy of the benchmark's city database (make bench builds it): the load writes rows.
            if not CITY_SQLITE.exists():
                raise SystemExit(f"{CITY_SQLITE} is missing: run `make bench` first (it builds the city)")
            shutil.copyfile(CITY_SQLITE, target)
        env["TAIZHANG_DATABASE_URL"] = f"sqlite:///{target}"
    env.setdefault("TAIZHANG_MEDIA_ROOT", str(work / "media"))
    env.setdefault("TAIZHANG_FIELD_KEY", "loadtest-field-key")
    env["TAIZHANG_SECRET_KEY"] = env.get("TAIZHANG_SECRET_KEY") or secrets.token_urlsafe(40)
    env["TAIZHANG_DEBUG"] = "false"
    env["TAIZHANG_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    return env


def load_demo(env: dict[str, str], city: bool = False) -> None:
    taizhang = str(BIN / "taizhang")
    subprocess.run([taizhang, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    command = [taizhang, "demo", *(["--size", "city"] if city else [])]
    demo = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if demo.returncode != 0:
        print(f"taizhang demo: {demo.stderr.strip()} (using the data as it is)", file=sys.stderr)


def make_sessions(
    env: dict[str, str], users: int, logins: tuple[str, ...] = DEMO_USERS
) -> list[tuple[str, str]]:
    """[(username, session key)] — one session per virtual user, by Django's login() (signals included)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.test import Client

    from taizhang.accounts.models import User

    accounts = {u.username: u for u in User.objects.filter(username__in=logins, is_active=True)}
    missing = [name for name in logins if name not in accounts]
    if missing:
        raise SystemExit(f"demo logins missing from the database: {', '.join(missing)}")
    sessions = []
    for i in range(users):
        username = logins[i % len(logins)]
        client = Client()
        client.force_login(accounts[username], backend="django.contrib.auth.backends.ModelBackend")
        sessions.append((username, client.cookies[settings.SESSION_COOKIE_NAME].value))
    connections.close_all()
    return sessions


class Server:
    def __init__(self, env: dict[str, str], workers: int, threads: int) -> None:
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="taizhang-gunicorn-", suffix=".log", delete=False)
        command = [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--access-logfile",
            "-",
            "--access-logformat",
            "%(s)s %(m)s %(U)s %(M)sms",
        ]
        if threads > 1:
            command += ["--threads", str(threads)]
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = self.get("/healthz/")
                if status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not start; see {self.log.name}")

    def get(self, path: str, session: str | None = None) -> tuple[int, bytes]:
        status, _, body = self.request("GET", path, session)
        return status, body

    def request(
        self, method: str, path: str, session: str | None = None, form: dict | None = None, csrf: str = ""
    ) -> tuple[int, http.client.HTTPResponse, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            cookies = [f"sessionid={session}"] if session else []
            if csrf:
                cookies.append(f"csrftoken={csrf}")
            headers = {"Cookie": "; ".join(cookies)} if cookies else {}
            body = None
            if form is not None:
                body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": csrf})
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def discover(server: Server, sessions: list[tuple[str, str]]) -> dict[str, dict]:
    """Per demo login: the list pages it may open and the detail links found on them (warms up too)."""
    plans: dict[str, dict] = {}
    for username, key in sessions:
        if username in plans:
            continue
        lists, details = [], set()
        for name, path in LISTS:
            status, body = server.get(path, key)
            if status == 200:
                lists.append((name, path))
                details.update(DETAIL.findall(body.decode("utf-8", "replace")))
        home = []
        for name, path in HOME:  # the member role has no dashboard
            status, _ = server.get(path, key)
            if status == 200:
                home.append((name, path))
        if not home:
            raise SystemExit(f"{username} cannot open the home page")
        by_kind: dict[str, list[str]] = defaultdict(list)
        for path in sorted(details, key=lambda p: int(p.rstrip("/").rsplit("/", 1)[1])):
            by_kind[path.rstrip("/").rsplit("/", 1)[0]].append(path)
        ok_details = []
        for path in [p for paths in by_kind.values() for p in paths[:12]]:  # up to 12 of each kind
            status, _ = server.get(path, key)
            if status == 200:
                ok_details.append(path)
        status, response, _ = server.request("GET", "/study/mine/", key)
        found = CSRF_COOKIE.search(response.getheader("Set-Cookie") or "")
        if status != 200 or not found:
            raise SystemExit(f"{username} cannot open /study/mine/ for the self-study form (status {status})")
        plans[username] = {"home": home, "lists": lists, "details": ok_details, "csrf": found.group(1)}
    return plans


def run_load(server: Server, sessions, plans, seconds: float, think: tuple[float, float], seed: int):
    samples: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(len(sessions) + 1)
    stop_at = [0.0]
    write_day = (datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)).isoformat()

    def user(index: int, username: str, key: str) -> None:
        rng = random.Random(f"{seed}-{index}")
        plan = plans[username]
        kinds = [k for k in WEIGHTS if k != "detail" or plan["details"]]
        weights = [WEIGHTS[k] for k in kinds]
        start_gate.wait()
        time.sleep(rng.uniform(0, think[1]))  # users arrive spread out, not in one burst
        while time.monotonic() < stop_at[0]:
            kind = rng.choices(kinds, weights)[0]
            if kind == "home":
                name, path = rng.choice(plan["home"])
            elif kind == "list":
                name, path = rng.choice(plan["lists"])
            elif kind == "detail":
                path = rng.choice(plan["details"])
                name = "detail:" + path.rstrip("/").rsplit("/", 1)[0].strip("/")
            elif kind == "write":
                name, path = "selfstudy_post", "/study/mine/"
            else:
                name, path = "healthz", "/healthz/"
            began = time.perf_counter()
            try:
                if kind == "write":  # a member logs self-study: a write through the service + audit row
                    form = {
                        "date": write_day,
                        "material": f"《习近平著作选读》第一卷（压测 {index}）",
                        "minutes": "30",
                        "channel": "original",
                        "notes": "",
                    }
                    status, response, _ = server.request("POST", path, key, form, plan["csrf"])
                    ok = status == 302 and response.getheader("Location") == path  # saved, not a form error
                else:
                    status, _ = server.get(path, None if kind == "healthz" else key)
                    ok = status == 200
                problem = None if ok else f"{status} {path} ({username})"
            except OSError as exc:
                problem = f"{type(exc).__name__} {path} ({username}): {exc}"
            elapsed = time.perf_counter() - began
            with lock:
                samples[name].append(elapsed)
                if problem:
                    errors.append(problem)
            time.sleep(rng.uniform(*think))

    threads = [
        threading.Thread(target=user, args=(i, u, k), daemon=True) for i, (u, k) in enumerate(sessions)
    ]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + seconds
    began = time.monotonic()
    start_gate.wait()
    for t in threads:
        t.join(seconds + 120)
    return samples, errors, time.monotonic() - began


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (make serve uses 3)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread if > 1)")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument(
        "--city",
        action="store_true",
        help="the city dataset with the city logins (SQLite: a copy of var/bench-city.sqlite3; PostgreSQL: "
        "TAIZHANG_DATABASE_URL, loaded when missing — use a copy, e.g. createdb -T)",
    )
    parser.add_argument("--out", help="result file (default bench/results/loadtest-<vendor>[-city].json)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="taizhang-load-"))
    server = None
    try:
        env = prepare_environment(work, city=args.city)
        vendor = "sqlite" if env["TAIZHANG_DATABASE_URL"].startswith("sqlite") else "postgresql"
        print(f"准备数据库 / preparing the database ({vendor})…", flush=True)
        load_demo(env, city=args.city)
        sessions = make_sessions(env, args.users, CITY_USERS if args.city else DEMO_USERS)
        print(f"启动 gunicorn / starting gunicorn ({args.workers} workers)…", flush=True)
        cpu_before = _children_cpu()
        server = Server(env, args.workers, args.threads)
        unloaded = []
        for _ in range(20):
            began = time.perf_counter()
            server.get("/healthz/")
            unloaded.append(time.perf_counter() - began)
        plans = discover(server, sessions)
        print(
            f"{args.users} 个用户压测 {args.seconds:g} 秒 / {args.users} users for {args.seconds:g} s…",
            flush=True,
        )
        samples, errors, wall = run_load(server, sessions, plans, args.seconds, tuple(args.think), args.seed)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    # CPU the server used (gunicorn master and workers, reaped at stop): steadier than wall-clock
    # latency on a shared machine; it includes the untimed warm-up, a few percent of the requests.
    server_cpu = _children_cpu() - cpu_before

    pages = [v for name, values in samples.items() if name != "healthz" for v in values]
    floor = samples.get("healthz", [])
    total = sum(len(v) for v in samples.values())
    case = {
        "name": f"load_{args.users}_users_{args.seconds:g}s",
        "median_s": round(statistics.median(pages), 4) if pages else None,
        "p95_s": round(percentile(pages, 0.95), 4) if pages else None,
        "p99_s": round(percentile(pages, 0.99), 4) if pages else None,
        "max_s": round(max(pages), 4) if pages else None,
        "target_s": TARGET_P95_S,
        "floor_s": round(statistics.median(floor), 4) if floor else None,
        "floor_unloaded_s": round(statistics.median(unloaded), 4),
        "requests": total,
        "errors": len(errors),
        "rps": round(total / wall, 2),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / total, 1) if total else None,
    }
    result = {
        "name": "loadtest",
        "database": vendor,
        "machine": machine(),
        "config": {
            "dataset": "city" if args.city else "bureau demo",
            "users": args.users,
            "seconds": args.seconds,
            "gunicorn_workers": args.workers,
            "gunicorn_threads": args.threads,
            "think_s": list(args.think),
            "weights": WEIGHTS,
            "logins": sorted({u for u, _ in sessions}),
            "pages_per_login": {
                u: {"lists": len(p["lists"]) + len(p["home"]), "details": len(p["details"])}
                for u, p in plans.items()
            },
        },
        "cases": [case],
        "pages": {
            name: {
                "requests": len(values),
                "median_s": round(statistics.median(values), 4),
                "p95_s": round(percentile(values, 0.95), 4),
            }
            for name, values in sorted(samples.items())
        },
        "error_samples": errors[:20],
    }
    suffix = "-city" if args.city else ""
    out = Path(args.out) if args.out else ROOT / "bench" / "results" / f"loadtest-{vendor}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(case, ensure_ascii=False))
    print(f"结果写入 / written to {out}")
    if errors:
        print(f"{len(errors)} 个请求失败 / requests failed, e.g. {errors[:5]}", file=sys.stderr)
        print(f"gunicorn log: {server.log.name}", file=sys.stderr)
        return 1
    Path(server.log.name).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
