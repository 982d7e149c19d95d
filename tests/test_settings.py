"""Settings come from the environment; production refuses to start half-configured."""

import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_DIR

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-test-key-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "tasks.example.org",
}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _setting(env: dict[str, str], expression: str) -> str:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        f"'unionreform.settings'); from django.conf import settings; print(repr(({expression})))"
    )
    result = _run(env, "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_no_default_secret_key_with_debug_off():
    result = _run({"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "x"}, "manage.py", "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_development_defaults():
    assert _setting({}, "settings.DEBUG") == "True"
    assert _setting({}, "settings.DATABASES['default']['ENGINE']") == "'django.db.backends.sqlite3'"
    assert (
        _setting({}, "settings.LANGUAGE_CODE, settings.TIME_ZONE") == "('zh-hans', 'Asia/Shanghai')"
    )
    assert _setting({}, "settings.MAILERS['default']['BACKEND']").endswith("console.EmailBackend'")


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [
        ("sqlite:////tmp/ledger.sqlite3", "django.db.backends.sqlite3", "/tmp/ledger.sqlite3"),
        (
            "postgres://cadre:secret@db.internal:5432/ledger",
            "django.db.backends.postgresql",
            "ledger",
        ),
    ],
)
def test_database_url(url, engine, name):
    value = _setting(
        {"DATABASE_URL": url},
        "settings.DATABASES['default']['ENGINE'], "
        "settings.DATABASES['default']['NAME'], "
        "settings.DATABASES['default']['ATOMIC_REQUESTS']",
    )
    assert value == repr((engine, name, True))


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ("", "-c jit=off"),
        ("?options=-c%20work_mem%3D64MB", "-c work_mem=64MB -c jit=off"),
        ("?options=-c%20jit%3Don", "-c jit=on"),
    ],
)
def test_postgresql_connections_without_jit_unless_the_url_says(query, options):
    url = "postgres://cadre:secret@db.internal:5432/ledger" + query
    value = _setting({"DATABASE_URL": url}, "settings.DATABASES['default']['OPTIONS']['options']")
    assert value == repr(options)


def test_production_settings_are_hardened():
    value = _setting(
        PRODUCTION,
        "settings.DEBUG, settings.ALLOWED_HOSTS, settings.SESSION_COOKIE_SECURE, "
        "settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT, "
        "settings.SECURE_HSTS_SECONDS > 0, "
        "settings.MAILERS['default']['BACKEND'].endswith('smtp.EmailBackend')",
    )
    assert value == "(False, ['tasks.example.org'], True, True, True, True, True)"


def test_ssl_redirect_can_be_switched_off_behind_a_proxy():
    value = _setting(
        {**PRODUCTION, "DJANGO_SECURE_SSL_REDIRECT": "0"}, "settings.SECURE_SSL_REDIRECT"
    )
    assert value == "False"


def test_a_bad_boolean_is_explained():
    result = _run({"DJANGO_DEBUG": "maybe"}, "manage.py", "check")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='maybe'" in result.stderr


def test_deploy_check_passes_with_production_settings():
    result = _run(PRODUCTION, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hsts_preload_is_off_unless_chosen():
    """Preloading binds the whole domain to HTTPS in browsers for months: opt in only."""
    value = "settings.SECURE_HSTS_PRELOAD, settings.SILENCED_SYSTEM_CHECKS"
    assert _setting(PRODUCTION, value) == "(False, ['security.W021'])"
    chosen = {**PRODUCTION, "DJANGO_SECURE_HSTS_PRELOAD": "1"}
    assert _setting(chosen, value) == "(True, [])"
    result = _run(chosen, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


BEHIND_NGINX = {**PRODUCTION, "DJANGO_SECURE_PROXY_SSL_HEADER": "1", "FORWARDED_ALLOW_IPS": ""}


@pytest.mark.parametrize(
    ("env", "proxies"),
    [
        ({**PRODUCTION, "DJANGO_TRUSTED_PROXIES": "10.0.5.2"}, []),  # no proxy: never read
        (BEHIND_NGINX, ["127.0.0.1", "::1"]),
        ({**BEHIND_NGINX, "DJANGO_TRUSTED_PROXIES": " 10.0.5.2, 10.0.6.0/28 "}, None),
        ({**BEHIND_NGINX, "FORWARDED_ALLOW_IPS": "10.0.5.3"}, ["10.0.5.3"]),  # gunicorn's list
        (
            {
                **BEHIND_NGINX,
                "FORWARDED_ALLOW_IPS": "10.0.5.3",
                "DJANGO_TRUSTED_PROXIES": "10.0.5.4",
            },
            ["10.0.5.4"],
        ),
    ],
)
def test_trusted_proxies(env, proxies):
    expected = proxies if proxies is not None else ["10.0.5.2", "10.0.6.0/28"]
    assert _setting(env, "settings.TASKS_TRUSTED_PROXIES") == repr(expected)


@pytest.mark.parametrize("value", ["*", "nginx.internal", "10.0.0.1/24"])
def test_a_trusted_proxy_must_be_named_by_its_address(value):
    env = {**BEHIND_NGINX, "DJANGO_TRUSTED_PROXIES": value}
    result = _run(env, "manage.py", "check")
    assert result.returncode != 0
    assert f"DJANGO_TRUSTED_PROXIES='{value}'" in result.stderr
    assert "proxies' own addresses" in result.stderr


def _gunicorn_setting(env: dict[str, str], name: str) -> str:
    code = (
        "import runpy; from gunicorn.config import Config; "
        "conf = runpy.run_path('gunicorn.conf.py'); config = Config(); "
        f"config.set({name!r}, conf[{name!r}]) if {name!r} in conf else None; "
        f"print(repr(config.{name}))"
    )
    result = _run(env, "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_gunicorn_trusts_the_same_proxies_as_the_app():
    env = {"DJANGO_TRUSTED_PROXIES": "10.0.5.2,10.0.6.0/28", "FORWARDED_ALLOW_IPS": ""}
    assert _gunicorn_setting(env, "forwarded_allow_ips") == "['10.0.5.2', '10.0.6.0/28']"
    assert _gunicorn_setting({"FORWARDED_ALLOW_IPS": ""}, "forwarded_allow_ips") == (
        "['127.0.0.1', '::1']"
    )
    # gunicorn's own variable still wins for gunicorn
    env = {"DJANGO_TRUSTED_PROXIES": "10.0.5.2", "FORWARDED_ALLOW_IPS": "10.0.9.9"}
    assert _gunicorn_setting(env, "forwarded_allow_ips") == "['10.0.9.9']"


def test_login_limits_and_request_size_come_from_the_environment():
    env = {
        "DJANGO_LOGIN_FAILURE_LIMIT": "7",
        "DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT": "120",
        "DJANGO_REQUEST_MAX_BYTES": "1048576",
    }
    value = (
        "settings.AXES_FAILURE_LIMIT, settings.TASKS_LOGIN_ADDRESS_FAILURE_LIMIT, "
        "settings.TASKS_REQUEST_MAX_BYTES"
    )
    assert _setting({}, value) == repr((5, 50, 50 * 1024 * 1024))
    assert _setting(env, value) == repr((7, 120, 1048576))
