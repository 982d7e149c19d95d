"""Escaping, CSRF, security headers, and how a refused write answers (403, reason, log line)."""

import logging
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tasks.models import Measure, ProgressReport, ResponsibleBody, Source
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ReformAreaFactory,
    ResponsibleBodyFactory,
    SourceFactory,
    UserFactory,
)
from tests.test_access_matrix import changes, snapshot

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-2026"  # what UserFactory gives everyone
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def evil(tag: str) -> str:
    """A value carrying both payloads, tagged so that a leak names its field."""
    return f"{tag}{SCRIPT}{IMG}"


def _admin(name: str, *args: object) -> str:
    return reverse(f"admin:tasks_{name}", args=args)


# --- XSS -------------------------------------------------------------------------------------


@pytest.fixture
def evil_plan(db, liaison):
    body = ResponsibleBodyFactory(name=evil("单位"))
    body.members.add(liaison)
    area = ReformAreaFactory(title=evil("方面"))
    measure = MeasureFactory(area=area, title=evil("举措"), lead_body=body, rank=1)
    measure.cooperating_bodies.add(body)
    milestone = MilestoneFactory(measure=measure, title=evil("节点"))
    report = ProgressReportFactory(
        measure=measure,
        body=body,
        done_text=evil("进展"),
        problems=evil("问题"),
        next_steps=evil("下一步"),
    )
    return {
        "body": body,
        "area": area,
        "measure": measure,
        "milestone": milestone,
        "report": report,
    }


def _pages(plan: dict) -> list[tuple[str, str, list[str]]]:
    """(actor, URL, the evil values the page must show, escaped)."""
    m, a, b, r = plan["measure"], plan["area"], plan["body"], plan["report"]
    texts = [r.done_text, r.problems, r.next_steps]
    return [
        ("coordinator", "/measures/", [m.title, a.title, b.name]),
        ("viewer", "/measures/", [m.title, a.title, b.name]),
        ("coordinator", _admin("measure_changelist"), [m.title, str(a), b.name]),
        ("coordinator", _admin("reformarea_changelist"), [a.title]),
        ("coordinator", _admin("responsiblebody_changelist"), [b.name]),
        ("coordinator", _admin("progressreport_changelist"), [str(r), b.name]),
        ("coordinator", _admin("milestone_changelist"), [plan["milestone"].title, m.title]),
        # editable forms: values in inputs, textareas and options
        ("coordinator", _admin("measure_change", m.pk), [m.title, str(a), b.name, *texts]),
        ("coordinator", _admin("progressreport_change", r.pk), [*texts, m.title, b.name]),
        ("coordinator", _admin("reformarea_change", a.pk), [a.title, m.title]),
        ("coordinator", _admin("responsiblebody_change", b.pk), [b.name]),
        ("coordinator", _admin("milestone_change", plan["milestone"].pk), [m.title]),
        # read-only renderings: the viewer's and the liaison's pages
        ("viewer", _admin("measure_change", m.pk), [m.title, str(a), b.name, *texts]),
        ("viewer", _admin("progressreport_change", r.pk), [*texts, m.title, b.name]),
        ("viewer", _admin("reformarea_change", a.pk), [a.title, m.title]),
        ("viewer", _admin("responsiblebody_change", b.pk), [b.name]),
        ("liaison", _admin("measure_change", m.pk), [m.title, str(a), b.name, *texts]),
        ("liaison", _admin("progressreport_change", r.pk), [*texts, m.title, b.name]),
        # history and delete confirmation list objects by name
        ("coordinator", _admin("measure_history", m.pk), [m.title]),
        ("coordinator", _admin("progressreport_history", r.pk), [str(r)]),
        ("coordinator", _admin("measure_delete", m.pk), [m.title, str(r)]),
    ]


def assert_escaped(html: str, shown: list[str], where: object = None) -> None:
    """No payload comes out raw, and each value the page shows comes out escaped."""
    assert SCRIPT not in html, where
    assert "<img src=x" not in html, where
    for value in shown:
        assert escape(value) in html, (where, value)


def test_every_field_with_a_payload_comes_out_escaped(client, evil_plan, coordinator, viewer):
    users = {"coordinator": coordinator, "viewer": viewer}
    users["liaison"] = evil_plan["body"].members.get()
    for actor, url, shown in _pages(evil_plan):
        client.force_login(users[actor])
        response = client.get(url)
        assert response.status_code == 200, (actor, url)
        assert_escaped(response.content.decode(), shown, where=(actor, url))


def test_save_message_escapes_the_title(client, coordinator, evil_plan):
    """The admin's "changed successfully" message names the object."""
    client.force_login(coordinator)
    measure = evil_plan["measure"]
    response = client.post(
        _admin("measure_change", measure.pk),
        _measure_data(measure, progress=10),
        follow=True,
    )
    assert response.redirect_chain
    html = response.content.decode()
    assert_escaped(html, [measure.title])


