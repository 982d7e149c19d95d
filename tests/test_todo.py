"""待办 item by item for each role (each appears when it should and leaves when done), the
notices each change sends (once, after commit, in the app, by e-mail and to a group robot),
催报, and send_reminders' retries and the people it could not reach."""

import io
import json
import threading
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command

from tasks import clock, reporting, roles, todo
from tasks.models import Chase, Delivery, Measure, Notice, Profile, ProgressReport
from tasks.schedule import current_period
from tests.conftest import queries_for
from tests.factories import MeasureFactory, MilestoneFactory, ResponsibleBodyFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(coordinator, liaison, viewer):
    body = liaison.bodies.get()
    liaison.email, liaison.first_name = "liaison@example.org", "联络员"
    liaison.save()
    coordinator.email = "office@example.org"
    coordinator.save()
    return {"body": body, "office": coordinator, "liaison": liaison, "viewer": viewer}


def _keys(user, key: str) -> list:
    found = {s.key: s for s in todo.sections(user, clock.today())}
    assert key in found, f"{key} is not among {sorted(found)}"
    return found[key].items


def _ids(items) -> set[int]:
    return {item.pk for item in items}


def _old(measure: Measure, day: date = date(2026, 8, 1)) -> Measure:
    """A measure in the plan since `day` (so it owes the reports of the months after)."""
    Measure.objects.filter(pk=measure.pk).update(
        created_at=datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
    )
    return Measure.objects.get(pk=measure.pk)


def _file(measure, user, period=None):
    return reporting.file_report(
        measure=measure,
        period=period or current_period(clock.today()),
        by=user,
        progress=40,
        status=Measure.Status.IN_PROGRESS,
        done_text="已召开专题会议",
    )


# -- a liaison ----------------------------------------------------------------------------------


def test_a_liaison_s_report_to_file_appears_and_leaves_once_filed(world):
    measure = MeasureFactory(lead_body=world["body"], title="建立职工服务站")
    other = MeasureFactory(title="别的单位的举措")
    assert measure.pk in _ids(_keys(world["liaison"], "to_file"))
    assert other.pk not in _ids(_keys(world["liaison"], "to_file"))
    _file(measure, world["liaison"])
    assert measure.pk not in _ids(_keys(world["liaison"], "to_file"))


def test_a_returned_report_appears_with_its_reason_and_leaves_once_corrected(world):
    measure = MeasureFactory(lead_body=world["body"])
    report = _file(measure, world["liaison"])
    reporting.review_report(report=report, by=world["office"], accept=False, reason="请补充数据")
    (returned,) = _keys(world["liaison"], "returned")
    assert returned.return_reason == "请补充数据"
    report.refresh_from_db()
    reporting.file_report(
        measure=measure,
        period=current_period(clock.today()),
        by=world["liaison"],
        progress=50,
        status=Measure.Status.IN_PROGRESS,
        done_text="补充了数据",
        loaded_version=report.version,
    )
    assert _keys(world["liaison"], "returned") == []


def test_measures_due_soon_and_milestones_due_appear_and_leave_when_done(world):
    soon = MeasureFactory(lead_body=world["body"], due_date=TODAY + timedelta(days=5))
    later = MeasureFactory(lead_body=world["body"], due_date=TODAY + timedelta(days=90))
    step = MilestoneFactory(measure=later, title="出台细则", due_date=TODAY + timedelta(days=3))
    assert _ids(_keys(world["liaison"], "due")) == {soon.pk}
    assert _ids(_keys(world["liaison"], "milestones")) == {step.pk}
    Measure.objects.filter(pk=soon.pk).update(status=Measure.Status.DONE, progress=100)
    type(step).objects.filter(pk=step.pk).update(done_on=TODAY)
    assert _keys(world["liaison"], "due") == [] and _keys(world["liaison"], "milestones") == []


