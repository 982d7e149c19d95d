"""完成时限 as plans write them: the note kept, the date it means (pure, no database)."""

from datetime import date

import pytest

from tasks.deadlines import Deadline, is_open_ended, parse


@pytest.mark.parametrize(
    ("written", "note", "due"),
    [
        ("2027-06-30", "", date(2027, 6, 30)),
        ("2027/6/30", "", date(2027, 6, 30)),
        ("2027.6.30", "", date(2027, 6, 30)),
        ("2027年6月30日", "", date(2027, 6, 30)),
        ("2027年6月底前", "2027年6月底前", date(2027, 6, 30)),
        ("2027年6月底", "2027年6月底", date(2027, 6, 30)),
        ("2027年底前", "2027年底前", date(2027, 12, 31)),
        ("全年", "全年", None),  # throughout the year: no end
        ("2027年全年", "2027年全年", date(2027, 12, 31)),
        ("2027年", "2027年", date(2027, 12, 31)),
        ("6月底前", "6月底前", date(2026, 6, 30)),  # the plan's year
        ("六月底前", "六月底前", date(2026, 6, 30)),
        ("2月底前", "2月底前", date(2026, 2, 28)),
        ("10月前", "10月前", date(2026, 9, 30)),  # before October begins
        ("1月前", "1月前", date(2025, 12, 31)),
        ("9月中旬前", "9月中旬前", date(2026, 9, 20)),
        ("9月上旬", "9月上旬", date(2026, 9, 10)),
        ("2027年3月15日前", "2027年3月15日前", date(2027, 3, 15)),
        ("第三季度", "第三季度", date(2026, 9, 30)),
        ("2027年第一季度", "2027年第一季度", date(2027, 3, 31)),
        ("三季度末", "三季度末", date(2026, 9, 30)),
        ("上半年", "上半年", date(2026, 6, 30)),
        ("2027年下半年", "2027年下半年", date(2027, 12, 31)),
        ("年底前", "年底前", date(2026, 12, 31)),
        ("年内完成", "年内完成", date(2026, 12, 31)),
        ("长期坚持", "长期坚持", None),
        ("持续推进", "持续推进", None),
        ("常态化开展", "常态化开展", None),
        ("视情况而定", "视情况而定", None),  # a note, but no time in it
        ("  2027年6月底前 ", "2027年6月底前", date(2027, 6, 30)),
        ("", "", None),
    ],
)
def test_a_deadline_as_written(written, note, due):
    assert parse(written, year=2026) == Deadline(note, due)


def test_impossible_dates_give_no_date():
    assert parse("2027-02-30", year=2026).due is None
    assert parse("13月底前", year=2026).due is None


@pytest.mark.parametrize(
    ("note", "open_ended"),
    [("长期坚持", True), ("持续推进", True), ("2027年底前持续推进", False), ("6月底前", False)],
)
def test_open_ended_notes_name_no_time(note, open_ended):
    assert is_open_ended(note) is open_ended
    assert parse(note, year=2026).open_ended is open_ended


# -- one reader on every path: the measure page, the document import (and the ledger upload, in
# tests/test_ledger_round_trip.py) ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_measure_page_keeps_the_note_and_gives_its_day(coordinator_client):
    from tasks.models import Measure
    from tests.factories import MeasureFactory

    measure = MeasureFactory(start_date=date(2026, 1, 1))
    data = {
        "owner": "",
        "lead_body": "",
        "start_date": "2026-01-01",
        "due_date": "",
        "deadline_note": "2027年6月底前",
        "priority": measure.priority,
        "loaded_version": measure.version,
    }
    response = coordinator_client.post(f"/measures/{measure.pk}/assign", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    measure.refresh_from_db()
    assert (measure.deadline_note, measure.due_date) == ("2027年6月底前", date(2027, 6, 30))
    data |= {"deadline_note": "第三季度", "loaded_version": measure.version, "due_date": ""}
    coordinator_client.post(f"/measures/{measure.pk}/assign", data)
    measure = Measure.objects.get(pk=measure.pk)
    assert (measure.deadline_note, measure.due_date) == ("第三季度", date(2026, 9, 30))


@pytest.mark.django_db
def test_a_document_s_deadline_gives_the_measure_its_day(tmp_path):
    import io

    from django.core.management import call_command

    from tasks.models import Measure

    text = (
        "关于深化工会改革的实施方案\n"
        "一、健全组织体系\n"
        "（一）2027年6月底前，建立健全基层工会组织体系，扩大覆盖面。\n"
        "（二）长期坚持，加强工会干部队伍建设，提高履职能力。\n"
    )
    path = tmp_path / "方案.txt"
    path.write_text(text, encoding="utf-8")
    call_command("import_document", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    dated = Measure.objects.get(deadline_note="2027年6月底前")
    assert dated.due_date == date(2027, 6, 30)
    assert Measure.objects.get(deadline_note="长期坚持").due_date is None
