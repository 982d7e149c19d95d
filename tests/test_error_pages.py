"""Errors a user can read: 400, 404, 409, 413 and 500 in the user's language (403: test_security),
one log line for a refused request and a traceback for a server error only, and nginx's own
pages for a server out of reach."""

import io
import logging
import re
import sqlite3

import pytest
from django.db import DatabaseError, IntegrityError, OperationalError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from psycopg import errors as pg_errors

from tasks.models import Attachment, Source
from tests.conftest import PROJECT_DIR
from tests.factories import MeasureFactory, ProgressReportFactory, SourceFactory
from unionreform import urls as site
from unionreform.middleware import RefusalLogFilter

PROBLEM = "出版社被意外删除的来源"  # the title a view writes before its database fails


# --- a URLconf with views that fail, for the tests marked with it -------------------------------


def _conflict(request, code: str) -> HttpResponse:
    """Write, then meet the database error named by its SQLSTATE (or SQLite's lock)."""
    SourceFactory(title=PROBLEM)
    if code == "sqlite-locked":
        raise OperationalError("database is locked") from sqlite3.OperationalError("locked")
    if connection.vendor == "postgresql":  # the real error, from the server, through Django
        with connection.cursor() as cursor:
            cursor.execute(f"DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '{code}'; END $$")
    cause = pg_errors.lookup(code)(f"test: {code}")
    wrapper = OperationalError if isinstance(cause, pg_errors.OperationalError) else DatabaseError
    raise wrapper(str(cause)) from cause  # as Django wraps psycopg's errors


def _crash(request) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [
    path("_test/conflict/<str:code>/", _conflict),
    path("_test/crash/", _crash),
    *site.urlpatterns,
]
handler400, handler403, handler404 = site.handler400, site.handler403, site.handler404
FAILING = pytest.mark.urls("tests.test_error_pages")


def shown(message: str) -> str:
    """A message as a page shows it: in the catalogue's words (the Chinese is pinned once, in
    test_error_pages_read_in_chinese), escaped."""
    return escape(gettext(message))


NOT_FOUND = "There is nothing at this address: the link may be out of date, or what it showed "
NOT_FOUND += "has been deleted."
CONFLICT = "Someone else was changing the same records at that very moment. Reload the page "
CONFLICT += "to see their change, then try again."


@pytest.fixture
def log_output():
    """What the app's log handler (LOGGING's console, on stderr under gunicorn) writes."""
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RefusalLogFilter) for f in handler.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


# --- 500 ------------------------------------------------------------------------------------------


def test_the_500_page_renders_on_its_own():
    html = render_to_string("500.html")  # no request, no user, no database
    assert "服务器" in html and 'href="/"' in html
    with translation.override("en"):
        assert "The server could not answer" in render_to_string("500.html")


@FAILING
@pytest.mark.django_db
def test_a_crash_shows_the_500_page_and_logs_its_traceback(coordinator, log_output):
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    response = client.get("/_test/crash/")
    assert response.status_code == 500
    assert "服务器暂时无法响应" in response.content.decode()
    log = log_output.getvalue()
    assert "Internal Server Error: /_test/crash/" in log
    assert "Traceback (most recent call last)" in log and "RuntimeError: a bug" in log


