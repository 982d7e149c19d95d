"""`manage.py import_seeds`: what it creates from seeds/, idempotence, and bad input."""

import io
import os
import subprocess
import sys
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from tasks.models import Measure, ReformArea, ResponsibleBody, Source
from tests.conftest import PROJECT_DIR
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _import(folder) -> str:
    out = io.StringIO()
    call_command("import_seeds", seeds_dir=folder, stdout=out)
    return out.getvalue()


def _snapshot():
    return (
        Source.objects.count(),
        ReformArea.objects.count(),
        Measure.objects.count(),
        ResponsibleBody.objects.count(),
        Measure.history.count(),
    )


def test_creates_sources_areas_measures(seeded):
    sources = list(Source.objects.order_by("pk"))
    assert [s.author for s in sources] == ["魏国强", "方启军", "杨思斌", "史强"]
    assert sources[1].affiliation == "成都市总工会党组成员、副主席"
    assert sources[1].column == "观点"
    assert all(
        s.file_name == "union-reform-articles.zh.txt" and len(s.content_hash) == 64 for s in sources
    )
    per_source = [s.areas.count() for s in sources]
    assert per_source == [4, 3, 1, 4]
    assert [a.ordinal for a in sources[0].areas.all()] == ["第一", "第二", "第三", "第五"]
    measures = [[a.measures.count() for a in s.areas.all()] for s in sources[1:]]
    assert measures == [[3, 3, 3], [5], [3, 3, 3, 2]]
    assert Measure.objects.filter(area__source=sources[0]).count() >= 8


def test_areas_and_ranks_follow_the_page(seeded):
    orders = list(ReformArea.objects.values_list("order", flat=True))
    assert orders == list(range(1, 13))
    ranks = list(Measure.objects.order_by("rank").values_list("rank", flat=True))
    assert ranks == list(range(1, len(ranks) + 1))
    # rank follows the page: the measures of an earlier area come first
    area_orders = list(Measure.objects.order_by("rank").values_list("area__order", flat=True))
    assert area_orders == sorted(area_orders)


def test_every_excerpt_is_in_its_source(seeded):
    for measure in Measure.objects.select_related("area__source"):
        assert measure.excerpt
        assert measure.excerpt in measure.area.source.text


def test_bodies_are_rows_linked_to_the_measures_naming_them(seeded):
    for name in ["法院", "检察院", "人社", "司法", "企业", "职业院校", "国家开放大学", "行业协会"]:
        body = ResponsibleBody.objects.get(name=name)
        linked = list(body.cooperating_measures.all())
        assert linked, name
        assert all(name in measure.excerpt for measure in linked), name
    assert ResponsibleBody.objects.get(name="法院").kind == ResponsibleBody.Kind.JUDICIAL
    assert ResponsibleBody.objects.get(name="职业院校").kind == ResponsibleBody.Kind.EDUCATION
    court = Measure.objects.get(cooperating_bodies__name="法院")
    assert set(court.cooperating_bodies.values_list("name", flat=True)) >= {
        "工会",
        "法院",
        "检察院",
        "人社",
        "司法",
    }


def test_warnings_are_stored_and_worded_in_chinese(seeded):
    first = Source.objects.order_by("pk").first()
    codes = [w["code"] for w in first.warnings]
    assert codes == ["repeated_passage", "skipped_number"]
    messages = first.warning_messages()
    assert any("第四" in m and "编号" in m for m in messages)
    assert any("第五" in m and "第三" in m and "重复" in m for m in messages)


def test_second_run_creates_nothing_and_keeps_user_changes(seeded):
    user = UserFactory()
    body = ResponsibleBody.objects.create(name="省总工会改革办")
    measure = Measure.objects.get(rank=3)
    measure.owner = user
    measure.lead_body = body
    measure.start_date, measure.due_date = date(2026, 1, 1), date(2026, 12, 31)
    measure.priority, measure.status, measure.progress = 1, "in_progress", 40
    measure.title = "用户改过的标题"
    measure.save()
    measure.cooperating_bodies.set([body])
    Measure.objects.filter(pk=measure.pk).update(rank=999)
    before = _snapshot()

    output = _import(PROJECT_DIR / "seeds")

    assert _snapshot() == before
    measure.refresh_from_db()
    assert (measure.owner, measure.lead_body, measure.title) == (user, body, "用户改过的标题")
    assert (measure.start_date, measure.due_date) == (date(2026, 1, 1), date(2026, 12, 31))
    assert (measure.priority, measure.status, measure.progress, measure.rank) == (
        1,
        "in_progress",
        40,
        999,
    )
    assert list(measure.cooperating_bodies.all()) == [body]
    assert "已导入过，保持不变" in output


def test_output_is_chinese_and_counts(db):
    output = _import(PROJECT_DIR / "seeds")
    assert "新增来源 4 篇、领域 12 个" in output
    assert "警告" in output


def _expect_refusal(folder, *fragments):
    with pytest.raises(CommandError) as error:
        _import(folder)
    for fragment in fragments:
        assert fragment in str(error.value)
    assert "未导入任何内容" in str(error.value)
    assert _snapshot() == (0, 0, 0, 0, 0)


def test_missing_folder_is_refused(tmp_path):
    _expect_refusal(tmp_path / "nowhere", "不存在", "DJANGO_SEEDS_DIR")


def test_folder_without_documents_is_refused(tmp_path):
    _expect_refusal(tmp_path, "没有 .txt 文档")


def test_empty_file_is_refused_and_nothing_written(seeds_copy):
    (seeds_copy / "zz-empty.txt").write_text("  \n\n", encoding="utf-8")
    _expect_refusal(seeds_copy, "zz-empty.txt", "空文件")


def test_non_utf8_file_is_refused_and_nothing_written(seeds_copy):
    (seeds_copy / "zz-gbk.txt").write_bytes("关于深化工会改革的实施方案".encode("gb18030"))
    _expect_refusal(seeds_copy, "zz-gbk.txt", "UTF-8")


def test_manifest_start_not_on_the_page_is_refused(seeds_copy):
    manifest = seeds_copy / "manifest.toml"
    manifest.write_text(
        manifest.read_text("utf-8").replace('starts = "健全产业工人', 'starts = "不存在的标题'),
        encoding="utf-8",
    )
    _expect_refusal(seeds_copy, "不存在的标题", "manifest.toml")


def test_broken_manifest_is_refused(seeds_copy):
    (seeds_copy / "manifest.toml").write_text("[[article]\n", encoding="utf-8")
    _expect_refusal(seeds_copy, "manifest.toml")


def test_failure_midway_rolls_everything_back(seeds_copy, monkeypatch):
    calls = {"n": 0}
    original = ReformArea.full_clean

    def fail_on_fifth(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ReformArea, "full_clean", fail_on_fifth)
    with pytest.raises(RuntimeError):
        _import(seeds_copy)
    assert _snapshot() == (0, 0, 0, 0, 0)


def test_file_without_manifest_entry_is_one_document(tmp_path):
    (tmp_path / "plan.txt").write_text(
        "关于深化工会改革的工作要点\n\n1. 加强组织建设。\n\n2. 完善制度机制。\n", encoding="utf-8"
    )
    _import(tmp_path)
    source = Source.objects.get()
    assert source.title == "关于深化工会改革的工作要点"
    assert list(Measure.objects.values_list("title", flat=True)) == ["加强组织建设", "完善制度机制"]


def test_command_exits_non_zero_with_a_chinese_message(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "import_seeds", "--seeds-dir", str(tmp_path / "nowhere")],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "未导入任何内容" in result.stderr
