"""Failed logins are throttled per account and per address, with a clear message."""

import logging

import pytest
from django.conf import settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT


def _login(client, username, password, address, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def cadre(db):
    return UserFactory(username="cadre")


def test_account_is_locked_after_repeated_failures(client, cadre, caplog):
    for attempt in range(LIMIT - 1):
        response = _login(client, "cadre", f"wrong-{attempt}", "10.0.0.1")
        assert response.status_code == 200  # the usual "wrong password" form
    caplog.set_level(logging.WARNING, logger="tasks.access")
    locked = _login(client, "cadre", "still-wrong", "10.0.0.1")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "登录失败次数过多" in html and f"{LIMIT} 次" in html and "分钟" in html
    # even the right password, from another address, waits out the pause
    assert _login(client, "cadre", "pass-word-2026", "10.0.0.2").status_code == 429
    assert "_auth_user_id" not in client.session
    assert any("login locked" in record.getMessage() for record in caplog.records)


def test_address_is_locked_after_failures_on_many_accounts(client, cadre):
    for attempt in range(LIMIT):
        _login(client, f"guess{attempt}", "wrong", "10.0.0.9")
    assert _login(client, "cadre", "pass-word-2026", "10.0.0.9").status_code == 429
    # the same account from another address is not affected
    response = _login(client, "cadre", "pass-word-2026", "10.0.0.10")
    assert response.status_code == 302


def test_a_success_resets_the_count(client, cadre):
    for _ in range(LIMIT - 1):
        _login(client, "cadre", "wrong", "10.0.0.3")
    assert _login(client, "cadre", "pass-word-2026", "10.0.0.3").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(LIMIT - 1):
        assert _login(client, "cadre", "wrong", "10.0.0.3").status_code == 200


def test_admin_login_is_throttled_too(client, cadre):
    for _ in range(LIMIT):
        _login(client, "cadre", "wrong", "10.0.0.4", url="/admin/login/")
    assert _login(client, "cadre", "pass-word-2026", "10.0.0.4", "/admin/login/").status_code == 429
