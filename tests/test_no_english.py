"""No English on a Chinese screen: every page of the site and every admin screen, as each role,
in zh-hans, shows no untranslated English.

A page's visible text (and the attributes a reader or a screen reader meets: titles, labels,
placeholders, button values) is read, the plan's own data taken out (titles and names are data,
in whatever language they were written), and what is left must hold no English word.
"""

import contextlib
import re
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from axes.models import AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tasks import reporting, roles
from tasks.models import Measure, Milestone
from tests.factories import (
    MilestoneFactory,
    ProgressReportFactory,
    ResponsibleBodyFactory,
)

pytestmark = pytest.mark.django_db

# Words a Chinese screen may show as they are: formats, units, names of file types and of
# the software itself.
ALLOWED = {
    "ID",
    "Excel",
    "WPS",
    "CSV",
    "XLSX",
    "xlsx",
    "csv",
    "txt",
    "docx",
    "doc",
    "pdf",
    "PDF",
    "jpg",
    "jpeg",
    "png",
    "zip",
    "xls",
    "wps",
    "et",
    "Django",
    "UTC",
    "KB",
    "MB",
    "GB",
    "bytes",
    "htmx",
    "JavaScript",
    "HTTP",
    "SHA",
    # keys and systems named in help texts (Django's own among them)
    "Ctrl",
    "Esc",
    "Home",
    "End",
    "Control",
    "Command",
    "Mac",
    "Word",
    "UTF",
    "GBK",
    "LDAP",
    "DEBUG",  # a setting's name
    "IP",
    "Accept",
}
ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "value", "data-busy-message"}
SKIPPED_TAGS = {"script", "style", "template", "svg"}


