"""`make bench`: the benchmark and its budgets, SQLite and PostgreSQL, 200 and 20,000 measures.

For each database and size: a fresh database, migrated, given the seeded articles and filled by
`generate_demo` (ten reports per measure), then `bench/measure.py` in a fresh process for the
screens and one for each ledger export. The results table, with the machine and the versions,
replaces the benchmark section of docs/PERFORMANCE.md (between its markers; the rest of the file
is left alone), and the budgets are checked: the run exits 1 and lists what broke, if any did.

    python bench/run.py [--sizes 200,20000] [--databases sqlite,postgresql] [--no-write]

PostgreSQL: the server of BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432), in a
database `unionreform_bench` created and dropped by the run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
SEED = 7
REPORTS_PER_MEASURE = 10
# One province at both sizes: its bodies and people are searched by the screens' pickers
# whatever the size of the plan, so the comparison is of plans, not of provinces.
BODIES, USERS = 2000, 1000

# Budgets: the same queries and about the same weight at both sizes on every staff screen; the
# task book, the dashboard and the unfiltered timetable at the large size within 1.5× their time
# at the small one and faster than the admin's changelist; the large XLSX ledger under 10 s and
# 200 MB, memory flat in rows; no sequential scan of measures in the task book's filtered queries
# on PostgreSQL; a 5 MB document imported in seconds (IMPORT_SECONDS).
TIME_RATIO = 1.5
XLSX_SECONDS = 10
XLSX_PEAK_MB = 200
FLAT_MEMORY_MB = 20  # the large export may use at most this much more than the small one
SCALED = ("dashboard", "task book, first page", "timetable, unfiltered")
# No page's weight grows with the plan: a page of rows, the same at both sizes (within this),
# but for the rows a filter matches more of in a bigger plan (up to a page), at ROW_KB each.
SIZE_RATIO = 1.25
ROW_KB = 1.5
# A document at the upload limit (DJANGO_DOCUMENT_MAX_BYTES) is read and proposed in seconds.
IMPORT_BYTES = 5 * 1024 * 1024
IMPORT_SECONDS = 15
PEER = "admin changelist (peer)"
# 层层分解: a province's plan handed down to 13 cities and 100 counties (generate_demo
# --federations), about this many measures across the three levels; the province office's task
# book, dashboard (with the cities ranked) and the matrix below a handed-down measure within
# TIME_RATIO of their time at the small size, with the same queries.
FEDERATION_SIZES = (2_000, 100_000)
FEDERATION_SCALED = (
    "dashboard",
    "task book, first page",
    "measure matrix",
    "API measures, first page",
)
MEASURES_PER_TOP = 23.2  # measures in all for each measure of the province's own plan


def _env(database: str, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SESSION_COOKIE_SECURE="0",
        DJANGO_CSRF_COOKIE_SECURE="0",
    )
    return env


def _run(args: list[str], env: dict[str, str], *, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        check=False,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(args)}")
    return result.stdout or ""


def _database(kind: str, workdir: Path) -> tuple[str, callable]:
    """A fresh empty database: its URL and how to drop it."""
    if kind == "sqlite":
        path = workdir / "bench.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    name = "unionreform_bench"
    admin = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", "--if-exists", *admin, name], check=True)
    subprocess.run(["createdb", *admin, name], check=True)
    return f"{server}/{name}", lambda: subprocess.run(["dropdb", *admin, name], check=False)


def bench_one(kind: str, size: int, workdir: Path, *, federations: bool = False) -> dict:
    url, drop = _database(kind, workdir)
    env = _env(kind, url)
    if federations:
        env["BENCH_FEDERATED"] = "1"
    own = max(20, round(size / MEASURES_PER_TOP)) if federations else size
    try:
        label = "measures across three levels" if federations else "measures"
        print(f"== {kind}, {size} {label}: migrate and generate", flush=True)
        started = time.perf_counter()
        _run(["manage.py", "migrate", "--noinput", "-v0"], env)
        # DEBUG off, as served: the pages name their static files through the manifest
        _run(["manage.py", "collectstatic", "--noinput", "-v0"], env)
        # The four seeded articles beside the demo plan: several sources of very different
        # sizes, as in a federation that has imported more than one document.
        _run(["manage.py", "import_seeds", "-v0"], env)
        _run(
            [
                "manage.py",
                "generate_demo",
                "--force",
                "--measures",
                str(own),
                "--reports",
                str(own * REPORTS_PER_MEASURE),
                *(["--federations"] if federations else []),
                "--bodies",
                str(BODIES),
                "--users",
                str(USERS),
                "--seed",
                str(SEED),
            ],
            env,
        )
        generated = time.perf_counter() - started
        print(f"   generated in {generated:.0f} s; measuring the screens", flush=True)
        pages = json.loads(_run(["bench/measure.py", "pages"], env, capture=True).splitlines()[-1])
        if federations:
            return {"generate_seconds": round(generated), **pages}
        exports = {}
        for export in ("xlsx", "csv"):
            print(f"   measuring the {export} ledger", flush=True)
            out = _run(["bench/measure.py", "export", export], env, capture=True)
            exports[export] = json.loads(out.splitlines()[-1])
        return {"generate_seconds": round(generated), **pages, "exports": exports}
    finally:
        drop()


def measure_imports() -> dict[str, dict]:
    """Reading, parsing and proposing a structured 实施方案 at the size limit (tests/big_documents:
    repeated sections, a city-by-city breakdown), as text and as a Word document."""
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    found = {}
    for name, extra in ((".txt", []), (".docx", ["--docx"])):
        args = ["-m", "tests.big_documents", "--bytes", str(IMPORT_BYTES), "--repeat", "3"]
        found[name] = json.loads(_run([*args, *extra], env, capture=True).splitlines()[-1])
    return found


def check_federation_budgets(results: dict) -> list[str]:
    broken = []
    for kind, sizes in results.items():
        small, large = (sizes[size] for size in sorted(sizes))
        for name in FEDERATION_SCALED:
            before, after = small["pages"][name], large["pages"][name]
            if after["queries"] != before["queries"]:
                broken.append(
                    f"{kind}, federations: {name} makes {before['queries']} queries at "
                    f"{min(sizes)} measures, {after['queries']} at {max(sizes)}"
                )
            ratio = after["median_ms"] / max(before["median_ms"], 0.1)
            if ratio > TIME_RATIO:
                broken.append(f"{kind}, federations: {name} takes {ratio:.2f}× its small time")
    return broken


def check_budgets(results: dict) -> list[str]:
    broken = []
    for kind, sizes in results.items():
        small, large = (sizes[size] for size in sorted(sizes))
        for name, page in large["pages"].items():
            if name != PEER and page["queries"] != small["pages"][name]["queries"]:
                broken.append(
                    f"{kind}: {name} makes {small['pages'][name]['queries']} queries "
                    f"at the small size, {page['queries']} at the large one"
                )
            more_rows = max(0, page.get("rows", 0) - small["pages"][name].get("rows", 0))
            allowed = SIZE_RATIO * small["pages"][name]["kb"] + 2 + ROW_KB * more_rows
            if name != PEER and page["kb"] > allowed:
                broken.append(
                    f"{kind}: {name} weighs {small['pages'][name]['kb']} KB at the small size, "
                    f"{page['kb']} KB at the large one"
                )
        for name in SCALED:
            ratio = large["pages"][name]["median_ms"] / max(small["pages"][name]["median_ms"], 0.1)
            if ratio > TIME_RATIO:
                broken.append(f"{kind}: {name} takes {ratio:.2f}× its small-size time")
            if large["pages"][name]["median_ms"] >= large["pages"][PEER]["median_ms"]:
                broken.append(f"{kind}: {name} is not faster than the admin changelist")
        xlsx, small_xlsx = large["exports"]["xlsx"], small["exports"]["xlsx"]
        if xlsx["seconds"] >= XLSX_SECONDS:
            broken.append(f"{kind}: the XLSX ledger takes {xlsx['seconds']} s")
        if xlsx["peak_rss_mb"] >= XLSX_PEAK_MB:
            broken.append(f"{kind}: the XLSX ledger peaks at {xlsx['peak_rss_mb']} MB")
        if xlsx["python_peak_mb"] - small_xlsx["python_peak_mb"] > FLAT_MEMORY_MB:
            broken.append(f"{kind}: the XLSX ledger's memory grows with its rows")
        for name, scans in large.get("explain", {}).items():
            if scans:
                broken.append(f"{kind}: the task book filtered by {name} scans measures")
    return broken


def _versions() -> str:
    code = (
        "import django, sys; from django.db import connection; import os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'unionreform.settings'); django.setup();"
        "print(sys.version.split()[0], django.get_version())"
    )
    python, django_version = _run(["-c", code], dict(os.environ), capture=True).split()
    postgres = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    import sqlite3

    return (
        f"Python {python}, Django {django_version}, PostgreSQL {postgres or '?'}, "
        f"SQLite {sqlite3.sqlite_version}; {platform.machine()}, {os.cpu_count()} cores, "
        f"{_memory_gb()} GB RAM, {platform.platform(terse=True)}"
    )


def _memory_gb() -> str:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return f"{pages / 1024**3:.0f}"
    except (ValueError, OSError):
        return "?"


def report(results: dict, broken: list[str], imports: dict[str, dict]) -> str:
    lines = [
        START,
        "## Benchmark (`make bench`)",
        "",
        f"Measured {date.today():%Y-%m-%d} by `bench/run.py`: {_versions()}.",
        "Data: the four seeded articles (`import_seeds`, 40 measures), then "
        f"`generate_demo --seed {SEED} --force`: one province of {BODIES:,} bodies and "
        f"{USERS:,} people at both sizes (the pickers search them, whatever the plan's size), "
        f"{REPORTS_PER_MEASURE} reports per measure; each screen's median of "
        f"{os.environ.get('BENCH_REPEATS', '9')} requests after two warm-up ones, through "
        "Django's test client (the whole request cycle, no network), logged in as a coordinator.",
        "",
    ]
    for kind, sizes in results.items():
        small, large = (sizes[size] for size in sorted(sizes))
        s, n = sorted(sizes)
        lines += [
            f"### {kind}",
            "",
            f"Generating the demo data took {small['generate_seconds']} s ({s} measures) and "
            f"{large['generate_seconds']} s ({n} measures).",
            "",
            f"| screen | queries ({s}) | queries ({n}) | KB ({s}) | KB ({n}) "
            f"| median ms ({s}) | median ms ({n}) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, page in small["pages"].items():
            big = large["pages"][name]
            lines.append(
                f"| {name} | {page['queries']} | {big['queries']} | {page['kb']} | {big['kb']} "
                f"| {page['median_ms']} | {big['median_ms']} |"
            )
        lines += [
            "",
            f"| ledger export | seconds ({s}) | seconds ({n}) | size ({n}) | peak RSS MB ({n}) "
            f"| Python peak MB ({s} → {n}) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for export in ("xlsx", "csv"):
            a, b = small["exports"][export], large["exports"][export]
            lines.append(
                f"| {export.upper()} | {a['seconds']} | {b['seconds']} | "
                f"{b['bytes'] / 1024 / 1024:.1f} MB | {b['peak_rss_mb']} | "
                f"{a['python_peak_mb']} → {b['python_peak_mb']} |"
            )
        if large.get("explain"):
            clean = [name for name, scans in large["explain"].items() if not scans]
            lines += [
                "",
                f"EXPLAIN at {n} measures: no sequential scan of `tasks_measure` in the task "
                f"book's queries filtered by {', '.join(clean)}"
                + (
                    "; sequential scans: "
                    + ", ".join(name for name, scans in large["explain"].items() if scans)
                    if len(clean) < len(large["explain"])
                    else "."
                ),
            ]
        lines.append("")
    lines += [
        "### Importing a document at the size limit",
        "",
        "| document | bytes | seconds (best of 3) | areas | measures |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, found in imports.items():
        lines.append(
            f"| a 实施方案 as {name} | {found['bytes']:,} | {found['seconds']} | "
            f"{found['areas']} | {found['measures']} |"
        )
    lines += [
        "",
        "Budgets: " + ("all met." if not broken else "BROKEN — " + "; ".join(broken)),
        END,
    ]
    return "\n".join(lines)


def federation_report(results: dict) -> str:
    """The federation runs as a table: per database, each page at both sizes."""
    if not results:
        return ""
    lines = [
        "",
        "### 层层分解: a province, 13 cities and 100 counties (`generate_demo --federations`)",
        "",
        "The province office's screens; the measure matrix is the page of a measure handed "
        "down to every city (its rows: the cities, their owners, dates, progress, lights and "
        "report states).",
        "",
        "| database | page | queries | KB | ms at "
        + " | ms at ".join(f"{size:,}" for size in FEDERATION_SIZES)
        + " | ratio |",
        "|---|---|---|---|" + "---|" * len(FEDERATION_SIZES) + "---|",
    ]
    for kind, sizes in results.items():
        small, large = (sizes[size] for size in sorted(sizes))
        for name, page in large["pages"].items():
            before = small["pages"][name]
            ratio = page["median_ms"] / max(before["median_ms"], 0.1)
            lines.append(
                f"| {kind} | {name} | {page['queries']} | {page['kb']} | "
                f"{before['median_ms']} | {page['median_ms']} | {ratio:.2f}× |"
            )
    return "\n".join(lines) + "\n"


def write(section: str) -> None:
    text = PERFORMANCE.read_text(encoding="utf-8") if PERFORMANCE.exists() else "# Performance\n"
    if START in text and END in text:
        before, _, rest = text.partition(START)
        _, _, after = rest.partition(END)
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    PERFORMANCE.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,20000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-write", action="store_true", help="do not touch PERFORMANCE.md")
    parser.add_argument(
        "--no-federations", action="store_true", help="skip the three-level federation runs"
    )
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    results: dict[str, dict[int, dict]] = {}
    federated: dict[str, dict[int, dict]] = {}
    with tempfile.TemporaryDirectory() as workdir:
        for kind in options.databases.split(","):
            results[kind] = {size: bench_one(kind, size, Path(workdir)) for size in sizes}
            if not options.no_federations:
                federated[kind] = {
                    size: bench_one(kind, size, Path(workdir), federations=True)
                    for size in FEDERATION_SIZES
                }
    print("== importing a 5 MB document (.txt and .docx)", flush=True)
    imports = measure_imports()
    broken = (
        check_budgets(results)
        + check_federation_budgets(federated)
        + [
            f"importing a 5 MB {name} takes {found['seconds']} s"
            for name, found in imports.items()
            if found["seconds"] >= IMPORT_SECONDS
        ]
    )
    section = report(results, broken, imports).replace(END, federation_report(federated) + END)
    print(section)
    if not options.no_write:
        write(section)
    for line in broken:
        print("BUDGET BROKEN:", line, file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
