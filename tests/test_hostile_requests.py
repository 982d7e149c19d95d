"""Input that no text may hold — a NUL character, bytes that are not UTF-8 — in a query string or
a form, keys and values alike, is refused before any view or the admin reads it: 400, the
reason in Chinese, a log line, nothing written. (PostgreSQL cannot store NUL in text: an admin
list filtered on `?period=%00` answered 500.) Uploaded files are bytes and are left alone."""

import logging
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.html import escape

from tasks.models import Measure, Source
from tests.factories import MeasureFactory
from tests.test_access_matrix import changes, snapshot
from unionreform.middleware import NOT_UTF8 as NOT_UTF8_REASON
from unionreform.middleware import NUL as NUL_REASON

pytestmark = pytest.mark.django_db


def _assert_refused(response, reason=NUL_REASON):
    """400, the site's page, the reason (as the catalogue words it), nothing changed."""
    assert response.status_code == 400, response.content.decode(errors="replace")[:500]
    html = response.content.decode()
    assert 'class="refusal"' in html and escape(str(reason)) in html and "未做任何修改" in html


def test_the_refusal_says_in_chinese_what_is_wrong_and_what_to_do(coordinator_client):
    html = coordinator_client.get("/measures/?q=%00").content.decode()
    assert "无法读取您提交的内容" in html
    assert "含有空字符" in html and "请删除该字符" in html and "重新提交" in html
    html = coordinator_client.get("/measures/?q=%ff").content.decode()
    assert "不是有效 UTF-8 文本" in html and "从本站的链接重新打开页面" in html


# --- every admin list, every filter ------------------------------------------------------------


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _filter_parameters(model_admin, user) -> set[str]:
    """Each list filter's name as written in list_filter, and the parameters its filter reads."""
    request = RequestFactory().get(_changelist(model_admin.model))
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    names = {name for name in model_admin.list_filter if isinstance(name, str)}
    for spec in changelist.filter_specs:
        names.update(spec.expected_parameters())
    if model_admin.search_fields:
        names.add("q")
    return names


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda model: model._meta.label_lower
)
def test_nul_in_any_filter_of_any_admin_list_is_refused(client, superuser, model):
    model_admin = admin.site._registry[model]
    parameters = _filter_parameters(model_admin, superuser)
    client.force_login(superuser)
    url = _changelist(model)
    assert client.get(url).status_code == 200
    for parameter in sorted(parameters):
        for value in ("%00", "a%00b", "%ff", "%e5%b7"):  # NUL; a lone byte; a cut-off 工
            response = client.get(f"{url}?{parameter}={value}")
            reason = NUL_REASON if "00" in value else NOT_UTF8_REASON
            _assert_refused(response, reason)


def test_the_filters_of_the_issue_are_among_those_tried(superuser):
    def parameters(model):
        return _filter_parameters(admin.site._registry[model], superuser)

    from tasks.models import ExtensionRequest, ProgressReport, ResponsibleBody

    assert {"period", "status"} <= parameters(ProgressReport)
    assert "column" in parameters(Source)
    assert "state" in parameters(ExtensionRequest)
    assert "kind" in parameters(ResponsibleBody)


# --- the site's own pages ---------------------------------------------------------------------

SITE_PAGES = [
    "/",
    "/measures/",
    "/measures/export.csv",
    "/timetable/",
    "/priorities/",
    "/reports/",
    "/import/",
]


@pytest.mark.parametrize("page", SITE_PAGES)
@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("q=%00", NUL_REASON),
        ("period=2026-11%00", NUL_REASON),
        ("light=red&area=%00", NUL_REASON),
        ("%00=1", NUL_REASON),  # in a key
        ("a%00b", NUL_REASON),  # a key without a value
        ("q=%ff", NOT_UTF8_REASON),
        ("%ff=1", NOT_UTF8_REASON),
        ("q=%c0%80", NOT_UTF8_REASON),  # an overlong NUL
        ("q=%ed%a0%80", NOT_UTF8_REASON),  # a surrogate
    ],
)
def test_site_pages_refuse_unreadable_queries(coordinator_client, page, query, reason):
    _assert_refused(coordinator_client.get(f"{page}?{query}"), reason)


def test_raw_bytes_that_are_not_utf8_in_a_query_are_refused(coordinator_client):
    # WSGI hands over the query string as Latin-1 text: "\xff" is the byte 0xff, unencoded
    response = coordinator_client.get("/measures/", QUERY_STRING="q=\xff\xfe")
    _assert_refused(response, NOT_UTF8_REASON)


def test_a_nul_in_the_path_is_refused(coordinator_client):
    _assert_refused(coordinator_client.get("/reports/2026-11%00/print"))


@pytest.mark.parametrize(
    "query", ["q=" + quote("工会改革"), "q=%E5%B7%A5%E4%BC%9A", "q=a+b%26c", "q=100%25", ""]
)
def test_readable_queries_pass(coordinator_client, query):
    assert coordinator_client.get(f"/measures/?{query}").status_code == 200


def test_anonymous_requests_are_refused_before_the_login_redirect(client):
    _assert_refused(client.get("/measures/?q=%00"))


