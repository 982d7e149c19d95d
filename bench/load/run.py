"""The load test: gunicorn + PostgreSQL on this machine, 50 logged-in users for 60 seconds.

    make loadtest            # the steady run: zero failures expected
    make loadtest-restart    # the same, with PostgreSQL restarted 25 s into the 60 s

or `.venv/bin/python bench/load/run.py --help` (e.g. `--wait 5,15` for an ordinary office's
pace). Everything stays on 127.0.0.1 and ends by itself (about 1½ minutes; the first run also
makes the data, a few seconds more).

What it does, in order:

1. the database `unionreform_load` on the local PostgreSQL (`LOAD_PG`, default
   postgres://postgres@127.0.0.1:5432): created if missing and kept for the next run (`--fresh`
   drops and remakes it — only a database whose name ends in `_load`); `migrate`; when it has no
   measures, `generate_demo --measures 2000 --seed 1` if that command exists, else the seeds;
2. bench/load/data.py: the accounts load01…load50 (改革办), their sessions, and the (measure,
   period) pairs each will file (none filed before, none shared);
3. `collectstatic`, then gunicorn with gunicorn.conf.py (workers 2×cores+1, DEBUG off, plain
   HTTP: DJANGO_SECURE_SSL_REDIRECT=0 and non-secure cookies) on 127.0.0.1:8765, its access log
   in the output folder; one real login through the login form, as a smoke test, and a few
   pages in parallel so that every worker has loaded its templates;
4. locust (bench/load/locustfile.py) headless: the users start over `--ramp` seconds (10, not
   measured: the statistics are reset when the last has started), then `--duration` seconds
   (60) measured, each user waiting `--wait` seconds (0.5–1.5: brisk, near the machine's
   capacity) between actions; with `--restart-postgres`,
   `pg_ctlcluster --skip-systemctl-redirect <version> main restart` (as root) at `--restart-at`
   seconds of the measured time, timed, every failed request's time kept;
5. gunicorn stopped; the reports acknowledged by the server (HTTP 302) counted against the rows
   in ProgressReport carrying this run's marker: every acknowledged report must be there. The
   users finish the action they are in after the time is up (up to 10 s): those requests are
   not in locust's table but their reports are in the count.

It prints a Markdown table (requests, failures, requests/s, median and 95th percentile per
endpoint, the trivial URLs beside them), the CPU time gunicorn and locust used, and the
machine's facts, and writes them with locust's CSV files, the timeline and the logs to the
output folder (`--out`, default /tmp/unionreform-load/<time>). Exit status 1 when an
acknowledged report is missing, when the steady run (no restart) had any failure, or when
requests still failed 5 s after a restarted PostgreSQL accepted connections again.
"""

from __future__ import annotations