def test_conflict_message_escapes_the_values(client, coordinator, evil_plan):
    """A stale save says what the other person changed: their text is data, not markup."""
    client.force_login(coordinator)
    measure = evil_plan["measure"]
    stale = _measure_data(measure, title="我的标题")
    measure.title = evil("新标题")
    measure.save_versioned(expected_version=measure.version)
    response = client.post(_admin("measure_change", measure.pk), stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert_escaped(html, [evil("新标题")])
    assert Measure.objects.get(pk=measure.pk).title == evil("新标题")


def _measure_data(measure: Measure, **changes: object) -> dict:
    data = {
        "area": measure.area_id,
        "title": measure.title,
        "lead_body": measure.lead_body_id or "",
        "cooperating_bodies": list(measure.cooperating_bodies.values_list("pk", flat=True)),
        "priority": measure.priority,
        "rank": measure.rank,
        "status": measure.status,
        "progress": measure.progress,
        "loaded_version": measure.version,
        "milestones-TOTAL_FORMS": 0,
        "milestones-INITIAL_FORMS": 0,
        "reports-TOTAL_FORMS": 0,
        "reports-INITIAL_FORMS": 0,
    }
    return data | changes


# --- CSRF ------------------------------------------------------------------------------------

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _token(client: Client, url: str) -> str:
    """Open the form as a browser would and read its hidden token."""
    response = client.get(url)
    assert response.status_code == 200, url
    match = TOKEN.search(response.content.decode())
    assert match, f"no CSRF token in the form of {url}"
    assert client.cookies["csrftoken"].value
    return match.group(1)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


CSRF_CASES = {}


def csrf_case(name):
    def register(function):
        CSRF_CASES[name] = function
        return function

    return register


@csrf_case("login")
def _login(client, coordinator):
    url = reverse("login")
    data = {"username": "coordinator", "password": PASSWORD}

    def done():
        return _logged_in(client)

    return url, url, data, done


@csrf_case("logout")
def _logout(client, coordinator):
    client.force_login(coordinator)

    def done():
        return not _logged_in(client)

    return reverse("tasks:measure_list"), reverse("logout"), {}, done


@csrf_case("password_change")
def _password_change(client, coordinator):
    client.force_login(coordinator)
    url = reverse("password_change")
    new = "Xin-Mi-Ma-2027-gai"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}

    def done():
        coordinator.refresh_from_db()
        return coordinator.check_password(new)

    return url, url, data, done


@csrf_case("admin change")
def _admin_change(client, coordinator):
    client.force_login(coordinator)
    measure = MeasureFactory(title="原来的标题", rank=1)
    url = _admin("measure_change", measure.pk)

    def done():
        return Measure.objects.get(pk=measure.pk).title == "改过的标题"

    return url, url, _measure_data(measure, title="改过的标题"), done


@csrf_case("admin delete")
def _admin_delete(client, coordinator):
    client.force_login(coordinator)
    report = ProgressReportFactory()
    url = _admin("progressreport_delete", report.pk)

    def done():
        return not ProgressReport.objects.filter(pk=report.pk).exists()

    return url, url, {"post": "yes"}, done


@csrf_case("admin add")
def _admin_add(client, coordinator):
    client.force_login(coordinator)
    url = _admin("responsiblebody_add")
    data = {"name": "新建单位", "kind": "union", "parent": ""}

    def done():
        return ResponsibleBody.objects.filter(name="新建单位").exists()

    return url, url, data, done


@csrf_case("admin list action")
def _admin_action(client, coordinator):
    client.force_login(coordinator)
    source = SourceFactory()
    url = _admin("source_changelist")
    data = {"action": "delete_selected", "_selected_action": [source.pk], "index": 0, "post": "yes"}

    def done():
        return not Source.objects.filter(pk=source.pk).exists()

    return url, url, data, done