# --- forms --------------------------------------------------------------------------------------


def test_the_import_confirmation_with_a_nul_writes_nothing(coordinator_client):
    before = snapshot()
    response = coordinator_client.post(
        "/import/preview",
        "op=confirm&title-1=a%00b",
        content_type="application/x-www-form-urlencoded",
    )
    _assert_refused(response)
    assert changes(before, snapshot()) == {}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("title=%E6%94%B9%00", NUL_REASON),
        ("title%00=x", NUL_REASON),
        ("title=%ff%fe", NOT_UTF8_REASON),
        ("%ff=x", NOT_UTF8_REASON),
    ],
)
def test_admin_forms_refuse_unreadable_values(coordinator_client, body, reason):
    measure = MeasureFactory(title="原来的标题", rank=1)
    url = reverse("admin:tasks_measure_change", args=[measure.pk])
    before = snapshot()
    response = coordinator_client.post(
        url, f"{body}&rank=1&progress=0", content_type="application/x-www-form-urlencoded"
    )
    _assert_refused(response, reason)
    assert changes(before, snapshot()) == {}
    assert Measure.objects.get(pk=measure.pk).title == "原来的标题"


def test_raw_form_bytes_that_are_not_utf8_are_refused(coordinator_client):
    response = coordinator_client.post(
        "/measures/bulk", b"bulk-field=priority&q=\xe5\xb7", "application/x-www-form-urlencoded"
    )
    _assert_refused(response, NOT_UTF8_REASON)


def test_a_login_with_a_nul_is_refused_and_not_counted(client):
    from axes.models import AccessAttempt

    response = client.post("/accounts/login/", {"username": "ad\x00min", "password": "x"})
    _assert_refused(response)
    assert not AccessAttempt.objects.exists()


def _multipart(fields: list[tuple[bytes, bytes]], files: list[tuple[bytes, bytes, bytes]]):
    """A multipart body written by hand: Django's test client would encode every value."""
    boundary = b"----hostile-boundary"
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, k, v)
        for k, v in fields
    ]
    parts += [
        b'--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n%s\r\n" % (boundary, name, file, data)
        for name, file, data in files
    ]
    body = b"".join(parts) + b"--%s--\r\n" % boundary
    return body, f"multipart/form-data; boundary={boundary.decode()}"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ([(b"note", b"a\x00b")], NUL_REASON),
        ([(b"no\x00te", b"x")], NUL_REASON),
        ([(b"note", b"\xff\xfe")], NOT_UTF8_REASON),
        ([(b"note", "改".encode("gbk"))], NOT_UTF8_REASON),
    ],
)
def test_multipart_field_values_are_checked(coordinator_client, fields, reason):
    body, content_type = _multipart(fields, [(b"file", b"plan.txt", b"text")])
    before = snapshot()
    response = coordinator_client.post("/import/", body, content_type=content_type)
    _assert_refused(response, reason)
    assert changes(before, snapshot()) == {}


def test_the_bytes_of_an_uploaded_file_are_left_alone(coordinator_client):
    """A GBK text file (not UTF-8) with a NUL in it reaches the import, which reads it."""
    text = "一、总体要求\n（一）深化工会改革。\n".encode("gbk") + b"\x00\xff"
    body, content_type = _multipart([], [(b"file", "方案.txt".encode(), text)])
    response = coordinator_client.post("/import/", body, content_type=content_type)
    assert response.status_code in {200, 302}
    assert 'class="refusal"' not in response.content.decode()


# --- how the refusal answers ----------------------------------------------------------------------


def test_htmx_gets_the_reason_in_the_pages_messages(coordinator_client):
    response = coordinator_client.get("/measures/?q=%00", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#messages" and response["HX-Reswap"] == "innerHTML"
    html = response.content.decode()
    assert escape(str(NUL_REASON)) in html and "<html" not in html


def test_a_refusal_is_one_line_in_the_log(coordinator_client, caplog):
    caplog.set_level(logging.INFO)
    coordinator_client.get("/admin/tasks/progressreport/?period=%00")
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in lines] == ["tasks.access"]
    assert lines[0].getMessage() == (
        "refused GET /admin/tasks/progressreport/?period=%00 for coordinator (127.0.0.1), 400: "
        "a NUL character in the query string, value of 'period'"
    )
    assert lines[0].exc_info is None


# --- cookies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cookie", ['sessionid="abcdefghij\\000"', "sessionid=abc\xffdefghij", "na\xffme=x"]
)
def test_an_unreadable_cookie_is_dropped_before_the_session_reads_it(cookie, caplog):
    """A session key with a NUL made every page fail on PostgreSQL: now it is as if none came."""
    client = Client(HTTP_COOKIE=cookie)
    caplog.set_level(logging.WARNING, logger="tasks.access")
    response = client.get("/measures/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert any("dropped the cookie" in r.getMessage() for r in caplog.records)
    assert client.get("/accounts/login/").status_code == 200


def test_a_readable_session_cookie_still_logs_in(coordinator_client):
    assert coordinator_client.get("/measures/").status_code == 200