import argparse
import csv
import http.cookiejar
import json
import os
import platform
import re
import resource
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def log(text: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {text}", flush=True)


def run(command: list[str], env: dict[str, str], **options: object) -> str:
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, check=False, **options
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")
    return done.stdout


# -- the database ------------------------------------------------------------------------------


def ensure_database(admin_url: str, name: str, fresh: bool) -> None:
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            if not name.endswith("_load"):
                raise SystemExit(f"--fresh drops only a database named …_load, not {name}")
            log(f"dropping {name}")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def measure_count(db_url: str) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT count(*) FROM tasks_measure").fetchone()[0]


def make_data(env: dict[str, str], db_url: str, measures: int, seed: int) -> str:
    """Data for an empty database: generate_demo when it exists, else the seeds."""
    count = measure_count(db_url)
    if count:
        return f"{count} measures already in the database"
    if (ROOT / "tasks/management/commands/generate_demo.py").exists():
        log(f"generate_demo --measures {measures} --seed {seed}")
        run([*MANAGE, "generate_demo", "--measures", str(measures), "--seed", str(seed)], env)
        return f"generate_demo --measures {measures} --seed {seed}"
    log("import_seeds (generate_demo is not there)")
    run([*MANAGE, "import_seeds"], env)
    return "the seeds (import_seeds; generate_demo was not available)"


def cluster() -> tuple[str, str]:
    """The version and name of the PostgreSQL cluster on port 5432 (pg_lsclusters)."""
    lines = subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for line in lines:
        version, name, port, *_ = line.split()
        if port == "5432":
            return version, name
    raise SystemExit("no PostgreSQL cluster on port 5432 (pg_lsclusters)")


# -- the server --------------------------------------------------------------------------------


def wait_ready(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    opener = urllib.request.build_opener(NoRedirect)
    while time.monotonic() < deadline:
        try:
            opener.open(f"{url}/favicon.ico", timeout=2)
        except urllib.error.HTTPError as error:
            if error.code == 301:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer at {url} within {seconds} s")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def smoke_login(url: str, username: str, password: str) -> urllib.request.OpenerDirector:
    """One real login through the form (CSRF, axes, the password check), then the dashboard."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"{url}/accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    try:
        opener.open(f"{url}/accounts/login/", data=data, timeout=10)
        raise SystemExit("smoke login: the login form did not redirect (wrong password?)")
    except urllib.error.HTTPError as error:
        if error.code != 302:
            raise SystemExit(f"smoke login: HTTP {error.code}") from None
    dashboard = opener.open(f"{url}/", timeout=30)
    if dashboard.status != 200 or 'name="password"' in dashboard.read().decode():
        raise SystemExit("smoke login: the dashboard did not open after logging in")
    return opener


def warm_up(url: str, opener: urllib.request.OpenerDirector, workers: int) -> None:
    """A few pages in parallel, so that every worker has loaded its templates before the run."""
    from concurrent.futures import ThreadPoolExecutor

    pages = ["/", "/measures/?page=1", "/measures/?light=red"] * (2 * workers)
    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        list(pool.map(lambda page: opener.open(f"{url}{page}", timeout=30).read(), pages))


# -- the PostgreSQL restart --------------------------------------------------------------------


def restart_postgres(at: float, started: float, record: dict[str, float]) -> None:
    time.sleep(max(0.0, started + at - time.time()))
    version, name = cluster()
    record["restart_begin"] = time.time()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"], check=False
    )
    record["restart_end"] = time.time()
    while subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode:
        time.sleep(0.1)
    record["accepting"] = time.time()


def restart_story(
    failures: list[list], timeline: list[list], record: dict[str, float]
) -> dict[str, object]:
    """When requests failed around the restart, and from when on they all succeeded again."""
    begin = record["restart_begin"]
    times = [at for at, _name, _error in failures]
    by_name: dict[str, int] = {}
    for _at, name, _error in failures:
        by_name[name] = by_name.get(name, 0) + 1
    after = [c["ok"] for second, c in timeline if times and second > max(times)]
    return {
        "pg_restart_took_s": round(record["restart_end"] - begin, 2),
        "pg_accepting_after_s": round(record["accepting"] - begin, 2),
        "failures": len(times),
        "failures_by_endpoint": by_name,
        "first_failure_after_s": round(min(times) - begin, 2) if times else None,
        "last_failure_after_s": round(max(times) - begin, 2) if times else None,
        "failures_outside_the_restart": sum(
            1 for at in times if not begin - 1 <= at <= record["accepting"] + 5
        ),
        "successes_after_the_last_failure": sum(after),
    }


# -- the report --------------------------------------------------------------------------------


def read_stats(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


ACCESS_LINE = re.compile(r'\[([^\]]+)\] "(GET|POST) (\S+) [^"]*" (\d+) \S+ (\d+)ms')


def stats_name(method: str, path: str) -> str | None:
    """The locustfile's name for a request in gunicorn's access log."""
    if path == "/":
        return "GET / (dashboard)"
    if path.startswith("/measures/?") or path == "/measures/":
        return "GET /measures/ (task book)"
    if re.match(r"/measures/\d+/report", path):
        return f"{method} /measures/[id]/report"
    if path in ("/favicon.ico", "/static/css/app.css"):
        return f"GET {path} (trivial)"
    return None


def in_worker_times(access_log: Path, begin: float, end: float) -> dict[str, list[int]]:
    """Milliseconds each request spent inside a gunicorn worker (queueing before it excluded),
    by endpoint, for the requests logged between `begin` and `end`."""
    times: dict[str, list[int]] = {}
    for line in access_log.read_text().splitlines():
        match = ACCESS_LINE.search(line)
        if not match:
            continue
        at = datetime.strptime(match[1], "%d/%b/%Y:%H:%M:%S %z").timestamp()
        name = stats_name(match[2], match[3])
        if name and begin <= at < end:
            times.setdefault(name, []).append(int(match[5]))
            times.setdefault("Aggregated", []).append(int(match[5]))
    return times


def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0


def table(rows: list[dict[str, str]], worker: dict[str, list[int]]) -> str:
    lines = [
        "| endpoint | requests | failures | req/s | median ms | p95 ms | max ms "
        "| in worker: median | p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = "**all**" if row["Name"] == "Aggregated" else f"`{row['Name']}`"
        own = worker.get(row["Name"], [])
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} "
            f"| {float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} "
            f"| {float(row['Max Response Time']):.0f} "
            f"| {percentile(own, 0.5)} | {percentile(own, 0.95)} |"
        )
    return "\n".join(lines)


def cpu_seconds() -> float:
    """CPU time of this script's children waited for so far (locust, once it has exited)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def group_cpu_seconds(group: int) -> float:
    """CPU time used so far by the processes of a process group (gunicorn's master and workers,
    the workers already replaced included)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp; then utime, stime, cutime, cstime
            total += sum(int(x) for x in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def machine(admin_url: str, workers: int) -> dict[str, str]:
    import django
    import gunicorn
    import locust

    with psycopg.connect(f"{admin_url}/postgres") as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    meminfo = Path("/proc/meminfo").read_text()
    kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    return {
        "date": datetime.now().astimezone().isoformat(timespec="minutes"),
        "cores (nproc)": str(os.cpu_count()),
        "RAM": f"{kib / 1024 / 1024:.0f} GiB",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "PostgreSQL": pg.split()[0],
        "gunicorn": f"{gunicorn.__version__} ({workers} sync workers)",
        "locust": locust.__version__,
        "load average before": " ".join(f"{x:.2f}" for x in LOAD_BEFORE),
    }


LOAD_BEFORE = os.getloadavg()  # the machine may be shared: how busy it was when the run began


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Load test: gunicorn + PostgreSQL, logged-in users (see the docstring)."
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds measured (≤ 100)")
    parser.add_argument(
        "--ramp", type=int, default=10, help="seconds to start the users in, not measured"
    )
    parser.add_argument("--wait", default="0.5,1.5", help="think time min,max seconds")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default="unionreform_load")
    parser.add_argument("--fresh", action="store_true", help="drop and remake the database")
    parser.add_argument("--measures", type=int, default=2000, help="for generate_demo")
    parser.add_argument("--seed", type=int, default=1, help="for generate_demo")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: default)")
    parser.add_argument("--restart-postgres", action="store_true")
    parser.add_argument(
        "--restart-at", type=float, default=25.0, help="seconds into the measured time"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    duration = min(args.duration, 100)  # bounded: the whole run stays near two minutes
    ramp = max(1, min(args.ramp, 20))

    run_id = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out or Path("/tmp/unionreform-load") / run_id
    out.mkdir(parents=True, exist_ok=True)
    admin_url = os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    db_url = f"{admin_url}/{args.database}"
    url = f"http://127.0.0.1:{args.port}"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # loopback is plain HTTP
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        "DJANGO_CSRF_COOKIE_SECURE": "0",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": db_url,
    }

    ensure_database(admin_url, args.database, args.fresh)
    log("migrate")
    run([*MANAGE, "migrate", "--noinput"], env)
    data = make_data(env, db_url, args.measures, args.seed)
    log("accounts, sessions and report slots (bench/load/data.py prepare)")
    plan = out / "plan.json"
    print(
        run(
            [sys.executable, str(HERE / "data.py"), "prepare", "--users", str(args.users),
             "--run-id", run_id, "--plan", str(plan)],
            env,
        ).strip()
    )  # fmt: skip
    run([*MANAGE, "collectstatic", "--noinput", "--verbosity", "0"], env)

    server_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
        "GUNICORN_ACCESSLOG": str(out / "access.log"),
    }
    if args.workers:
        server_env["GUNICORN_WORKERS"] = str(args.workers)
    server_log = open(out / "gunicorn.log", "w")  # noqa: SIM115 (open while the server runs)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT,
        env=server_env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as one below
    )
    record: dict[str, float] = {}
    try:
        wait_ready(url)
        workers = len(
            subprocess.run(
                ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
            ).stdout.split()
        )
        log(f"gunicorn up at {url} with {workers} workers; one real login through the form")
        smoke = json.loads(plan.read_text())["smoke_login"]
        warm_up(url, smoke_login(url, smoke["username"], smoke["password"]), workers)

        log(f"locust: {args.users} users started in {ramp} s, then {duration} s measured" + (
            f", PostgreSQL restarted at {args.restart_at:.0f} s" if args.restart_postgres else ""
        ))  # fmt: skip
        locust_env = {
            **os.environ,
            "LOAD_PLAN": str(plan),
            "LOAD_OUT": str(out),
            "LOAD_WAIT": args.wait,
        }
        started = time.time()
        cpu_before = cpu_seconds()
        server_cpu_before = group_cpu_seconds(server.pid)
        restarter = None
        if args.restart_postgres:
            restarter = threading.Thread(
                target=restart_postgres, args=(ramp + args.restart_at, started, record), daemon=True
            )
            restarter.start()
        with open(out / "locust.log", "w") as locust_log:
            subprocess.run(
                [str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
                 "--users", str(args.users), "--spawn-rate", str(args.users / ramp),
                 "--reset-stats", "--run-time", f"{ramp + duration}s", "--stop-timeout", "10",
                 "--host", url,
                 "--csv", str(out / "locust"), "--only-summary", "--exit-code-on-error", "0"],
                cwd=ROOT, env=locust_env, stdout=locust_log, stderr=subprocess.STDOUT,
                timeout=ramp + duration + 60, check=True,
            )  # fmt: skip
        elapsed = time.time() - started
        cpu_locust = cpu_seconds() - cpu_before
        cpu_gunicorn = group_cpu_seconds(server.pid) - server_cpu_before
        if restarter is not None:
            restarter.join(timeout=60)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the process group started above
        server.wait(timeout=40)
        server_log.close()
    cores = os.cpu_count() or 1
    cpu = {
        "gunicorn_cpu_s": round(cpu_gunicorn, 1),
        "locust_cpu_s": round(cpu_locust, 1),
        "gunicorn_share_of_machine": f"{cpu_gunicorn / (elapsed * cores):.0%}",
        "locust_share_of_machine": f"{cpu_locust / (elapsed * cores):.0%}",
    }

    log("counting the reports")
    counted = json.loads(
        run(
            [sys.executable, str(HERE / "data.py"), "count", "--run-id", run_id,
             "--acked", str(out / "acked.json")],
            env,
        )
    )  # fmt: skip
    stats = read_stats(out / "locust")
    measured_from = started + ramp
    worker = in_worker_times(out / "access.log", measured_from, measured_from + duration)
    facts = machine(admin_url, workers)
    summary: dict[str, object] = {
        "run_id": run_id,
        "users": args.users,
        "duration_s": duration,
        "think_time_s": args.wait,
        "data": data,
        "machine": facts,
        "reports": counted,
        "cpu": cpu,
        "stats": stats,
    }
    if args.restart_postgres:
        summary["restart"] = restart_story(
            json.loads((out / "failures.json").read_text()),
            json.loads((out / "timeline.json").read_text()),
            record,
        )
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))

    text = [
        f"## {'PostgreSQL restart' if args.restart_postgres else 'Steady run'}: "
        f"{args.users} users, {duration} s, think time {args.wait} s — {facts['date']}",
        "",
        table(stats, worker),
        "",
        f"Data: {data}.",
        "Reports acknowledged (302): {acknowledged}; rows with the run's marker: {rows}; "
        "acknowledged but missing: {lost_n}; saved without an answer: {unacknowledged_rows}."
        .format(lost_n=len(counted["lost"]), **counted),
        "",
        "CPU over the run: gunicorn {gunicorn_cpu_s} s ({gunicorn_share_of_machine} of the "
        "machine), locust {locust_cpu_s} s ({locust_share_of_machine}).".format(**cpu),
        "",
        " · ".join(f"{key}: {value}" for key, value in facts.items()),
    ]  # fmt: skip
    if args.restart_postgres:
        text += ["", "Restart: " + json.dumps(summary["restart"])]
    text += ["", f"Files: {out}"]
    report = "\n".join(text)
    (out / "summary.md").write_text(report + "\n")
    print(report)

    failures = sum(int(row["Failure Count"]) for row in stats if row["Name"] == "Aggregated")
    if counted["lost"]:
        print("FAILED: acknowledged reports are missing from the database", file=sys.stderr)
        return 1
    if args.restart_postgres and summary["restart"]["failures_outside_the_restart"]:
        print("FAILED: requests still failed 5 s after PostgreSQL was back", file=sys.stderr)
        return 1
    if failures and not args.restart_postgres:
        print(f"FAILED: {failures} failed requests in the steady run", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
