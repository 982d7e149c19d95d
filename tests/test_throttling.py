"""Failed logins are throttled per account and per address, each with its own limit, and the
client's address is the one the trusted proxy saw, never one the client chose."""

import logging

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory

from tests.factories import UserFactory
from unionreform.middleware import client_address

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-2026"  # what UserFactory gives everyone
ACCOUNT_LIMIT = settings.AXES_FAILURE_LIMIT
ADDRESS_LIMIT = settings.TASKS_LOGIN_ADDRESS_FAILURE_LIMIT


def _login(client, username, password, address, url="/accounts/login/", **headers):
    data = {"username": username, "password": password}
    return client.post(url, data, REMOTE_ADDR=address, **headers)


@pytest.fixture
def cadre(db):
    return UserFactory(username="cadre")


def test_the_limits_are_apart():
    assert (ACCOUNT_LIMIT, ADDRESS_LIMIT) == (5, 50)
    assert settings.AXES_HANDLER == "unionreform.throttling.AccountAndAddressHandler"


def test_an_office_behind_one_address_mistyping_once_each_is_not_locked(client, cadre):
    colleagues = [UserFactory(username=f"colleague{n}") for n in range(5)]
    for colleague in colleagues:
        assert _login(client, colleague.username, "typo", "10.1.1.1").status_code == 200
    assert not AccessAttempt.objects.filter(failures_since_start__gte=ACCOUNT_LIMIT).exists()
    # a sixth colleague, and each of the five, then log in from the same address
    for user in [cadre, *colleagues]:
        response = _login(client, user.username, PASSWORD, "10.1.1.1")
        assert response.status_code == 302, user
        client.post("/accounts/logout/")


def test_an_account_is_locked_after_repeated_failures_from_anywhere(client, cadre, caplog):
    for attempt in range(ACCOUNT_LIMIT - 1):
        response = _login(client, "cadre", f"wrong-{attempt}", f"10.0.0.{attempt + 1}")
        assert response.status_code == 200  # the usual "wrong password" form
    caplog.set_level(logging.WARNING, logger="tasks.access")
    locked = _login(client, "cadre", "still-wrong", "10.0.0.99")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "登录失败次数过多" in html and f"{ACCOUNT_LIMIT} 次" in html and "15 分钟" in html
    assert "该账号" in html  # it says the account is paused, not the address
    # even the right password, from yet another address, waits out the pause
    assert _login(client, "cadre", PASSWORD, "10.0.0.100").status_code == 429
    assert "_auth_user_id" not in client.session
    lines = [r.getMessage() for r in caplog.records if r.name == "tasks.access"]
    assert any("login locked for 'cadre'" in line and "account paused" in line for line in lines)
    # other accounts from the same addresses are not affected
    UserFactory(username="neighbour")
    assert _login(client, "neighbour", PASSWORD, "10.0.0.99").status_code == 302


def test_an_address_is_locked_after_failures_over_many_accounts(client, cadre, caplog):
    for attempt in range(ADDRESS_LIMIT - 1):
        response = _login(client, f"guess{attempt}", "wrong", "10.0.0.9")
        assert response.status_code == 200, attempt  # no single account reaches its limit
    caplog.set_level(logging.WARNING, logger="tasks.access")
    locked = _login(client, f"guess{ADDRESS_LIMIT}", "wrong", "10.0.0.9")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert f"{ADDRESS_LIMIT} 次" in html and "网络地址" in html and "15 分钟" in html
    assert any("address paused" in r.getMessage() for r in caplog.records)
    # from that address not even a right password goes through ...
    assert _login(client, "cadre", PASSWORD, "10.0.0.9").status_code == 429
    # ... while the same account from another address does
    assert _login(client, "cadre", PASSWORD, "10.0.0.10").status_code == 302


def test_a_success_resets_the_accounts_count(client, cadre):
    for _ in range(ACCOUNT_LIMIT - 1):
        _login(client, "cadre", "wrong", "10.0.0.3")
    assert _login(client, "cadre", PASSWORD, "10.0.0.3").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(ACCOUNT_LIMIT - 1):
        assert _login(client, "cadre", "wrong", "10.0.0.3").status_code == 200


