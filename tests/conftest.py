import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command

from tasks import roles
from tests.factories import ResponsibleBodyFactory, UserFactory

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEED_PAGE = PROJECT_DIR / "seeds" / "union-reform-articles.zh.txt"


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
