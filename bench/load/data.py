"""The load test's data, through Django's ORM (run by bench/load/run.py; not a management command).

    DATABASE_URL=postgres://…/unionreform_load DJANGO_SECRET_KEY=… \\
        .venv/bin/python bench/load/data.py prepare --users 50 --run-id R --plan plan.json
    … bench/load/data.py count --run-id R --acked acked.json

`prepare` makes the virtual users' accounts and sessions and hands each user the reports it
will file:

- accounts `load01` … `loadNN`, in the 改革办 group (the office may file the report of any
  measure, so the report form is open to each of them); kept between runs;
- a logged-in session for each (Django's own login, through the test client's `force_login`),
  so the 60 s measure pages rather than password hashing; the session is signed with
  DJANGO_SECRET_KEY, which must be the one gunicorn gets. `load01` also gets a password, given
  back in the plan, for one real login through the form before the run;
- for each user a list of (measure, period) pairs that have no report yet, no pair in two
  lists: every report acknowledged by the server is then one new row, and the count afterwards
  means something (filing a period again corrects the same row, see tasks/reporting.py).

`count` compares what the load tool saw acknowledged (HTTP 302 to the measure page) with the
rows in ProgressReport whose text carries this run's marker, and prints the result as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionreform.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.test import Client  # noqa: E402

from tasks import clock, roles  # noqa: E402
from tasks.models import Measure, ProgressReport  # noqa: E402
from tasks.periods import Period  # noqa: E402

PAIRS_PER_USER = 200


def marker(run_id: str) -> str:
    """The start of every report text the run files: how its rows are found again."""
    return f"[load {run_id}]"


def prepare(users: int, run_id: str, plan_path: Path) -> None:
    User = get_user_model()
    office = Group.objects.get(name=roles.COORDINATOR)
    password = secrets.token_urlsafe(16)
    accounts = []
    for n in range(1, users + 1):
        user, _ = User.objects.get_or_create(
            username=f"load{n:02d}", defaults={"first_name": f"压测用户{n:02d}"}
        )
        if n == 1:
            user.set_password(password)  # one hash: the smoke login
        else:
            user.set_unusable_password()
        user.is_active = True
        user.save()
        user.groups.add(office)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        accounts.append(
            {
                "username": user.username,
                "sessionid": client.cookies[settings.SESSION_COOKIE_NAME].value,
            }
        )

    # Free (measure, period) pairs, from the current month backwards, dealt out in turn.
    measure_ids = list(Measure.objects.order_by("rank", "pk").values_list("pk", flat=True))
    if not measure_ids:
        raise SystemExit("The load database has no measures: import the seeds first.")
    taken = set(ProgressReport.objects.values_list("measure_id", "period"))
    needed = PAIRS_PER_USER * users
    pairs: list[tuple[int, str]] = []
    period = Period.containing(clock.today())
    while len(pairs) < needed:
        pairs.extend((pk, str(period)) for pk in measure_ids if (pk, str(period)) not in taken)
        period = period.previous()
    for index, account in enumerate(accounts):
        account["pairs"] = pairs[index:needed:users]

    plan = {
        "run_id": run_id,
        "marker": marker(run_id),
        "measures": len(measure_ids),
        "page_size": settings.TASKS_PAGE_SIZE,
        "smoke_login": {"username": accounts[0]["username"], "password": password},
        "users": accounts,
    }
    plan_path.write_text(json.dumps(plan, ensure_ascii=False))
    print(
        f"prepared {users} users, {len(measure_ids)} measures, "
        f"{PAIRS_PER_USER} free report slots each (back to {period.next()})"
    )


def count(run_id: str, acked_path: Path) -> None:
    acked = {(pk, period) for pk, period in json.loads(acked_path.read_text())}
    stored = set(
        ProgressReport.objects.filter(done_text__startswith=marker(run_id)).values_list(
            "measure_id", "period"
        )
    )
    result = {
        "acknowledged": len(acked),
        "rows": len(stored),
        "lost": sorted(acked - stored),  # acknowledged but not in the database: must be empty
        "unacknowledged_rows": len(stored - acked),  # saved, but the answer never arrived
        "reports_total": ProgressReport.objects.count(),
    }
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("prepare")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--run-id", required=True)
    p.add_argument("--plan", type=Path, required=True)
    c = commands.add_parser("count")
    c.add_argument("--run-id", required=True)
    c.add_argument("--acked", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.users, args.run_id, args.plan)
    else:
        count(args.run_id, args.acked)


if __name__ == "__main__":
    main()
