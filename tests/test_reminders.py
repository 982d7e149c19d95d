"""`manage.py send_reminders`: who is reminded of what, one e-mail a person a day."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks import roles
from tasks.models import Measure, ReminderLog
from tasks.reporting import reminders_due
from tests.factories import (
    MeasureFactory,
    ProgressReportFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _measure(**fields) -> Measure:
    """A measure entered on 2 November 2026: it owes reports from November on."""
    fields.setdefault("status", Measure.Status.IN_PROGRESS)
    measure = MeasureFactory(**fields)
    created = timezone.make_aware(datetime.combine(date(2026, 11, 2), time(9)))
    Measure.objects.filter(pk=measure.pk).update(created_at=created)
    return measure


def _run(day: str, *args: str) -> str:
    out = io.StringIO()
    call_command("send_reminders", "--date", day, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def plan(db):
    """On 2026-12-03 (November's reports due on the 5th):

    - 王 owns an overdue measure and one due soon;
    - 李, liaison of 企业, leads both, one more without a report, and one returned;
    - 赵 is a liaison of 企业 too, without an e-mail address;
    - a measure of 法院 whose liaison already filed, and one of 企业 filed and due next year:
      nobody is reminded of them.
    """
    liaison_group = Group.objects.get(name=roles.LIAISON)
    owner = UserFactory(username="wang", first_name="王科长", email="wang@example.org")
    li = UserFactory(
        username="li", first_name="李联络", email="li@example.org", groups=[liaison_group]
    )
    zhao = UserFactory(username="zhao", email="", groups=[liaison_group])
    court_liaison = UserFactory(username="court", email="court@example.org", groups=[liaison_group])
    enterprise = ResponsibleBodyFactory(name="企业")
    enterprise.members.add(li, zhao)
    court = ResponsibleBodyFactory(name="法院")
    court.members.add(court_liaison)
    overdue = _measure(
        title="建立劳动关系风险监测", owner=owner, lead_body=enterprise, due_date=date(2026, 11, 30)
    )
    soon = _measure(
        title="开展工匠培训", owner=owner, lead_body=enterprise, due_date=date(2026, 12, 10)
    )
    _measure(title="推进集体协商", lead_body=enterprise, due_date=date(2027, 6, 30))
    returned = _measure(title="建设职工之家", lead_body=enterprise)
    filed = _measure(title="法院联动", lead_body=court)
    for measure in (overdue, soon, filed):
        ProgressReportFactory(measure=measure, period="2026-11")
    ProgressReportFactory(
        measure=returned, period="2026-11", review_state="returned", return_reason="请补充数据"
    )
    later = _measure(title="以后再说", lead_body=enterprise, due_date=date(2027, 3, 1))
    ProgressReportFactory(measure=later, period="2026-11")  # reported, and not due soon
    return {"owner": owner, "li": li, "zhao": zhao, "court": court_liaison}


def _summary(day: str, sent: int, items: int, today: int, no_address: int) -> str:
    return _(
        "Reminders for %(day)s: sent %(sent)d (%(items)d items); already reminded "
        "today: %(today)d; without an e-mail address: %(no_address)d."
    ) % {"day": day, "sent": sent, "items": items, "today": today, "no_address": no_address}


def _mail_to(address: str):
    found = [message for message in mail.outbox if message.to == [address]]
    assert len(found) == 1, [m.to for m in mail.outbox]
    return found[0]


def test_each_person_gets_one_email_with_all_their_items(plan):
    output = _run("2026-12-03")
    assert len(mail.outbox) == 2  # 王 and 李; 赵 has no address; 法院 has nothing to do
    owner = _mail_to("wang@example.org")
    assert "建立劳动关系风险监测" in owner.body and "开展工匠培训" in owner.body
    assert "推进集体协商" not in owner.body  # reports are chased from the liaisons
    assert _("Measures past their due date:") in owner.body
    assert _("Measures due soon:") in owner.body
    liaison = _mail_to("li@example.org")
    for title in (
        "建立劳动关系风险监测",
        "开展工匠培训",
        "推进集体协商",
        "建设职工之家",
        "请补充数据",
    ):
        assert title in liaison.body
    assert "法院联动" not in liaison.body and "以后再说" not in liaison.body
    deadline = _("Progress reports for %(period)s not filed yet, due by %(deadline)s:") % {
        "period": "2026-11",
        "deadline": "2026-12-05",
    }
    assert deadline in liaison.body
    assert "/measures/" in liaison.body and "report?period=2026-11" in liaison.body
    assert "4" in liaison.subject and "2026-12-03" in liaison.subject
    assert liaison.from_email and "\n" not in liaison.subject
    assert _summary("2026-12-03", sent=2, items=6, today=0, no_address=1) in output
    logs = {log.user.username: log.items for log in ReminderLog.objects.select_related("user")}
    assert logs == {"wang": 2, "li": 4}


def test_at_most_one_email_a_person_a_day(plan):
    _run("2026-12-03")
    again = _run("2026-12-03")
    assert len(mail.outbox) == 2
    assert ReminderLog.objects.count() == 2
    assert _summary("2026-12-03", sent=0, items=0, today=2, no_address=1) in again
    _run("2026-12-04")
    assert len(mail.outbox) == 4  # a new day, a new reminder


def test_a_dry_run_sends_and_records_nothing(plan):
    output = _run("2026-12-03", "--dry-run")
    assert mail.outbox == [] and not ReminderLog.objects.exists()
    assert "li <li@example.org>" in output and "wang <wang@example.org>" in output


def test_late_reports_of_the_previous_period_after_its_deadline(plan):
    # on 6 December December is being collected (due 5 January: not yet chased); November late
    plan_today = reminders_due(today=date(2026, 12, 6))
    liaison = next(r for r in plan_today.reminders if r.user.username == "li")
    assert [row.measure.title for row in liaison.reports_late] == ["推进集体协商"]
    assert liaison.reports_due == []
    assert [row.measure.title for row in liaison.reports_returned] == ["建设职工之家"]
    _run("2026-12-06")
    body = _mail_to("li@example.org").body
    late = _("Progress reports for %(period)s not filed, late since %(deadline)s:") % {
        "period": "2026-11",
        "deadline": "2026-12-05",
    }
    assert late in body


def test_reports_are_not_chased_long_before_their_deadline(plan):
    # 10 November: November is collected (due 5 December, more than 14 days away)
    reminders = reminders_due(today=date(2026, 11, 10)).reminders
    assert all(not r.reports_due for r in reminders)


def test_people_without_an_address_are_skipped_and_counted(plan):
    plan["li"].email = ""
    plan["li"].save()
    output = _run("2026-12-03")
    assert len(mail.outbox) == 1
    assert not ReminderLog.objects.filter(user=plan["li"]).exists()
    assert _summary("2026-12-03", sent=1, items=2, today=0, no_address=2) in output


def test_inactive_people_are_not_reminded(plan):
    plan["owner"].is_active = False
    plan["owner"].save()
    _run("2026-12-03")
    assert [m.to for m in mail.outbox] == [["li@example.org"]]


def test_a_failed_sending_leaves_no_log_so_a_later_run_retries(plan, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def broken(self, messages):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    with pytest.raises(OSError):
        _run("2026-12-03")
    assert not ReminderLog.objects.exists()
    monkeypatch.undo()
    _run("2026-12-03")
    assert len(mail.outbox) == 2


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError):
        _run("2026-02-30")
