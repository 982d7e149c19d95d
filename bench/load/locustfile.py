"""The virtual users of the load test (locust). Run through `make loadtest` (bench/load/run.py),
which prepares the plan this file reads (LOAD_PLAN) and starts gunicorn; by hand:

    LOAD_PLAN=plan.json LOAD_OUT=out/ .venv/bin/locust -f bench/load/locustfile.py --headless \\
        -u 50 -r 25 -t 60s --host http://127.0.0.1:8765 --csv out/locust

Each virtual user is one logged-in 改革办 account (its session comes from the plan) and, after a
think time of LOAD_WAIT seconds ("min,max", default 0.5–1.5), does one of:

- (weight 3) the dashboard `/`: `GET / (dashboard)`;
- (3) the task book `/measures/`, a random page of 50 (60%) or a filter (red light, overdue
  sorted by due date, a text search, a status): `GET /measures/ (task book)`;
- (2) the report form of its next (measure, period): `GET /measures/[id]/report`, then
  `POST /measures/[id]/report` with the form's CSRF token — a new report each time;
- (1) `/favicon.ico`, a redirect without login: Django's whole middleware stack, no page;
- (1) `/static/css/app.css`, served by WhiteNoise inside the same gunicorn workers.

The last two are the trivial URLs the pages are compared with.

A page counts as a success only with its expected status (200; 302 for the filed report, to the
measure page; 301 for the favicon) and never when it is the login page. Every acknowledged
report's (measure, period) is written to LOAD_OUT/acked.json when locust quits, and a per-second
timeline of successes and failures to LOAD_OUT/timeline.json, each failure with its time to
LOAD_OUT/failures.json (to see a PostgreSQL restart).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from collections import defaultdict
from pathlib import Path

from locust import FastHttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
OUT = Path(os.environ.get("LOAD_OUT", "."))
WAIT = tuple(float(x) for x in os.environ.get("LOAD_WAIT", "0.5,1.5").split(","))
PAGES = max(1, -(-PLAN["measures"] // PLAN["page_size"]))
TASK_BOOK_FILTERS = ["?light=red", "?overdue=yes&sort=due", "?q=工会", "?status=in_progress"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TEXT = (
    "本月召开专题会议，研究部署改革任务推进工作；完成基层调研，形成问题清单和整改台账；"
    "与相关责任单位对接协调，推动配套制度起草。"
)

_accounts = itertools.count()
acked: list[tuple[int, str]] = []
timeline: dict[int, dict[str, int]] = defaultdict(lambda: {"ok": 0, "failed": 0})
failures: list[tuple[float, str, str]] = []


@events.request.add_listener
def _on_request(name: str = "", exception: Exception | None = None, **_: object) -> None:
    now = time.time()
    timeline[int(now)]["failed" if exception else "ok"] += 1
    if exception:
        failures.append((now, name, str(exception)[:200]))


@events.quitting.add_listener
def _on_quitting(**_: object) -> None:
    (OUT / "acked.json").write_text(json.dumps(acked))
    (OUT / "timeline.json").write_text(json.dumps(sorted(timeline.items())))
    (OUT / "failures.json").write_text(json.dumps(failures))


class Cadre(FastHttpUser):
    """One office member clicking through the tracker."""

    wait_time = between(*WAIT)
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        account = PLAN["users"][next(_accounts) % len(PLAN["users"])]
        self.username = account["username"]
        self.pairs = iter(account["pairs"])
        self.client.cookiejar.set_cookie(_cookie("sessionid", account["sessionid"]))

    def _page(self, url: str, name: str, expected: int = 200):
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != expected:
                response.failure(f"HTTP {response.status_code}")
            elif expected == 200 and 'name="password"' in (response.text or ""):
                response.failure("the login page")
            return response

    @task(3)
    def dashboard(self) -> None:
        self._page("/", "GET / (dashboard)")

    @task(3)
    def task_book(self) -> None:
        if random.random() < 0.6:
            url = f"/measures/?page={random.randint(1, PAGES)}"
        else:
            url = "/measures/" + random.choice(TASK_BOOK_FILTERS)
        self._page(url, "GET /measures/ (task book)")

    @task(2)
    def file_report(self) -> None:
        pk, period = next(self.pairs, (None, None))
        if pk is None:  # this user's free report slots are used up (200 by default)
            return
        url = f"/measures/{pk}/report?period={period}"
        form = self._page(url, "GET /measures/[id]/report")
        token = CSRF.search(form.text or "") if form.status_code == 200 else None
        if token is None:
            return
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "status": "in_progress",
            "progress": str(random.randrange(0, 100, 5)),
            "done_text": f"{PLAN['marker']} {self.username} {period}：{TEXT}",
            "problems": "个别配合单位反馈不及时。",
            "next_steps": "下月完成制度文件报审。",
        }
        with self.client.post(
            url,
            data=data,
            name="POST /measures/[id]/report",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code == 302 and f"/measures/{pk}/" in location:
                acked.append((pk, period))
            else:
                response.failure(f"HTTP {response.status_code}, not filed")

    @task(1)
    def favicon(self) -> None:
        self._page("/favicon.ico", "GET /favicon.ico (trivial)", expected=301)

    @task(1)
    def stylesheet(self) -> None:
        self._page("/static/css/app.css", "GET /static/css/app.css (trivial)")


def _cookie(name: str, value: str):
    from http.cookiejar import Cookie

    return Cookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain="127.0.0.1",
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={},
    )
