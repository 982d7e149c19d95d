"""One benchmark run on one database at one size: `python bench/measure.py pages|export …`.

Run by bench/run.py in a fresh process per database and size, with DATABASE_URL naming a
database that generate_demo has already filled; prints one JSON object on its last line.

- `pages`: for each staff screen and Django admin's measure changelist, the queries of one
  request and the median time of several (the test client: Django's whole request cycle,
  middleware and templates included, no network); on PostgreSQL also EXPLAIN of the task book's
  filtered queries (does any scan the measures table sequentially?).
- `export xlsx|csv`: one ledger download, consumed to the last byte: its time and size, the
  process's peak resident memory, and the peak of Python allocations (tracemalloc).
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionreform.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, F  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tasks import clock, roles  # noqa: E402
from tasks.models import Measure, ReformArea, ResponsibleBody, Source  # noqa: E402
from tasks.reporting import current_period  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "9"))
WARM_UP = 2


def client() -> Client:
    user, _ = get_user_model().objects.get_or_create(
        username="bench-coordinator", defaults={"is_staff": True}
    )
    user.groups.add(Group.objects.get(name=roles.COORDINATOR))
    browser = Client()
    browser.force_login(user)
    return browser


def _get(browser: Client, url: str) -> int:
    response = browser.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    for _chunk in getattr(response, "streaming_content", ()):
        pass
    return len(response.content) if not response.streaming else 0


def federation_urls() -> dict[str, str]:
    """The province office's screens over a plan handed down to cities and counties."""
    handed = (
        Measure.objects.filter(parent__isnull=True, children__federation__parent__isnull=False)
        .exclude(children__federation=F("federation"))
        .order_by("rank")
        .first()
    )
    return {
        "dashboard": "/",
        "task book, first page": "/measures/",
        "measure matrix": f"/measures/{handed.pk}/",
        **api_urls(),
    }


def api_urls() -> dict[str, str]:
    """The API's list of measures, as a system copying the plan reads it: the first page, and
    the changes of the last day (the whole plan, when it was generated today)."""
    since = urlencode({"updated_since": (clock.now() - timedelta(days=1)).isoformat()})
    return {
        "API measures, first page": "/api/v1/measures/",
        "API measures changed since yesterday": f"/api/v1/measures/?{since}",
    }


def page_urls() -> dict[str, str]:
    """The screens, with filter values that pick a realistic slice of the plan."""
    if os.environ.get("BENCH_FEDERATED"):
        return federation_urls()
    count = Measure.objects.count()
    # a measure of the demo plan (the seeded ones have no lead body), its filter never empty
    assigned = Measure.objects.exclude(lead_body=None).order_by("rank")
    measure = assigned[assigned.count() // 2]
    body = measure.lead_body_id
    last_page = max(1, -(-count // 50))
    area = ReformArea.objects.order_by("order").first()
    return {
        "dashboard": "/",
        "task book, first page": "/measures/",
        "task book, filtered": f"/measures/?lead_body={body}&status={measure.status}",
        "task book, last page": f"/measures/?page={last_page}",
        "measure page": f"/measures/{measure.pk}/",
        "timetable": f"/timetable/?area={area.pk}",
        "timetable, unfiltered": "/timetable/",
        "priorities": "/priorities/",
        "period report table": f"/reports/?period={current_period(clock.today()).previous()}",
        "待办 (the office)": "/todo/",
        "admin changelist (peer)": "/admin/tasks/measure/",
        **api_urls(),
    }


def filtered_queries() -> dict[str, str]:
    """Every filter of the task book, one selective value each, for EXPLAIN."""
    measure = Measure.objects.exclude(owner=None).order_by("rank")[Measure.objects.count() // 3]
    body = ResponsibleBody.objects.filter(cooperating_measures__isnull=False).first()
    source = Source.objects.annotate(size=Count("areas__measures")).order_by("size", "pk").first()
    day = clock.today()
    return {
        "text": f"/measures/?q={measure.title}",  # looking for one measure by its title
        "source": f"/measures/?source={source.pk}",
        "area": f"/measures/?area={measure.area_id}",
        "lead body": f"/measures/?lead_body={measure.lead_body_id}",
        "cooperating body": f"/measures/?body={body.pk}" if body else "",
        "person responsible": f"/measures/?owner={measure.owner_id}",
        "status": "/measures/?status=suspended",
        "priority": "/measures/?priority=1",
        "overdue": "/measures/?overdue=yes",
        "due between": f"/measures/?due_after={day:%Y-%m-%d}&due_before={day:%Y-%m}-28",
        "sort by due date": "/measures/?sort=due&status=suspended",
        "sort by progress": "/measures/?sort=-progress&status=suspended",
    }


def measure_pages() -> dict:
    browser = client()
    results = {}
    for name, url in page_urls().items():
        for _ in range(WARM_UP):
            _get(browser, url)
        with CaptureQueriesContext(connection) as queries:
            _get(browser, url)
        count = len(queries)  # now: the next request empties the query log
        size = _get(browser, url)
        rows = browser.get(url).content.decode().count('<tr id="measure-')
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            _get(browser, url)
            times.append(time.perf_counter() - start)
        results[name] = {
            "url": url,
            "queries": count,
            "kb": round(size / 1024, 1),
            "rows": rows,  # the task book's measures shown (a filter matches more in a big plan)
            "median_ms": round(statistics.median(times) * 1000, 1),
        }
    return {"pages": results, "explain": explain_filters(browser)}


def explain_filters(browser: Client) -> dict:
    """Which of the task book's filtered queries scan tasks_measure sequentially (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return {}
    scans = {}
    for name, url in filtered_queries().items():
        if not url:
            continue
        with CaptureQueriesContext(connection) as queries:
            _get(browser, url)
        seq = []
        for query in queries.captured_queries:
            sql = query["sql"]
            if "tasks_measure" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            if re.search(r"Seq Scan on tasks_measure\b", plan):
                seq.append(sql[:160])
        scans[name] = seq
    return scans


def measure_export(kind: str) -> dict:
    browser = client()
    url = f"/measures/export.{kind}"
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    size = 0
    response = browser.get(url)
    for chunk in response.streaming_content:
        size += len(chunk)
    seconds = time.perf_counter() - start
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    response = browser.get(url)
    for _chunk in response.streaming_content:
        pass
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": round(seconds, 2),
        "bytes": size,
        "rows": Measure.objects.count(),
        "peak_rss_mb": round(peak_rss / 1024, 1),
        "rss_growth_mb": round((peak_rss - baseline) / 1024, 1),
        "python_peak_mb": round(traced_peak / 1024 / 1024, 1),
    }


if __name__ == "__main__":
    what = sys.argv[1]
    result = measure_pages() if what == "pages" else measure_export(sys.argv[2])
    print(json.dumps(result, ensure_ascii=False))