def test_a_success_does_not_forgive_another_accounts_failures(client, cadre):
    """A valid account of one's own must not clear the way to guessing someone else's."""
    UserFactory(username="insider")
    for _ in range(ACCOUNT_LIMIT - 1):
        assert _login(client, "cadre", "guess", "10.0.0.5").status_code == 200
    assert _login(client, "insider", PASSWORD, "10.0.0.5").status_code == 302
    client.post("/accounts/logout/")
    assert _login(client, "cadre", "guess", "10.0.0.5").status_code == 429


def test_admin_login_is_throttled_too(client, cadre):
    for _ in range(ACCOUNT_LIMIT):
        _login(client, "cadre", "wrong", "10.0.0.4", url="/admin/login/")
    assert _login(client, "cadre", PASSWORD, "10.0.0.4", "/admin/login/").status_code == 429


# --- the client's address, through the trusted proxies only -------------------------------------

NGINX = "10.9.0.1"


def _address(remote: str, forwarded: str | None = None) -> str | None:
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **headers))


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        (NGINX, "203.0.113.7", "203.0.113.7"),  # nginx: X-Forwarded-For $remote_addr
        (NGINX, "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # nginx appending to a forged header
        (NGINX, "198.51.100.1, 10.9.0.2, 203.0.113.7", "203.0.113.7"),
        (NGINX, "203.0.113.7, 10.9.0.2", "203.0.113.7"),  # a second trusted proxy in between
        (NGINX, None, NGINX),  # no header: the proxy's own address
        (NGINX, "not-an-address", NGINX),
        (NGINX, " ::ffff:203.0.113.7 ", "203.0.113.7"),
        ("203.0.113.50", "1.2.3.4", "203.0.113.50"),  # gunicorn reached directly: header ignored
        ("", "203.0.113.7", "203.0.113.7"),  # a unix socket: the proxy on this host
        ("", None, None),
    ],
)
def test_client_address_behind_trusted_proxies(settings, remote, forwarded, client):
    settings.TASKS_TRUSTED_PROXIES = [NGINX, "10.9.0.2/32"]
    assert _address(remote, forwarded) == client


def test_client_address_without_a_proxy_is_the_connections(settings):
    settings.TASKS_TRUSTED_PROXIES = []  # DJANGO_SECURE_PROXY_SSL_HEADER off
    assert _address("203.0.113.50", "1.2.3.4") == "203.0.113.50"
    assert _address("127.0.0.1", "1.2.3.4") == "127.0.0.1"


def test_a_client_reaching_gunicorn_directly_cannot_choose_its_address(client, cadre, settings):
    """Before, with X-Forwarded-For read from anyone, each attempt could name a new address
    and the per-address limit never applied; or name the office's and lock it out."""
    settings.TASKS_TRUSTED_PROXIES = [NGINX]
    settings.TASKS_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for n in range(3):
        _login(client, f"guess{n}", "wrong", "203.0.113.50", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.50"}
    forged = _login(client, "cadre", PASSWORD, "203.0.113.50", HTTP_X_FORWARDED_FOR="1.1.1.9")
    assert forged.status_code == 429
    # the office behind nginx, which the forger named, is not locked
    office = _login(client, "cadre", PASSWORD, NGINX, HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert office.status_code == 302


def test_behind_the_proxy_each_client_is_counted_apart(client, cadre, settings):
    settings.TASKS_TRUSTED_PROXIES = [NGINX]
    settings.TASKS_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for n in range(3):
        _login(client, f"guess{n}", "wrong", NGINX, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    locked = _login(client, "cadre", PASSWORD, NGINX, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert locked.status_code == 429
    other = _login(client, "cadre", PASSWORD, NGINX, HTTP_X_FORWARDED_FOR="203.0.113.67")
    assert other.status_code == 302
