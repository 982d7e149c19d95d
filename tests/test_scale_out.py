"""Servers that scale out: nothing kept by one app server alone. Attachments go through
Django's storage API to an S3-compatible store (moto's server, started here, stands in for a
政务云's OSS or Ceph); the cache and the API's rate limits live in a shared Redis; and two
gunicorn servers on one PostgreSQL serve one report filed on the first, attachment included,
from the second."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from moto.server import ThreadedMotoServer

from tasks import roles
from tasks.models import ApiKey, Attachment, ProgressReport
from tests.test_api import Plan, _report, _url
from unionreform.env import cache_from, storage_from

PROJECT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/15"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def object_store():
    """An S3-compatible server (moto's, in this process) with an empty bucket."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    environ = {
        "DJANGO_STORAGE": "s3",
        "DJANGO_S3_ENDPOINT_URL": endpoint,
        "DJANGO_S3_BUCKET": "union-files",
        "DJANGO_S3_REGION": "us-east-1",
        "DJANGO_S3_ACCESS_KEY": "testing",
        "DJANGO_S3_SECRET_KEY": "testing",
        "DJANGO_S3_ADDRESSING_STYLE": "path",
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket="union-files")
    yield environ, s3
    server.stop()


def _objects(s3) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket="union-files").get("Contents", [])
    return {
        row["Key"]: s3.get_object(Bucket="union-files", Key=row["Key"])["Body"].read()
        for row in listed
    }


def _redis_or_fail():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS)
    client.ping()  # the machine's Redis: CI needs it, so a missing one fails here
    client.flushdb()
    return client


# -- settings from the environment ------------------------------------------------------------


def test_storage_and_cache_are_chosen_by_the_environment():
    assert storage_from({})["BACKEND"].endswith("FileSystemStorage")
    s3 = storage_from({"DJANGO_STORAGE": "s3", "DJANGO_S3_BUCKET": "b"})
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "b" and s3["OPTIONS"]["default_acl"] is None
    assert cache_from({})["BACKEND"].endswith("LocMemCache")
    redis = cache_from({"DJANGO_CACHE_URL": "redis://cache:6379/1"})
    assert redis["BACKEND"].endswith("RedisCache") and redis["LOCATION"] == "redis://cache:6379/1"
    with pytest.raises(ImproperlyConfigured, match="DJANGO_STORAGE"):
        storage_from({"DJANGO_STORAGE": "ftp"})
    with pytest.raises(ImproperlyConfigured, match="DJANGO_CACHE_URL"):
        cache_from({"DJANGO_CACHE_URL": "memcached://x"})


# -- attachments in the object store ----------------------------------------------------------


@pytest.mark.django_db
def test_attachments_round_trip_through_the_s3_compatible_store(
    object_store, settings, django_capture_on_commit_callbacks
):
    environ, s3 = object_store
    settings.STORAGES = {**settings.STORAGES, "default": storage_from(environ)}
    plan = Plan()
    county = plan.client("county_write")
    content = "会议纪要：县总工会改革方案已报批。".encode() * 100
    answer = county.post(
        _url("report-list"),
        {
            **_report(plan.county),
            "attachments": [SimpleUploadedFile("会议纪要.txt", content)],
        },
    )
    assert answer.status_code == 201, answer.content
    (attachment,) = answer.json()["attachments"]
    stored = _objects(s3)
    key = Attachment.objects.get(pk=attachment["id"]).file.name
    assert key.startswith(f"reports/2026-11/{plan.county.pk}/") and stored[key] == content
    assert not (Path(settings.MEDIA_ROOT) / key).exists()  # nothing on this server's disk
    download = county.get(attachment["download"])
    assert b"".join(download.streaming_content) == content
    # the site's own download reads the same object
    browser = Client()
    browser.force_login(plan.tree["city_a_office"])
    page = browser.get(reverse("tasks:attachment_download", args=[attachment["id"]]))
    assert b"".join(page.streaming_content) == content
    # removing it removes the object once the change is committed
    with django_capture_on_commit_callbacks(execute=True):
        removed = county.patch(
            _url("report-detail", answer.json()["id"]),
            encode_multipart(BOUNDARY, {"version": 1, "remove_attachments": [attachment["id"]]}),
            content_type=MULTIPART_CONTENT,
        )
    assert removed.status_code == 200 and removed.json()["attachments"] == []
    assert key not in _objects(s3)


@pytest.mark.django_db
def test_the_rate_limit_is_counted_in_the_shared_cache(settings, monkeypatch):
    server = _redis_or_fail()
    settings.CACHES = {"default": cache_from({"DJANGO_CACHE_URL": REDIS})}
    from tasks.api.access import PerClientThrottle

    monkeypatch.setitem(PerClientThrottle.THROTTLE_RATES, "client", "2/minute")
    plan = Plan()
    county = plan.client("county_write")
    assert [county.get(_url("federation-list")).status_code for _ in range(3)] == [200, 200, 429]
    key = ApiKey.objects.get(name="county_write")
    assert any(f"key-{key.pk}".encode() in name for name in server.keys("*throttle*"))
    server.flushdb()


# -- two app servers --------------------------------------------------------------------------


def _serve(port: int, environ: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=PROJECT,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _call(url: str, key: str, data: bytes | None = None, content_type: str = "") -> tuple:
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Authorization", f"Api-Key {key}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wait_for(port: int, process: subprocess.Popen) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode())
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("the app server did not start")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two app servers share a server database: runs on PostgreSQL (make test in CI)",
)
@pytest.mark.django_db(transaction=True)
def test_a_report_filed_on_one_server_is_seen_on_the_other(object_store):
    environ, s3 = object_store
    _redis_or_fail()
    for name in roles.ALL:  # a transactional test may start from an emptied database
        Group.objects.get_or_create(name=name)
    plan = Plan()
    key = plan.keys["county_write"]
    database = connection.settings_dict
    shared = {
        **os.environ,
        **environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "DJANGO_CACHE_URL": REDIS,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "two-servers-one-secret-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_API_RATE": "5/minute",
        "DJANGO_NOTICE_DELIVERY": "inline",
        "PYTHONPATH": str(PROJECT),
        "GUNICORN_ACCESSLOG": "",
    }
    ports = [_free_port(), _free_port()]
    servers = [_serve(port, shared) for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_for(port, server)
        first, second = (f"http://127.0.0.1:{port}/api/v1" for port in ports)
        content = b"%PDF-1.4 " + "县总工会改革方案".encode() * 200
        body = encode_multipart(
            BOUNDARY,
            {
                **_report(plan.county, period="2026-11"),
                "attachments": [SimpleUploadedFile("方案.pdf", content)],
            },
        )
        status, answer = _call(f"{first}/reports/", key, body, MULTIPART_CONTENT)
        assert status == 201, answer.decode()
        filed = json.loads(answer)
        status, answer = _call(f"{second}/reports/{filed['id']}/", key)
        assert status == 200 and json.loads(answer)["done_text"] == filed["done_text"]
        (attachment,) = json.loads(answer)["attachments"]
        assert attachment["download"].startswith(second)  # the second server's own address
        status, data = _call(attachment["download"], key)
        assert status == 200 and data == content
        # the rate limit is one count across both servers: 5 calls a minute in all
        statuses = [_call(f"{base}/federations/", key)[0] for base in (first, second, first)]
        assert statuses == [200, 200, 429]  # 3 calls before, 2 here, then the limit
        assert ProgressReport.objects.get(pk=filed["id"]).author.api_key.name == "county_write"
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        _redis_or_fail()