def test_an_extension_decision_appears_until_its_notice_is_opened(world, client):
    measure = MeasureFactory(lead_body=world["body"], due_date=TODAY + timedelta(days=30))
    extension = reporting.request_extension(
        measure=measure,
        by=world["liaison"],
        requested_due_date=TODAY + timedelta(days=60),
        reason="需要协调",
    )
    reporting.decide_extension(extension=extension, by=world["office"], approve=True)
    (decision,) = _keys(world["liaison"], "decisions")
    assert "approved" in decision.text or "批准" in decision.text
    client.force_login(world["liaison"])
    response = client.get(f"/notices/{decision.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/measures/{measure.pk}/"
    assert _keys(world["liaison"], "decisions") == []


# -- the office ---------------------------------------------------------------------------------


def test_the_office_s_review_extension_close_and_unassigned_items(world):
    office, liaison = world["office"], world["liaison"]
    measure = MeasureFactory(lead_body=world["body"], owner=liaison)
    report = _file(measure, liaison)
    assert _ids(_keys(office, "review")) == {report.pk}
    reporting.review_report(report=report, by=office, accept=True)
    assert _keys(office, "review") == []

    extension = reporting.request_extension(
        measure=measure, by=liaison, requested_due_date=TODAY + timedelta(days=60), reason="x"
    )
    assert _ids(_keys(office, "extensions")) == {extension.pk}
    reporting.decide_extension(extension=extension, by=office, approve=False, note="不同意")
    assert _keys(office, "extensions") == []

    done = MeasureFactory(lead_body=world["body"], owner=liaison)
    final = reporting.file_report(
        measure=done,
        period=current_period(clock.today()),
        by=liaison,
        progress=100,
        status=Measure.Status.DONE,
        done_text="完成",
    )
    reporting.review_report(report=final, by=office, accept=True)
    assert _ids(_keys(office, "close")) == {done.pk}
    reporting.close_measure(measure=Measure.objects.get(pk=done.pk), by=office)
    assert _keys(office, "close") == []

    bare = MeasureFactory(lead_body=None, owner=None)
    assert bare.pk in _ids(_keys(office, "unassigned"))
    bare.lead_body, bare.owner = world["body"], liaison
    bare.save_edit(expected_version=bare.version)
    assert bare.pk not in _ids(_keys(office, "unassigned"))


def test_a_late_body_is_listed_with_its_liaisons_and_chased_once(world, client):
    office, body = world["office"], world["body"]
    Profile.objects.create(user=world["liaison"], phone="0571-88886666")
    late = _old(MeasureFactory(lead_body=body, title="逾期未报的举措"))
    (row,) = _keys(office, "late_bodies")
    assert row.body == body and row.late == 1 and row.measures == [late]
    assert [liaison.profile.phone for liaison in row.liaisons] == ["0571-88886666"]
    previous = str(current_period(clock.today()).previous())

    client.force_login(office)
    page = client.get("/todo/").content.decode()
    assert "0571-88886666" in page and "liaison@example.org" in page and "逾期未报的举措" in page
    with_commit = client.post(f"/bodies/{body.pk}/chase", {"period": previous})
    assert with_commit.status_code == 302
    chase = Chase.objects.get()
    assert (chase.body, chase.period, chase.by, chase.measures) == (body, previous, office, 1)
    assert Notice.objects.filter(recipient=world["liaison"], kind=Notice.Kind.CHASED).count() == 1
    # an accidental second click: refused, and said when and by whom it was chased
    client.post(f"/bodies/{body.pk}/chase", {"period": previous})
    assert Chase.objects.count() == 1
    page = client.get("/todo/").content.decode()
    assert "已催报" in page or "Chased by" in page or "催报" in page
    client.post(f"/bodies/{body.pk}/chase", {"period": previous, "again": "1"})
    assert Chase.objects.count() == 2

    _file(late, world["liaison"], period=current_period(clock.today()).previous())
    assert _keys(office, "late_bodies") == []


def test_only_the_office_may_chase(world, client):
    client.force_login(world["liaison"])
    response = client.post(f"/bodies/{world['body'].pk}/chase", {"period": "2026-10"})
    assert response.status_code == 403 and not Chase.objects.exists()


# -- a viewer -----------------------------------------------------------------------------------


def test_a_viewer_sees_the_bodies_furthest_behind_and_the_red_measures(world):
    red = MeasureFactory(
        lead_body=world["body"], start_date=date(2026, 1, 1), due_date=date(2026, 10, 31)
    )
    MeasureFactory(due_date=date(2027, 12, 31))
    assert _ids(_keys(world["viewer"], "red")) == {red.pk}
    (behind,) = _keys(world["viewer"], "behind")
    assert behind == {"name": world["body"].name, "n": 1}


# -- the page -----------------------------------------------------------------------------------


def test_a_liaison_lands_on_its_todo_and_others_on_the_dashboard(world, client):
    for user, landing in [(world["liaison"], "/todo/"), (world["office"], "/")]:
        user.set_password("pass-word-2026")
        user.save()
        client.logout()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": "pass-word-2026"}
        )
        assert client.get(response["Location"])["Location"] == landing


