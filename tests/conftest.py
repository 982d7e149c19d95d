import io
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command

from tasks import roles
from tests.factories import ResponsibleBodyFactory, UserFactory

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEED_PAGE = PROJECT_DIR / "seeds" / "union-reform-articles.zh.txt"


# The moment every test lives in unless it moves the clock: a Tuesday morning in the middle of
# the reporting period 2026-11, before that period's deadline (5 December).
FROZEN_AT = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class Clock:
    """The one clock of a test: Django, the models' time stamps and the app's `tasks.clock`
    all read it. It stands still until moved."""

    def __init__(self, traveller: time_machine.Traveller) -> None:
        self._traveller = traveller

    def move_to(self, when: date | datetime) -> datetime:
        """Go to a moment; a date means 10:00 on that day in the site's time zone."""
        if not isinstance(when, datetime):
            when = datetime.combine(when, time(10), tzinfo=FROZEN_AT.tzinfo)
        self._traveller.move_to(when)
        return when

    def shift(self, delta: timedelta) -> None:
        self._traveller.shift(delta)


def frozen(at: datetime = FROZEN_AT) -> time_machine.travel:
    """Time standing still (at FROZEN_AT unless told); for fixtures wider than one test, which
    the `clock` fixture does not reach."""
    return time_machine.travel(at, tick=False)


@pytest.fixture(autouse=True)
def clock():
    """Every test runs at FROZEN_AT, whatever the system clock says (tests pass on any day)."""
    with frozen() as traveller:
        yield Clock(traveller)


@pytest.fixture(autouse=True)
def _logins_outlast_the_clock(settings):
    """A test that moves its clock days ahead keeps the login it made at its start."""
    settings.SESSION_COOKIE_AGE = 3 * 365 * 24 * 60 * 60


@pytest.fixture
def seeded(db):
    """The database after `manage.py import_seeds` on the project's own seeds/."""
    call_command("import_seeds", seeds_dir=settings.SEEDS_DIR, stdout=io.StringIO())


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of seeds/, for tests that spoil it."""
    folder = tmp_path / "seeds"
    shutil.copytree(settings.SEEDS_DIR, folder)
    return folder


def _user_in(role: str, username: str):
    return UserFactory(username=username, is_staff=True, groups=[Group.objects.get(name=role)])


@pytest.fixture
def coordinator(db):
    return _user_in(roles.COORDINATOR, "coordinator")


@pytest.fixture
def viewer(db):
    return _user_in(roles.VIEWER, "viewer")


@pytest.fixture
def liaison(db):
    user = _user_in(roles.LIAISON, "liaison")
    ResponsibleBodyFactory(name="企业").members.add(user)
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts without what an earlier one cached (the dashboard's figures)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def queries_for(client, url: str) -> int:
    """How many queries one GET of `url` costs (the response must be a 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.fixture(autouse=True)
def _chinese_first():
    """Each test starts in the site's default language, whatever an earlier request chose."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _notices_sent_inline(settings):
    """Notices go out in the committing request, not a thread, so a test sees them sent."""
    settings.TASKS_NOTICE_DELIVERY = "inline"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the tests use a database file, not one in memory.

    An in-memory database is a single connection that the live server's threads all share, so
    two requests at once (a page and the navigation's 待办 count it fetches) interleave on one
    cursor and corrupt each other's results. With a file, each thread has its own connection,
    as on a real server, and SQLite queues the writers."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = tmp_path_factory.mktemp("database")
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
