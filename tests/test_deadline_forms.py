"""Forms of 完成时限 that real documents write, beyond those of tests/test_deadlines.py: a
month written as a date in a 任务清单 (2018.09), and deadlines the document import finds inside
an item's text (tasks.outline.when) and reads in the plan's year."""

from datetime import date

import pytest

from tasks.deadlines import Deadline, parse
from tasks.outline.when import find


@pytest.mark.parametrize(
    ("written", "due"),
    [
        ("2018.09", date(2018, 9, 30)),
        ("2018.12", date(2018, 12, 31)),
        ("2019-2", date(2019, 2, 28)),
        ("2020/02", date(2020, 2, 29)),
        ("2018.13", None),
    ],
)
def test_a_month_written_as_a_date(written, due):
    assert parse(written, year=2026) == Deadline(written, due)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        # after the responsibility note, in a sentence of its own
        (
            "推动落实薪酬分配指引。（市人社局牵头，市教育局配合）2026年6月底前出台实施细则。",
            "2026年6月底前",
        ),
        ("加大力度。（市委组织部牵头）长期坚持。", "长期坚持"),
        ("建立工作台账，实行月调度。（市总工会改革办牵头）持续推进。", "持续推进"),
        # a sentence of its own after the task
        ("打造10个阵地。2026年12月底前完成首批建设。", "2026年12月底前"),
        # a trailing aside
        ("开展技能培训（2026年6月底前完成）", "2026年6月底前完成"),
        # the head of a clause
        ("把报告作为必学内容。11月底前，每个支部组织１次集中学习。", "11月底前"),
        ("组织研讨。2023年1月上旬，各支部开好组织生活会。", "2023年1月上旬"),
        # inside a sentence
        ("积极落实建设计划，力争在年底前交付使用。", "年底前"),
        ("争取5月底前完成拆迁任务，6月底入园高校开工建设。", "5月底前"),
        ("落实政策，实施期限至2022年12月31日。", "2022年12月31日"),
        # none
        ("深化改革，巩固2017年的成绩。", ""),
        ("全年劳动和技能竞赛要覆盖职工35万人次。", ""),
        ("牵头部门的应急机构建设。", ""),
    ],
)
def test_a_deadline_found_in_an_item(text, note):
    assert find(text) == note


@pytest.mark.parametrize(
    ("note", "due"),
    [
        ("6月底前", date(2023, 6, 30)),  # the plan's year, not today's
        ("第三季度", date(2023, 9, 30)),
        ("2026年6月底前", date(2026, 6, 30)),
        ("长期坚持", None),
    ],
)
def test_the_import_reads_a_deadline_in_the_plan_s_year(note, due):
    from tasks.intake.proposal import deadline_of
    from tasks.outline import Outline

    plan = Outline(published_on="2023-03-28", year=2023)
    assert deadline_of(note, plan).due == due


def test_a_month_before_the_plan_s_date_is_next_year_s():
    from tasks.intake.proposal import deadline_of
    from tasks.outline import Outline

    plan = Outline(published_on="2020-12-26", year=2020)
    assert deadline_of("1月15日前", plan).due == date(2021, 1, 15)
    assert deadline_of("12月底前", plan).due == date(2020, 12, 31)
    assert deadline_of("2020年1月底前", plan).due == date(2020, 1, 31)