class _Text(HTMLParser):
    """The text a reader meets on a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping += 1
            return
        kind = dict(attrs).get("type", "")
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                if name == "value" and (tag != "input" or kind not in {"submit", "button"}):
                    continue  # a field's value is data; a button's is a label
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def english_in(html: str, data: set[str], noise: tuple[str, ...] = ()) -> set[str]:
    """The English words of a page, but for the plan's data (`data`: whole values shown as
    written) and for letters that are pieces of a hash or a key (`noise`)."""
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    words = set(re.findall(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]", text))
    return {
        word for word in words if word not in ALLOWED and not any(word in piece for piece in noise)
    }


@pytest.fixture
def world(seeded, coordinator, liaison, viewer, superuser):
    """The seeded plan in use: assignments, milestones, reports in every state, an extension
    request, a closed measure, history."""
    for user, name in [
        (coordinator, "王改革"),
        (liaison, "李联络"),
        (viewer, "赵领导"),
        (superuser, "管理员"),
    ]:
        user.first_name = name
        user.save()
    Measure.objects.update(created_at=timezone.make_aware(datetime(2026, 1, 5, 9)))
    body = liaison.bodies.get()
    other = ResponsibleBodyFactory(name="省人社厅")
    measures = list(Measure.objects.order_by("rank")[:4])
    for measure in measures:
        measure.lead_body, measure.owner = body, coordinator
        measure.start_date, measure.due_date = date(2026, 1, 1), date(2026, 12, 31)
        measure.save_edit(cooperating_bodies=[other])
    first, second, third, fourth = measures
    MilestoneFactory(measure=first, title="完成调研", due_date=date(2026, 6, 30))
    filed = ProgressReportFactory(measure=first, period="2026-11", done_text="召开推进会")
    returned = ProgressReportFactory(measure=second, period="2026-11", done_text="初稿")
    reporting.review_report(report=returned, by=coordinator, accept=False, reason="补充数据")
    final = ProgressReportFactory(
        measure=third, period="2026-10", status="done", progress=100, done_text="全部完成"
    )
    reporting.review_report(report=final, by=coordinator, accept=True)
    reporting.close_measure(measure=Measure.objects.get(pk=third.pk), by=coordinator)
    reporting.request_extension(
        measure=fourth, by=liaison, requested_due_date=date(2027, 3, 31), reason="调研延后"
    )
    return {
        "measure": first,
        "report": filed,
        "milestone": Milestone.objects.first(),
        "users": [coordinator, liaison, viewer, superuser],
    }


def _data() -> set[str]:
    """What the plan holds: shown as written, in any language."""
    from django.contrib.auth import get_user_model

    from tasks.models import ReformArea, ResponsibleBody, Source

    values: set[str] = set()
    for source in Source.objects.all():
        values |= {source.title, source.subtitle, source.author, source.file_name}
        values |= set(source.text.splitlines())
    values |= {a.title for a in ReformArea.objects.all()}
    for m in Measure.objects.all():
        values |= {m.title, m.description, m.excerpt} | set(m.excerpt.splitlines())
    values |= set(ResponsibleBody.objects.values_list("name", flat=True))
    for user in get_user_model().objects.all():
        values |= {user.username, user.email, user.get_full_name()}
    values |= {g.name for g in Group.objects.all()}
    for log in AccessLog.objects.all():  # what a browser sent, as the login log keeps it
        values |= {log.user_agent, log.http_accept, log.path_info}
    return {value for value in values if value}


def _noise() -> tuple[str, ...]:
    """Hashes the admin shows (a document's, a password's): letters, but no words."""
    from django.contrib.auth import get_user_model

    from tasks.models import Source

    hashes = list(Source.objects.values_list("content_hash", flat=True))
    return (*hashes, *get_user_model().objects.values_list("password", flat=True))


def _site_pages(w: dict) -> list[str]:
    m, report = w["measure"], w["report"]
    return [
        "/",
        "/measures/",
        "/measures/?status=in_progress&sort=due",
        f"/measures/{m.pk}/",
        f"/measures/{m.pk}/?period=2026-10",
        f"/measures/{m.pk}/report",
        "/timetable/",
        "/priorities/",
        "/reports/",
        "/reports/?period=2026-10",
        "/reports/2026-11/print",
        f"/sources/{m.area.source_id}/",
        "/import/",
        "/measures/upload/",
        f"/admin/tasks/progressreport/{report.pk}/change/",
    ]


def _admin_pages() -> list[str]:
    urls = ["/admin/", "/admin/tasks/", "/admin/auth/", "/admin/axes/", "/admin/password_change/"]
    for model, _model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            urls.append(reverse("admin:{}_{}_history".format(*info), args=[obj.pk]))
            if hasattr(model, "history"):
                record = obj.history.order_by("history_id").first()
                with contextlib.suppress(NoReverseMatch):
                    urls.append(
                        reverse(
                            "admin:{}_{}_simple_history".format(*info),
                            args=[obj.pk, record.history_id],
                        )
                    )
    return urls


ROLES = [roles.ADMIN, roles.COORDINATOR, roles.LIAISON, roles.VIEWER]


@pytest.mark.parametrize("role", ROLES)
def test_no_english_on_any_screen(world, role):
    user = next(
        u
        for u in world["users"]
        if (role == roles.ADMIN and u.is_superuser)
        or (not u.is_superuser and u.groups.filter(name=role).exists())
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    data, noise = _data(), _noise()
    found: dict[str, set[str]] = {}
    for url in _site_pages(world) + _admin_pages():
        response = client.get(url)
        if response.status_code in (301, 302, 403, 404, 405) or response.streaming:
            if response.status_code == 403:  # a refusal is a screen too
                words = english_in(response.content.decode(), data, noise)
                if words:
                    found[url] = words
            continue
        assert response.status_code == 200, url
        words = english_in(response.content.decode(), data, noise)
        if words:
            found[url] = words
    assert found == {}, "\n".join(f"{url}: {' '.join(sorted(w))}" for url, w in found.items())


def test_the_detector_finds_english():
    assert english_in("<p>任务书 Select an option</p>", set()) == {"Select", "an", "option"}
    assert english_in('<button title="Save">保存</button>', set()) == {"Save"}
    assert english_in("<p>《Union plan》</p>", {"Union plan"}) == set()
    assert english_in("<script>var x = 'hello';</script><p>台账 Excel</p>", set()) == set()


def test_commands_explain_themselves_in_chinese():
    """The commands' own words (what they do, each option) in the site's language; argparse's
    frame around them, and Django's own options, are Python's and Django's."""
    from django.core.management import load_command_class

    django_own = {"help", "version", "verbosity", "settings", "pythonpath", "traceback"}
    django_own |= {"no_color", "force_color", "skip_checks"}
    for name in ["send_reminders", "export_ledger", "import_document", "create_demo_plan"]:
        parser = load_command_class("tasks", name).create_parser("manage.py", name)
        assert parser.format_help()  # what --help prints, without an error
        own = [parser.description or ""]
        if name not in {"export_ledger", "import_document"}:  # values one types: due, red, json…
            own += [a.help or "" for a in parser._actions if a.dest not in django_own]
        words = re.sub(r"https?://\S+|YYYY-MM-DD", " ", " ".join(own))
        assert english_in(f"<p>{words}</p>", set()) == set(), name