@pytest.mark.parametrize("who", ["office", "liaison", "viewer"])
def test_the_page_costs_the_same_queries_however_large_the_plan(world, client, who):
    client.force_login(world[who])

    def plan(n: int) -> int:
        for _ in range(n):
            measure = _old(MeasureFactory(lead_body=world["body"], due_date=TODAY))
            MilestoneFactory(measure=measure, due_date=TODAY)
            other = ResponsibleBodyFactory()
            _old(MeasureFactory(lead_body=other, owner=None))
        return queries_for(client, "/todo/")

    assert plan(2) == plan(12)


def test_the_badge_counts_what_waits_and_the_unread_notices(world, client):
    MeasureFactory(lead_body=world["body"])
    client.force_login(world["liaison"])
    html = client.get("/todo/badge").content.decode()
    assert ">1<" in html and "✉" not in html


# -- notices ------------------------------------------------------------------------------------


class Robot(BaseHTTPRequestHandler):
    """A group robot (WeCom and DingTalk take the same text message)."""

    received: list[dict] = []
    answer = b'{"errcode": 0, "errmsg": "ok"}'

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    Robot.received = []
    Robot.answer = b'{"errcode": 0, "errmsg": "ok"}'
    server = HTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=k"
    server.shutdown()


def test_a_returned_report_is_told_once_after_commit_in_app_by_mail_and_robot(
    world, robot, django_capture_on_commit_callbacks
):
    body = world["body"]
    body.webhook_url = robot
    body.save()
    measure = MeasureFactory(lead_body=body, title="建立职工服务站")
    with django_capture_on_commit_callbacks(execute=True):
        report = _file(measure, world["liaison"])
    office_mail = [m for m in mail.outbox if m.to == ["office@example.org"]]
    assert len(office_mail) == 1 and "建立职工服务站" in office_mail[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reporting.review_report(report=report, by=world["office"], accept=False, reason="请补充")
    assert mail.outbox == [] and Robot.received == []  # nothing before the commit
    for callback in callbacks:
        callback()
    (notice,) = Notice.objects.filter(recipient=world["liaison"], kind=Notice.Kind.REPORT_RETURNED)
    assert "请补充" in notice.text and notice.read_at is None
    assert [m.to for m in mail.outbox] == [["liaison@example.org"]]  # once, not to the office
    (message,) = Robot.received
    assert message["msgtype"] == "text" and "请补充" in message["text"]["content"]
    sent = Delivery.objects.filter(state=Delivery.State.SENT)
    assert set(sent.values_list("address", flat=True)) >= {"liaison@example.org", robot}
    assert sent.count() == 3  # the office's mail of the filing, then these two
    assert not Notice.objects.filter(recipient=world["office"], kind="report_returned").exists()


def test_assigning_a_measure_tells_the_new_owner_on_every_path(world, coordinator_client):
    owner = UserFactory(username="wangwu", first_name="王五", email="wang@example.org")
    measure = MeasureFactory()
    response = coordinator_client.post(
        f"/measures/{measure.pk}/assign",
        {
            "owner": owner.pk,
            "lead_body": "",
            "start_date": "",
            "due_date": "",
            "deadline_note": "",
            "priority": measure.priority,
            "loaded_version": measure.version,
        },
    )
    assert response.status_code == 302
    (notice,) = Notice.objects.filter(recipient=owner)
    assert notice.kind == Notice.Kind.MEASURE_ASSIGNED and measure.title in notice.text
    measure.refresh_from_db()
    measure.progress = 30  # a change that assigns nobody tells nobody
    measure.save_edit(expected_version=measure.version)
    assert Notice.objects.filter(recipient=owner).count() == 1


def test_a_person_chooses_which_notices_come_by_mail(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world["office"])
    response = client.post("/notices/settings", {"phone": "123", "email_kinds": ["chased"]})
    assert response.status_code == 302
    measure = MeasureFactory(lead_body=world["body"])
    with django_capture_on_commit_callbacks(execute=True):
        _file(measure, world["liaison"])
    assert Notice.objects.filter(recipient=world["office"]).count() == 1  # still in the app
    assert mail.outbox == []  # report_filed is not among the chosen kinds


def test_a_failed_delivery_is_kept_and_sent_by_the_next_send_reminders(
    world, robot, django_capture_on_commit_callbacks, clock
):
    body = world["body"]
    body.webhook_url = robot
    body.save()
    Robot.answer = b'{"errcode": 310000, "errmsg": "keywords not in content"}'
    measure = MeasureFactory(lead_body=body)
    report = _file(measure, world["liaison"])
    with django_capture_on_commit_callbacks(execute=True):
        reporting.review_report(report=report, by=world["office"], accept=True)
    failed = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK)
    assert failed.state == Delivery.State.PENDING and "310000" in failed.last_error
    Robot.answer = b'{"errcode": 0}'
    clock.move_to(datetime(2026, 11, 24, 11, 0, tzinfo=SHANGHAI))
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    failed.refresh_from_db()
    assert failed.state == Delivery.State.SENT and failed.attempts == 2
    assert len(Robot.received) == 2