@pytest.mark.parametrize("case", list(CSRF_CASES))
def test_csrf_is_enforced(csrf_client, coordinator, case):
    form_url, post_url, data, done = CSRF_CASES[case](csrf_client, coordinator)
    token = _token(csrf_client, form_url)  # the browser holds the cookie, as a victim would

    before = snapshot()
    response = csrf_client.post(post_url, data)
    assert response.status_code == 403
    assert "安全令牌" in response.content.decode()  # the site's own CSRF page, in Chinese
    assert changes(before, snapshot()) == {}
    assert not done()

    response = csrf_client.post(post_url, data | {"csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert done()


def test_csrf_token_from_another_session_is_refused(coordinator, viewer):
    """A token read by one user (say an attacker) does not work in another user's session."""
    attacker = Client(enforce_csrf_checks=True)
    attacker.force_login(viewer)
    stolen = _token(attacker, reverse("tasks:measure_list"))
    victim = Client(enforce_csrf_checks=True)
    victim.force_login(coordinator)
    _token(victim, reverse("tasks:measure_list"))  # the victim has a cookie of its own
    measure = MeasureFactory(title="原来的标题", rank=1)
    data = _measure_data(measure, title="改过的标题") | {"csrfmiddlewaretoken": stolen}
    response = victim.post(_admin("measure_change", measure.pk), data)
    assert response.status_code == 403
    assert Measure.objects.get(pk=measure.pk).title == "原来的标题"


# --- security headers ------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


@pytest.mark.parametrize(
    ("actor", "url"),
    [
        (None, "/accounts/login/"),
        ("coordinator", "/measures/"),
        ("coordinator", "/admin/"),
        ("coordinator", "/admin/tasks/measure/"),
        ("viewer", "/measures/"),
    ],
)
def test_security_headers(client, request, actor, url):
    if actor:
        client.force_login(request.getfixturevalue(actor))
    response = client.get(url)
    assert response.status_code == 200
    policy = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    assert policy["script-src"] == ["'self'"]
    for directive in ("script-src", "default-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    # The policy allows no inline script, so the page must not need one.
    assert INLINE_SCRIPT.findall(response.content.decode()) == []


# --- a refused write: 403, the reason in Chinese, a log line -----------------------------------


@pytest.mark.parametrize(
    ("actor", "target", "reason"),
    [
        ("viewer", "measure", "您的角色（领导）可以查看全部内容，但不能修改任何数据。"),
        (
            "liaison",
            "measure",
            "联络员报送的进度经改革办采纳后才成为举措的进度",
        ),
        ("liaison", "reformarea", "责任单位联络员不能修改任务书本身。请联系改革办进行此项修改。"),
        ("nobody", "measure", "您的账号尚未分配角色"),
    ],
    ids=["viewer-measure", "liaison-measure", "liaison-area", "no-role-measure"],
)
def test_refused_write_explains_and_is_logged(client, request, caplog, actor, target, reason):
    if actor == "nobody":
        user = UserFactory(username="nobody", is_staff=True)
    else:
        user = request.getfixturevalue(actor)
    measure = MeasureFactory(title="原来的标题", rank=1)  # led by nobody: not the liaison's
    if target == "measure":
        url, data = _admin("measure_change", measure.pk), _measure_data(measure, progress=90)
    else:
        url, data = _admin("reformarea_change", measure.area_id), {"title": "改过的标题"}
    client.force_login(user)
    before = snapshot()
    with caplog.at_level(logging.WARNING, logger="tasks.access"):
        response = client.post(url, data)
    assert response.status_code == 403
    html = response.content.decode()
    assert reason in html
    assert "无权操作" in html and "未做任何修改" in html
    assert changes(before, snapshot()) == {}
    records = [r for r in caplog.records if r.name == "tasks.access"]
    assert [r.levelno for r in records] == [logging.WARNING]
    message = records[0].getMessage()
    assert f"refused POST {url} for {user.get_username()}" in message
    assert reason in message


# --- nothing a logged-in user is shown stays in the browser's cache ----------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/measures/",
        "/measures/export.csv",
        "/measures/export.xlsx",
        "/reports/",
        "/reports/2026-11/print",
        "/admin/",
        "/admin/tasks/measure/",
        "/no-such-page/",
        "/measures/?q=%00",
    ],
)
def test_what_a_logged_in_user_is_shown_is_not_stored(coordinator_client, url):
    response = coordinator_client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    assert response.status_code in {200, 400, 404}, url
    assert "no-store" in response["Cache-Control"].split(", "), url  # the admin's: never_cache


def test_an_attachment_is_not_stored(coordinator_client, settings, tmp_path):
    from django.core.files.base import ContentFile

    from tasks.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    attachment = Attachment(report=ProgressReportFactory(), name="会议纪要.pdf", size=9)
    attachment.file.save("notes.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    response = coordinator_client.get(reverse("tasks:attachment_download", args=[attachment.pk]))
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n"
    assert response["Cache-Control"] == "no-store"


def test_the_answers_to_a_login_are_not_stored(client, coordinator):
    wrong = client.post(reverse("login"), {"username": "coordinator", "password": "wrong"})
    assert wrong.status_code == 200  # the form again, with the username typed
    assert "no-store" in wrong["Cache-Control"]
    right = client.post(reverse("login"), {"username": "coordinator", "password": PASSWORD})
    assert right.status_code == 302
    assert "no-store" in right["Cache-Control"]


def test_static_files_stay_cacheable(coordinator_client):
    response = coordinator_client.get("/static/css/app.css")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]


def test_hsts_has_no_preload(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# --- no password reset by e-mail ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/MQ/abc-123/",
        "/accounts/reset/done/",
    ],
)
def test_there_is_no_password_reset_by_mail(client, coordinator, url, mailoutbox):
    coordinator.email = "coordinator@example.org"
    coordinator.save()
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": coordinator.email}).status_code == 404
    assert mailoutbox == []


@pytest.mark.parametrize(
    "name", ["password_reset", "password_reset_done", "password_reset_complete"]
)
def test_the_reset_pages_are_not_named(name):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse(name)


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_the_login_pages_offer_no_reset(client, url):
    html = client.get(url).content.decode()
    assert "password_reset" not in html and "忘记" not in html


def test_own_password_change_stays(coordinator_client):
    assert coordinator_client.get(reverse("password_change")).status_code == 200