# --- 404 ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/no-such-page/", "/measures/999999/", "/attachments/999999/"])
def test_a_missing_page_says_so(coordinator_client, url):
    response = coordinator_client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert shown("Page not found") in html and shown(NOT_FOUND) in html
    assert "Not Found" not in html and "matches the given query" not in html
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_a_missing_page_for_someone_not_logged_in(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert shown("Page not found") in response.content.decode()


@pytest.mark.django_db
def test_an_attachment_whose_file_is_missing_says_so(coordinator_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    attachment = Attachment.objects.create(
        report=ProgressReportFactory(), name="会议纪要.pdf", size=9, file="reports/gone.pdf"
    )
    response = coordinator_client.get(reverse("tasks:attachment_download", args=[attachment.pk]))
    assert response.status_code == 404
    html = response.content.decode()
    assert shown("Page not found") in html and "服务器上找不到该附件的文件。" in html


# --- 400 ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_that_cannot_be_read_says_so(coordinator_client):
    response = coordinator_client.post("/import/", b"--", content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.content.decode()
    assert shown("What you sent could not be read") in html
    reason = "Your browser sent something this site cannot read. Go back, reload the page and "
    assert shown(reason + "try again.") in html


@pytest.mark.django_db
def test_a_forged_host_gets_the_400_page(client):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example.org")
    assert response.status_code == 400
    assert shown("What you sent could not be read") in response.content.decode()


# --- 413 ------------------------------------------------------------------------------------------


def _too_large(response) -> None:
    assert response.status_code == 413, response.content.decode(errors="replace")[:300]
    html = response.content.decode()
    assert shown("Too large to accept") in html and "未做任何修改" in html


@pytest.mark.django_db
def test_an_upload_over_the_limit_answers_413_unread(coordinator_client, settings):
    settings.TASKS_REQUEST_MAX_BYTES = 10_000
    upload = io.BytesIO("一、总体要求\n".encode() * 2_000)
    upload.name = "plan.txt"
    sources = Source.objects.count()
    response = coordinator_client.post("/import/", {"file": upload})
    _too_large(response)
    assert "9.8\xa0KB" in response.content.decode()  # the limit, as people read sizes
    assert Source.objects.count() == sources


@pytest.mark.django_db
def test_form_text_over_djangos_limit_answers_413(coordinator_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    measure = MeasureFactory(title="原来的标题", rank=1)
    url = reverse("admin:tasks_measure_change", args=[measure.pk])
    response = coordinator_client.post(url, {"title": "长" * 1_000, "rank": 1})
    _too_large(response)
    assert "1000\xa0字节" in response.content.decode()  # the limit of form text
    measure.refresh_from_db()
    assert measure.title == "原来的标题"


@pytest.mark.django_db
def test_too_many_fields_answers_413(coordinator_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    _too_large(coordinator_client.post("/measures/bulk", {f"f{n}": n for n in range(20)}))


@pytest.mark.django_db
def test_too_large_for_htmx_lands_in_the_messages(coordinator_client, settings):
    settings.TASKS_REQUEST_MAX_BYTES = 100
    response = coordinator_client.post("/measures/bulk", {"x": "y" * 200}, HTTP_HX_REQUEST="true")
    assert response.status_code == 413
    assert response["HX-Retarget"] == "#messages"
    html = response.content.decode()
    assert "<html" not in html and "100\xa0" in html and "未做任何修改" in html


# --- 409: someone else was changing the same rows ------------------------------------------------

CONFLICTS = ["40P01", "55P03", "40001"]  # deadlock, lock not available, serialization failure


@FAILING
@pytest.mark.django_db
@pytest.mark.parametrize(
    "code", CONFLICTS + (["sqlite-locked"] if connection.vendor == "sqlite" else [])
)
def test_a_conflict_answers_409_and_nothing_is_saved(coordinator_client, code, log_output):
    response = coordinator_client.post(f"/_test/conflict/{code}/")
    assert response.status_code == 409
    html = response.content.decode()
    assert shown("Changed by someone else at the same moment") in html
    assert shown(CONFLICT) in html and "未做任何修改" in html
    assert not Source.objects.filter(title=PROBLEM).exists()
    log = log_output.getvalue()
    assert "Traceback" not in log
    [line] = [line for line in log.splitlines() if "_test/conflict" in line]
    assert line.startswith(f"refused POST /_test/conflict/{code}/ for coordinator (127.0.0.1)")
    assert "409: database conflict" in line


@FAILING
@pytest.mark.django_db
def test_a_conflict_in_an_htmx_form_lands_in_the_messages(coordinator_client):
    response = coordinator_client.post("/_test/conflict/40P01/", HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#messages" and response["HX-Reswap"] == "innerHTML"
    html = response.content.decode()
    assert shown(CONFLICT) in html and "<html" not in html


@FAILING
@pytest.mark.django_db
def test_other_database_errors_stay_server_errors(coordinator):
    """A broken constraint is a bug to fix, not someone else's change: 500, with its trace."""
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    assert client.post("/_test/conflict/23505/").status_code == 500  # unique_violation
    assert not issubclass(IntegrityError, OperationalError)


# --- in Chinese ---------------------------------------------------------------------------------


@FAILING
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "data", "says"),
    [
        ("/no-such-page/", None, ["页面不存在", "链接可能已过时", "返回工作台"]),
        ("/measures/?q=%00", None, ["无法读取您提交的内容", "空字符", "未做任何修改"]),
        ("/_test/conflict/40P01/", {}, ["他人正在同时修改", "请刷新页面", "未做任何修改"]),
        (
            "/measures/bulk",
            {"x": "y" * 200},
            ["提交的内容过大", "最多 100\xa0字节", "未做任何修改"],
        ),
    ],
    ids=["404", "400", "409", "413"],
)
def test_error_pages_read_in_chinese(coordinator_client, settings, url, data, says):
    settings.TASKS_REQUEST_MAX_BYTES = 100
    client = coordinator_client
    html = (client.get(url) if data is None else client.post(url, data)).content.decode()
    for words in says:
        assert words in html, words


# --- one line for a refused request, in the log as written --------------------------------------


@pytest.mark.django_db
def test_refused_requests_are_one_line_each(client, viewer, log_output):
    client.force_login(viewer)
    measure = MeasureFactory(rank=1)
    client.post(reverse("admin:tasks_measure_change", args=[measure.pk]), {"title": "改"})  # 403
    client.get("/no-such-page/")  # 404
    client.get("/measures/?q=%00")  # 400
    client.get("/measures/bulk")  # 405, Django's own line
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(viewer)
    csrf.post("/accounts/logout/")  # 403 CSRF, Django's own line
    lines = log_output.getvalue().splitlines()
    assert "Traceback" not in log_output.getvalue()
    assert len(lines) == 5, lines
    assert lines[0].startswith(
        f"refused POST /admin/tasks/measure/{measure.pk}/change/ for viewer (127.0.0.1), 403: "
    )
    assert lines[1] == "refused GET /no-such-page/ for viewer (127.0.0.1), 404: no such page"
    assert lines[2].startswith("refused GET /measures/?q=%00 for viewer (127.0.0.1), 400: ")
    assert lines[3] == "Method Not Allowed (GET): /measures/bulk (for viewer (127.0.0.1))"
    assert re.fullmatch(r"Forbidden \(CSRF .*\): /accounts/logout/ \(for viewer .*\)", lines[4])


# --- nginx's own pages, for when the app does not answer ------------------------------------------

NGINX_PAGES = PROJECT_DIR / "static" / "errors"


@pytest.mark.parametrize(
    ("page", "says"), [("unavailable.html", "服务器暂时无法响应"), ("too-large.html", "过大")]
)
def test_nginx_pages_stand_alone_in_chinese(page, says):
    html = (NGINX_PAGES / page).read_text("utf-8")
    assert '<meta charset="utf-8">' in html and '<html lang="zh-Hans">' in html
    assert says in html and "返回工作台" in html
    # served by nginx with the app out of reach: nothing to fetch from the app
    assert re.findall(r'(?:src|href)="([^"]*)"', html) == ["/"]


def test_the_deployment_guide_serves_every_nginx_page():
    guide = (PROJECT_DIR / "docs" / "DEPLOY.md").read_text("utf-8")
    assert "error_page 502 503 504 /_errors/unavailable.html;" in guide
    assert "error_page 413 /_errors/too-large.html;" in guide
    for page in NGINX_PAGES.iterdir():
        assert f"/_errors/{page.name}" in guide