def test_send_reminders_names_who_it_could_not_reach_and_tells_the_office_of_the_unassigned(
    world,
):
    nobody = UserFactory(username="nomail", first_name="无邮箱", email="")
    nobody.groups.add(Group.objects.get(name=roles.LIAISON))
    world["body"].members.add(nobody)
    MeasureFactory(lead_body=world["body"], due_date=TODAY + timedelta(days=3))
    orphan = MeasureFactory(lead_body=None, owner=None, due_date=TODAY + timedelta(days=2))
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert "无邮箱" in out.getvalue()
    (office_mail,) = [m for m in mail.outbox if m.to == ["office@example.org"]]
    assert orphan.title in office_mail.body


def test_notices_page_lists_them_and_marks_them_read(world, client):
    measure = MeasureFactory(lead_body=world["body"])
    report = _file(measure, world["liaison"])
    reporting.review_report(report=report, by=world["office"], accept=True)
    client.force_login(world["liaison"])
    assert "✉ 1" in client.get("/todo/badge").content.decode()
    page = client.get("/notices/").content.decode()
    assert measure.title in page
    client.post("/notices/")
    assert not Notice.objects.filter(recipient=world["liaison"], read_at__isnull=True).exists()
    assert ProgressReport.objects.count() == 1


def test_a_chase_is_shown_on_the_period_table(world, client):
    body = world["body"]
    _old(MeasureFactory(lead_body=body))
    previous = str(current_period(clock.today()).previous())
    client.force_login(world["office"])
    client.post(f"/bodies/{body.pk}/chase", {"period": previous})
    page = client.get(f"/reports/?period={previous}").content.decode()
    row = page.split('id="by-body"')[1].split(body.name)[1].split("</tr>")[0]
    assert "11-24 10:00" in row and (world["office"].get_full_name() or "coordinator") in row
