"""Demo data at any scale: a fictional province's reform plan, its unions, people and reports.

Used by ``manage.py generate_demo`` to see the screens full and to measure them under load. What
it writes, and why so:

- **One source per seed**, titled ``演示数据（种子 S）`` with file name ``demo:seed-S``, holding
  every area and measure of the run: demo rows are recognisable, and a database is told apart
  from a real one by its sources alone (see `check_database` for the refusal rule). A seed is
  used once: a second run with it is refused; another seed adds its own province, people and
  plan next to the first, ranks continuing after the highest in use and body names checked
  against those already there (a rare clash gets a suffix such as ``（2）``).
- **Deterministic**: every choice comes from ``random.Random(seed)`` — never the global
  generator — and from the day it runs on. The same seed and counts on the same starting
  database give the same rows (titles, dates, bodies, people, links, reports), on SQLite and
  PostgreSQL alike; `fingerprint` hashes them to check. Primary keys are the database's and
  are left out of that promise.
- **Fast**: rows are built in memory and written with ``bulk_create(batch_size=…)``, a fixed
  number of statements per table and batch — never one per row — all in one transaction, so a
  failed run leaves nothing behind. Reports are built and written 10,000 at a time to bound
  memory. ``bulk_create`` skips ``save()`` and signals, so every required field is set here
  (``version`` keeps its default of 1) and **no history rows** are written: demo rows simply
  have no history before the run, which the history pages already handle. Contributions,
  extension requests and attachments are not generated.
- **An organisation tree** 省总工会 → 市总工会 (~10% of the bodies) → 县区总工会 (~30%) → 基层工会
  (the rest), plus a handful of 党政部门, 司法机关, 企业, 院校 and 社会组织 outside it. Place
  names are invented from syllables: a seed is a fictional province, so nothing reads as a real
  body's record.
- **People**: about 2% 改革办 (coordinators, who review reports and close measures), 2% 领导
  (viewers), the rest 责任单位联络员, each a member of one body, given out from the top of the
  tree down; only bodies with a member lead measures, so every measure's owner and every
  report's author is a member of its lead body. Passwords are unusable: nobody logs in as demo
  data (give one a password with ``changepassword`` to look through their eyes), and hashing
  thousands of real passwords would cost minutes.
- **Measures** start from about three years ago to two months ahead, with due dates at month
  ends after the start, ~10% ``长期坚持`` or ``持续推进`` without a due date, statuses that fit
  the dates (past due: mostly completed, some late, a few suspended; completed means 100%,
  not started 0%), ranks continuing after the highest rank in use, ~20% sub-measures of a
  measure in the same area (completed with it when it is completed), 0–3 co-operating bodies,
  and milestones for ~30%. Every measure is recorded as created on the plan's day, before the
  first start, because the reporting cycle counts only measures that existed when a period
  ended.
- **Reports**: one per measure and period at most (the database's unique constraint), from the
  period the measure started in up to the last closed period — or its completion or suspension
  — filed in the following month, by a member of the lead body, with progress rising to the
  measure's figure. Which periods get a report is a uniform sample of exactly the requested
  number, except that a completed or suspended measure always keeps its final report, so a
  closed (销号) measure always has the accepted final report the office closed it on. When the
  measures' lives allow fewer reports than asked, that many are written (`Written` says so).
  Recent reports are partly awaiting review or returned; older ones are almost all accepted.
  Periods are months, or quarters when ``DJANGO_REPORT_PERIOD=quarter``, as the reporting
  cycle expects.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import connection, models, reset_queries, transaction
from django.utils import timezone

from tasks import clock, numerals, roles
from tasks.demo import federated
from tasks.models import (
    Measure,
    Milestone,
    ProgressReport,
    ReformArea,
    ResponsibleBody,
    Source,
)
from tasks.periods import Period

DEMO_PREFIX = "demo:"
BATCH_SIZE = 2000  # rows per INSERT (fewer where SQLite's variable limit needs it)
REPORT_CHUNK = 10_000  # reports built in memory, written, then dropped

# The smallest counts that still make a coherent plan: a tree needs its four levels, the
# people a coordinator, a viewer and a liaison.
MINIMUM = {"measures": 1, "areas": 1, "bodies": 4, "users": 3, "reports": 0}
# --federations: the province, 13 cities, 100 counties, the bodies outside the tree and
# some grassroots unions
FEDERATED_BODIES = 150

# phase, rows done, rows in the phase; the phase "checked" first, once the database passed
Progress = Callable[[str, int, int], None]


def source_file_name(seed: int) -> str:
    return f"{DEMO_PREFIX}seed-{seed}"


def source_title(seed: int) -> str:
    return f"演示数据（种子 {seed}）"


def username_prefix(seed: int) -> str:
    return f"demo-{seed}-"


@dataclass(frozen=True)
class Counts:
    """How many rows of each kind to write; `scaled` fills in the ones not given from N."""

    measures: int
    areas: int
    bodies: int
    users: int
    reports: int
    federations: bool = False  # hand the plan down to the cities and counties (federated.py)

    @classmethod
    def scaled(
        cls,
        measures: int,
        *,
        areas: int | None = None,
        bodies: int | None = None,
        users: int | None = None,
        reports: int | None = None,
        federations: bool = False,
    ) -> Counts:
        bodies = max(10, measures // 10) if bodies is None else bodies
        if federations:  # a province's shape: 13 cities and 100 counties (TreeSizes.of)
            bodies = max(bodies, FEDERATED_BODIES)
        return cls(
            federations=federations,
            measures=measures,
            areas=max(3, measures // 50) if areas is None else areas,
            bodies=bodies,
            users=max(5, measures // 20) if users is None else users,
            reports=measures * 10 if reports is None else reports,
        )


@dataclass(frozen=True)
class TreeSizes:
    """How the bodies split between the levels of the union tree and the bodies outside it."""

    cities: int
    counties: int
    grassroots: int
    others: int

    @classmethod
    def of(cls, bodies: int, *, federations: bool = False) -> TreeSizes:
        """With `federations`, a province's shape: 13 cities and 100 counties (the bodies are
        at least FEDERATED_BODIES then)."""
        others = min(len(OTHER_BODIES), bodies // 10)
        cities = max(1, bodies // 10)
        counties = max(1, bodies * 3 // 10)
        if federations:
            cities, counties = 13, 100
        return cls(cities, counties, bodies - others - 1 - cities - counties, others)


@dataclass
class Written:
    """What one run wrote; `report_capacity` is how many reports the measures' lives allow."""

    source: Source
    areas: int = 0
    bodies: int = 0
    users: int = 0
    measures: int = 0
    cooperations: int = 0
    milestones: int = 0
    reports: int = 0
    report_capacity: int = 0


class RealDataFound(Exception):
    """The database holds sources that generate_demo did not write: demo rows would mix in."""

    def __init__(self, count: int, example: str) -> None:
        super().__init__(f"{count} non-demo sources, e.g. {example!r}")
        self.count = count
        self.example = example


class SeedTaken(Exception):
    """This seed's demo data is there already: a second copy would collide on its names."""

    def __init__(self, seed: int) -> None:
        super().__init__(f"demo data for seed {seed} exists")
        self.seed = seed


def check_database(seed: int, *, force: bool) -> None:
    """Refuse to write when the database is not a demo database, or has this seed already.

    The rule is on sources alone: any source whose file name does not start with ``demo:`` is
    real data. Every area hangs off a source, and every measure (hence every report) off an
    area, so this covers the whole plan; users and bodies are left out of the rule because a
    fresh installation already has some (create_demo_users, an admin's own account). With
    ``force`` demo data is added anyway. A seed already used is refused even with ``force``:
    its source and usernames would collide — another seed adds more (its own province).
    """
    real = Source.objects.exclude(file_name__startswith=DEMO_PREFIX).order_by("pk")
    if not force:
        first = real.first()
        if first is not None:
            raise RealDataFound(real.count(), first.title)
    if (
        Source.objects.filter(file_name=source_file_name(seed)).exists()
        or get_user_model().objects.filter(username__startswith=username_prefix(seed)).exists()
    ):
        raise SeedTaken(seed)


def generate(
    counts: Counts,
    *,
    seed: int,
    force: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> Written:
    """Write the demo data for `seed` in one transaction (see the module docstring)."""
    with transaction.atomic():
        check_database(seed, force=force)
        (progress or (lambda phase, done, total: None))("checked", 0, 0)
        builder = _Builder(counts, seed, today or clock.today(), progress)
        written = builder.run()
    if connection.vendor == "postgresql":
        # The planner's statistics for the new rows now, as autovacuum would gather them soon.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return written


def fingerprint(seed: int) -> str:
    """A hash of what the run for `seed` wrote, primary keys left out: equal runs, equal hashes.

    Values are hashed as text, so SQLite and PostgreSQL give the same hash for the same rows.
    """
    digest = hashlib.sha256()
    source = Source.objects.get(file_name=source_file_name(seed))
    measures = Measure.objects.filter(area__source=source)
    users = get_user_model().objects.filter(username__startswith=username_prefix(seed))
    queries = [
        ReformArea.objects.filter(source=source)
        .order_by("order")
        .values_list("order", "ordinal", "title", "summary"),
        users.order_by("username").values_list("username", "first_name", "groups__name"),
        ResponsibleBody.objects.filter(members__in=users)
        .order_by("name", "members__username")
        .values_list("name", "kind", "parent__name", "parent__parent__name", "members__username"),
        measures.order_by("federation__name", "rank").values_list(
            "federation__name",
            "rank",
            "area__order",
            "parent__rank",
            "ordinal",
            "title",
            "excerpt",
            "start_date",
            "due_date",
            "deadline_note",
            "status",
            "progress",
            "priority",
            "closed_on",
            "closed_by__username",
            "created_at",
            "lead_body__name",
            "owner__username",
        ),
        Measure.cooperating_bodies.through.objects.filter(measure__in=measures)
        .order_by("measure__rank", "responsiblebody__name")
        .values_list("measure__rank", "responsiblebody__name"),
        Milestone.objects.filter(measure__in=measures)
        .order_by("measure__rank", "due_date", "title")
        .values_list("measure__rank", "title", "due_date", "done_on"),
        ProgressReport.objects.filter(measure__in=measures)
        .order_by("measure__rank", "period")
        .values_list(
            "measure__rank",
            "period",
            "author__username",
            "body__name",
            "progress",
            "status",
            "review_state",
            "done_text",
            "problems",
            "next_steps",
            "return_reason",
            "submitted_at",
            "reviewed_at",
            "reviewed_by__username",
        ),
    ]
    for query in queries:
        for row in query.iterator(chunk_size=5000):
            digest.update("\x1f".join(map(str, row)).encode() + b"\x1e")
        digest.update(b"\x1d")
    return digest.hexdigest()


# -- words --------------------------------------------------------------------------------------

PLACE_FIRST = (
    "安宝滨昌崇川丹东丰福阜广海汉和河衡红华淮惠吉嘉建江金晋景靖九开康兰乐丽连临龙鲁洛茂梅明南"
    "宁平浦启青清庆泉瑞润沙山韶绍寿顺泰天通桐万文武西仙湘新信兴秀宣阳宜永余玉元云湛漳昭镇舟遵"
)
PLACE_SECOND = (
    "安宁平阳江山川州城源泉林河海口水丰和德华昌兴化定远溪湖南北明清乡陵原台峰桥门沙谷都康泰乐宜盛"
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
    "建国红文斌宇浩凯鹏辉鑫婷雪琳晨欣悦思佳志海波宁俊峰亮飞丹蕾"
)

# 党政部门, 司法机关, 企业, 院校, 社会组织 of the province ({p}); the kinds interleave so that even
# a handful of them has several kinds.
OTHER_BODIES = (
    ("{p}省人力资源和社会保障厅", ResponsibleBody.Kind.GOVERNMENT),
    ("{p}省高级人民法院", ResponsibleBody.Kind.JUDICIAL),
    ("{p}省能源集团有限公司", ResponsibleBody.Kind.ENTERPRISE),
    ("{p}省工会干部学校", ResponsibleBody.Kind.EDUCATION),
    ("{p}省发展和改革委员会", ResponsibleBody.Kind.GOVERNMENT),
    ("{p}省人民检察院", ResponsibleBody.Kind.JUDICIAL),
    ("{p}省企业联合会", ResponsibleBody.Kind.SOCIAL),
    ("{p}省财政厅", ResponsibleBody.Kind.GOVERNMENT),
    ("{p}省交通投资集团有限公司", ResponsibleBody.Kind.ENTERPRISE),
    ("{p}省职业技术学院", ResponsibleBody.Kind.EDUCATION),
    ("{p}省委组织部", ResponsibleBody.Kind.GOVERNMENT),
    ("{p}省司法厅", ResponsibleBody.Kind.GOVERNMENT),
    ("{p}省社会科学院", ResponsibleBody.Kind.EDUCATION),
    ("{p}省委宣传部", ResponsibleBody.Kind.GOVERNMENT),
    ("{p}省律师协会", ResponsibleBody.Kind.SOCIAL),
    ("{p}省教育厅", ResponsibleBody.Kind.GOVERNMENT),
)
# 基层工会 of a county or district ({c}): hospitals, schools, firms, towns, offices.
GRASSROOTS = (
    "{c}人民医院工会",
    "{c}中医院工会",
    "{c}第{n}中学工会",
    "{c}实验小学工会",
    "{c}供电公司工会",
    "{c}农村商业银行工会",
    "{c}{brand}{trade}有限公司工会",
    "{c}{brand}{trade}有限公司工会",
    "{c}{brand}{trade}有限公司工会",
    "{c}{town}镇总工会",
    "{c}{town}街道总工会",
    "{c}市场监督管理局机关工会",
    "{c}公共交通有限公司工会",
    "{c}快递物流行业工会联合会",
    "{c}{brand}产业园工会联合会",
)
BRANDS = (
    "华信",
    "恒达",
    "宏远",
    "鑫源",
    "永泰",
    "金桥",
    "中联",
    "天成",
    "瑞丰",
    "博远",
    "新创",
    "安达",
)
TRADES = (
    "机械制造",
    "纺织",
    "食品",
    "电子科技",
    "建材",
    "物流",
    "化工",
    "汽车配件",
    "医药",
    "新能源",
)

AREA_VERBS = ("深化", "健全", "推进", "完善")
AREA_THEMES = (
    "产业工人队伍建设改革",
    "职工权益维护机制改革",
    "工会组织体系改革",
    "工会服务职工体系改革",
    "新就业形态劳动者权益保障工作改革",
    "工会经费管理改革",
    "基层工会建设改革",
    "劳模和工匠人才培育机制改革",
    "工会网上工作改革",
    "职工思想政治引领工作改革",
    "和谐劳动关系构建机制改革",
    "工会干部队伍建设改革",
    "厂务公开民主管理制度改革",
    "困难职工帮扶体系改革",
    "产业工会工作改革",
    "集体协商制度改革",
    "区域行业工会联合会建设改革",
    "工会法治保障体系改革",
)
# (object, verbs that go with it)
OBJECTS = (
    ("产业工人队伍建设改革", ("深化", "推进")),
    ("职工技能培训体系", ("健全", "完善", "构建")),
    ("新就业形态劳动者入会工作", ("推进", "深化")),
    ("工会经费收缴管理", ("规范", "完善", "加强")),
    ("职工服务阵地建设", ("加强", "推进")),
    ("劳模和工匠人才创新工作室建设", ("推进", "加强")),
    ("工资集体协商机制", ("健全", "完善", "深化")),
    ("困难职工帮扶制度", ("完善", "健全")),
    ("职工法律援助服务", ("加强", "拓展", "完善")),
    ("厂务公开民主管理制度", ("完善", "深化", "落实")),
    ("劳动关系风险监测预警机制", ("建立", "健全")),
    ("智慧工会服务平台", ("建设", "升级", "推广")),
    ("基层工会规范化建设", ("推进", "加强")),
    ("工会干部教育培训", ("加强", "深化")),
    ("职工心理健康服务", ("开展", "拓展")),
    ("户外劳动者服务站点", ("建设", "优化")),
    ("职工书屋和文体阵地", ("建设", "提升")),
    ("女职工特殊权益保护", ("加强", "落实")),
    ("职工互助保障活动", ("深化", "拓展")),
    ("劳动和技能竞赛", ("深入开展", "广泛组织")),
    ("产业工会工作体系", ("健全", "完善")),
    ("区域性行业性工会联合会", ("组建", "规范")),
    ("工会组织有效覆盖", ("扩大", "推进")),
    ("工会会员实名制管理", ("推进", "完善")),
    ("职工疗休养制度", ("落实", "完善")),
    ("劳动争议调解工作", ("加强", "深化")),
    ("“互联网+”普惠服务", ("推进", "拓展")),
    ("职工思想政治引领", ("加强", "深化")),
    ("工会财务审计监督", ("强化", "加强")),
    ("一线职工技能提升行动", ("实施", "推进")),
    ("职工代表大会制度", ("落实", "健全")),
    ("工会劳动法律监督", ("加强", "深化")),
    ("农民工欠薪治理协作机制", ("健全", "完善")),
    ("职工医疗互助保障", ("扩大", "深化")),
    ("工会驿站建设", ("推进", "提升")),
    ("职工创新成果转化", ("推动", "促进")),
    ("工会数字化档案管理", ("推进", "规范")),
    ("青年职工成长成才服务", ("加强", "拓展")),
    ("职工子女托管服务", ("开展", "推广")),
    ("工会信访接待工作", ("规范", "加强")),
)
SCOPES = (
    ("", 10),
    ("在全省", 2),
    ("在重点行业", 2),
    ("在非公有制企业", 1),
    ("在产业园区", 1),
    ("在新就业形态群体中", 1),
    ("面向一线职工", 1),
    ("在县级以上工会", 1),
    ("在国有企业", 1),
)
TARGETS = (
    "，实现全覆盖",
    "，打造一批示范点",
    "，形成可复制推广的经验",
    "，建立长效机制",
    "，提升服务质效",
    "，年底前取得阶段性成效",
    "，推动工作提质增效",
    "，切实增强职工获得感",
    "，做到应建尽建",
)
DETAILS = (
    "明确责任分工和完成时限",
    "建立工作台账，实行清单化管理",
    "加强督促检查，确保各项任务落地见效",
    "及时总结推广典型经验",
    "按月报送工作进展",
    "纳入年度目标责任考核",
    "强化经费和人员保障",
    "加强与有关部门的协调配合",
)
MILESTONES = (
    "完成调研摸底",
    "制定实施方案",
    "组织试点推进",
    "开展中期评估",
    "全面推开",
    "总结验收",
)
ACTIONS = (
    "召开专题推进会",
    "深入基层开展调研",
    "梳理形成阶段性任务清单",
    "组织开展业务培训",
    "印发工作方案",
    "开展督导检查",
    "举办职工技能竞赛",
    "走访慰问一线职工",
    "召开座谈会听取职工意见",
    "完成相关制度修订",
)
RESULTS = (
    "覆盖职工{k}00余人次",
    "新建服务站点{k}个",
    "推动问题整改{k}项",
    "形成调研报告1份",
    "新发展会员{k}00余人",
    "培育示范点{k}个",
)
PROBLEMS = (
    "基层工作力量不足",
    "经费保障有待加强",
    "部分单位推进进度不平衡",
    "跨部门协调难度较大",
    "新就业形态劳动者流动性大，入会积极性不高",
    "部分企业配合意愿不强",
)
NEXT_STEPS = (
    "加强统筹协调，加快推进进度",
    "总结经验做法，扩大覆盖面",
    "开展专项督查，确保按期完成",
    "完善制度建设，形成长效机制",
    "加强宣传引导，营造良好氛围",
)
RETURN_REASONS = (
    "进展情况表述过于笼统，请补充具体数据。",
    "佐证材料不全，请补充后重新报送。",
    "进度与实际不符，请核实后重新报送。",
)

# -- the build ----------------------------------------------------------------------------------

# Levels of the tree, and how likely a staffed body of each is to lead a measure.
PROVINCE, CITY, COUNTY, GRASSROOTS_LEVEL, OUTSIDE = range(5)
LEAD_WEIGHT = {PROVINCE: 8.0, OUTSIDE: 3.0, CITY: 2.0, COUNTY: 1.0, GRASSROOTS_LEVEL: 0.3}
DURATIONS = (6, 9, 12, 12, 18, 24, 24, 30, 36, 36)  # months, start month included
START_FROM_DAYS, START_TO_DAYS = 36 * 30, 60  # starts from ~3 years ago to ~2 months ahead
SUB_MEASURE_CHANCE = 0.21  # ~20% overall: an area's first measure cannot be one
ACCEPTED, SUBMITTED, RETURNED = range(3)
REVIEW_STATES = (
    ProgressReport.ReviewState.ACCEPTED,
    ProgressReport.ReviewState.SUBMITTED,
    ProgressReport.ReviewState.RETURNED,
)
Status = Measure.Status


@contextmanager
def _keeping_given_value(model: type[models.Model], name: str) -> Iterator[None]:
    """Let an ``auto_now_add`` field keep the value set on the objects while inserting them.

    ``bulk_create`` stamps such a field with the current time. Setting it afterwards with an
    UPDATE costs seconds on PostgreSQL for 20,000 measures — its deferred foreign-key checks
    run again for every row inserted in the same transaction — so the flag is lifted for the
    insert instead. A management command runs alone in its process: nothing else sees it.
    """
    field = model._meta.get_field(name)
    assert isinstance(field, models.DateTimeField)
    saved = field.auto_now_add
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = saved


def _month_end(start: date, months: int) -> date:
    """The last day of the `months`-th month counting `start`'s month as the first."""
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def _between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


class _Builder:
    """One run: the random generator, the day, and the rows written so far (in build order)."""

    def __init__(self, counts: Counts, seed: int, today: date, progress: Progress | None) -> None:
        self.counts = counts
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = today
        self.yesterday = today - timedelta(days=1)
        self.progress = progress or (lambda phase, done, total: None)
        self.kind = settings.TASKS_REPORT_PERIOD
        self.deadline_day = settings.TASKS_REPORT_DEADLINE_DAY
        self.zone = timezone.get_current_timezone()
        # The last period whose reports could be filed by yesterday: its next period has begun.
        self.last_period = Period.containing(self.yesterday, self.kind).previous()
        self.last_index = self._index(self.last_period)
        self.plan_day = today - timedelta(days=START_FROM_DAYS + 30)
        self.written: Written

    # periods as integers, so a measure's reporting life is a range
    def _index(self, period: Period) -> int:
        return (period.year * 12 + period.first_month - 1) // period.months

    def person_name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2)))
        )

    def create_measures(self, measures: list[Measure]) -> None:
        """Write measures in bulk, recorded as created when the plan was (see write_measures)."""
        with _keeping_given_value(Measure, "created_at"):
            Measure.objects.bulk_create(measures, batch_size=BATCH_SIZE)

    def _period(self, index: int) -> Period:
        months = 3 if self.kind == "quarter" else 1
        month = index * months
        return Period(month // 12, month % 12 + 1, months)

    def run(self) -> Written:
        self.write_source_and_areas()
        self.write_bodies()
        self.write_users()
        self.plan_measures()
        self.plan_reports()
        self.write_measures()
        self.write_cooperations()
        self.write_milestones()
        self.write_reports()
        if self.counts.federations:
            added = federated.write(self)
            self.written.measures += added
            self.progress("federations", added, added)
        return self.written

    # -- bodies ---------------------------------------------------------------------------------

    def _place(self, taken: set[str], pattern: str) -> str:
        """An invented place name that makes `pattern` ({} → place) a name not yet taken."""
        rng = self.rng
        for attempt in range(60):
            place = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND)
            if attempt >= 30:  # two syllables running out: three
                place += rng.choice(PLACE_SECOND)
            if place[0] != place[1] and pattern.format(place) not in taken:
                return place
        return place + str(len(taken))

    def _unique(self, taken: set[str], name: str) -> str:
        candidate, number = name, 2
        while candidate in taken:
            candidate, number = f"{name}（{number}）", number + 1
        taken.add(candidate)
        return candidate

    def write_bodies(self) -> None:
        rng = self.rng
        sizes = TreeSizes.of(self.counts.bodies, federations=self.counts.federations)
        taken = set(ResponsibleBody.objects.values_list("name", flat=True))
        Kind = ResponsibleBody.Kind

        province = self._place(taken, "{}省总工会")
        top = ResponsibleBody(name=self._unique(taken, f"{province}省总工会"), kind=Kind.UNION)
        ResponsibleBody.objects.bulk_create([top])
        if ResponsibleBody.objects.is_placeholder_root(self.federation):
            ResponsibleBody.objects.make_root(top)  # the first province is the root federation
            taken.discard(self.federation.name)
            self.federation = top

        cities, city_places = [], []
        for _ in range(sizes.cities):
            place = self._place(taken, "{}市总工会") + "市"
            cities.append(ResponsibleBody(name=self._unique(taken, f"{place}总工会"), parent=top))
            city_places.append(place)
        ResponsibleBody.objects.bulk_create(cities, batch_size=BATCH_SIZE)

        counties, county_places = [], []
        for number in range(sizes.counties):
            suffix = "区" if rng.random() < 0.35 else "县"
            place = self._place(taken, "{}" + suffix + "总工会") + suffix
            parent = cities[number] if number < len(cities) else rng.choice(cities)
            counties.append(
                ResponsibleBody(name=self._unique(taken, f"{place}总工会"), parent=parent)
            )
            county_places.append(place)
        ResponsibleBody.objects.bulk_create(counties, batch_size=BATCH_SIZE)

        grassroots = []
        for number in range(sizes.grassroots):
            county = number if number < len(counties) else rng.randrange(len(counties))
            name = rng.choice(GRASSROOTS).format(
                c=county_places[county],
                n=numerals.number(rng.randint(1, 9)),
                brand=rng.choice(BRANDS),
                trade=rng.choice(TRADES),
                town=rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND),
            )
            body = ResponsibleBody(name=self._unique(taken, name), parent=counties[county])
            grassroots.append((body, county_places[county]))
        ResponsibleBody.objects.bulk_create([b for b, _ in grassroots], batch_size=BATCH_SIZE)

        others = [
            ResponsibleBody(name=self._unique(taken, pattern.format(p=province)), kind=kind)
            for pattern, kind in OTHER_BODIES[: sizes.others]
        ]
        ResponsibleBody.objects.bulk_create(others)

        # Staffing order: top down, so that the bodies that lead most have people first.
        rng.shuffle(grassroots)
        self.bodies = [top, *others, *cities, *counties, *(body for body, _ in grassroots)]
        # where a body works, for titles set there ("在临江市…"); none for provincial bodies
        self.places = (
            [""] * (1 + len(others))
            + city_places
            + county_places
            + [place for _, place in grassroots]
        )
        self.levels = (
            [PROVINCE]
            + [OUTSIDE] * len(others)
            + [CITY] * len(cities)
            + [COUNTY] * len(counties)
            + [GRASSROOTS_LEVEL] * len(grassroots)
        )
        self.written.bodies = len(self.bodies)
        self.progress("bodies", len(self.bodies), len(self.bodies))

    # -- users ----------------------------------------------------------------------------------

    def write_users(self) -> None:
        rng = self.rng
        User = get_user_model()
        total = self.counts.users
        groups = dict(Group.objects.filter(name__in=roles.ALL).values_list("name", "pk"))
        coordinators = max(1, total // 50)
        viewers = max(1, total // 50)
        prefix = username_prefix(self.seed)
        users: list[AbstractBaseUser] = []
        roles_of: list[str] = []
        for number in range(total):
            role = (
                roles.COORDINATOR
                if number < coordinators
                else roles.VIEWER
                if number < coordinators + viewers
                else roles.LIAISON
            )
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))
            )
            users.append(
                User(
                    username=f"{prefix}{number + 1:05d}",
                    first_name=name,
                    password=make_password(None),
                    is_staff=role == roles.COORDINATOR,
                )
            )
            roles_of.append(role)
        User.objects.bulk_create(users, batch_size=BATCH_SIZE)
        Through = User.groups.through
        Through.objects.bulk_create(
            [
                Through(user_id=user.pk, group_id=groups[role])
                for user, role in zip(users, roles_of, strict=True)
            ],
            batch_size=BATCH_SIZE,
        )
        self.coordinators = [
            u for u, r in zip(users, roles_of, strict=True) if r == roles.COORDINATOR
        ]

        # Liaisons down the staffing order, one body each; more than bodies: second members.
        self.members: list[list[int]] = [[] for _ in self.bodies]
        liaisons = [u for u, r in zip(users, roles_of, strict=True) if r == roles.LIAISON]
        for number, user in enumerate(liaisons):
            body = number if number < len(self.bodies) else rng.randrange(len(self.bodies))
            self.members[body].append(user.pk)
        Members = ResponsibleBody.members.through
        Members.objects.bulk_create(
            [
                Members(responsiblebody_id=self.bodies[body].pk, user_id=user_id)
                for body, ids in enumerate(self.members)
                for user_id in ids
            ],
            batch_size=BATCH_SIZE,
        )
        self.staffed = [body for body, ids in enumerate(self.members) if ids]
        self.lead_weights = list(
            accumulate(LEAD_WEIGHT[self.levels[body]] for body in self.staffed)
        )
        self.written.users = len(users)
        self.progress("users", len(users), len(users))

    # -- source and areas -----------------------------------------------------------------------

    def write_source_and_areas(self) -> None:
        rng = self.rng
        counts = self.counts
        text = (
            f"本文件不是真实的改革方案，而是 generate_demo 按种子 {self.seed} 生成的演示数据："
            f"{counts.areas} 个改革领域、{counts.measures} 项举措、{counts.bodies} 个责任单位、"
            f"{counts.users} 名用户，于 {self.today.isoformat()} 生成。"
        )
        # the plan is the root federation's: this run's province, when it is the first (see
        # write_bodies), else the one there already
        self.federation = ResponsibleBody.objects.root_federation()
        source = Source.objects.create(
            federation=self.federation,
            title=source_title(self.seed),
            author="generate_demo",
            published_on=self.plan_day,
            text=text,
            file_name=source_file_name(self.seed),
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
        )
        self.written = Written(source=source)
        first_order = ReformArea.next_order()
        self.areas = []
        for number in range(counts.areas):
            verb = rng.choice(AREA_VERBS)
            theme = rng.choice(AREA_THEMES)
            if verb == "深化" or not theme.endswith("改革"):
                title = verb + theme
            else:  # 健全/推进/完善 … 改革 reads better as …机制
                title = verb + theme.removesuffix("改革")
            self.areas.append(
                ReformArea(
                    federation=self.federation,
                    source=source,
                    ordinal=f"{numerals.number(number + 1)}、",
                    title=title,
                    summary=f"围绕{title}，明确重点任务和责任分工。",
                    order=first_order + number,
                )
            )
        ReformArea.objects.bulk_create(self.areas, batch_size=BATCH_SIZE)
        self.written.areas = len(self.areas)
        self.progress("areas", len(self.areas), len(self.areas))

    # -- measures -------------------------------------------------------------------------------

    def _title(self, lead: int) -> tuple[str, str]:
        """A measure's title and the source sentence it stands for, some set in the lead's place."""
        rng = self.rng
        obj, verbs = rng.choice(OBJECTS)
        verb = rng.choice(verbs)
        scope = rng.choices([s for s, _ in SCOPES], [w for _, w in SCOPES])[0]
        if self.places[lead] and rng.random() < 0.3:
            scope = f"在{self.places[lead]}"
        target = rng.choice(TARGETS) if rng.random() < 0.3 else ""
        title = f"{scope}{verb}{obj}{target}"
        details = "，".join(rng.sample(DETAILS, 2))
        excerpt = f"{scope or '各级工会要'}{verb}{obj}{target}，{details}。"
        return title, excerpt

    def _dates(self, parent: Measure | None) -> tuple[date, date | None, str]:
        rng = self.rng
        if parent is None or parent.start_date is None:
            start = self.today + timedelta(days=rng.randint(-START_FROM_DAYS, START_TO_DAYS))
        else:
            start = parent.start_date + timedelta(days=rng.randint(0, 120))
            if parent.due_date and start > parent.due_date:
                start = parent.start_date
        if rng.random() < 0.10 and (parent is None or parent.due_date is None):
            return start, None, "长期坚持" if rng.random() < 0.8 else "持续推进"
        due = _month_end(start, rng.choice(DURATIONS))
        if parent is not None and parent.due_date is not None:
            due = max(start, min(due, parent.due_date))
        return start, due, ""

    def _state(self, start: date, due: date | None) -> tuple[str, int, date | None]:
        """Status, progress and — when completed or suspended — the day it happened."""
        rng = self.rng
        last_end = self.last_period.end
        if start >= self.today:
            return Status.NOT_STARTED, 0, None
        roll = rng.random()
        reportable = start <= last_end  # its first period is closed: a final report can exist
        if due is not None and due < self.today:
            if roll < 0.72 and reportable:
                first = start + (min(due, last_end) - start) * 0.7
                return Status.DONE, 100, _between(rng, first, min(due, last_end))
            if roll < 0.95 or not reportable:
                return Status.IN_PROGRESS, rng.randint(30, 95), None
            return Status.SUSPENDED, rng.randint(5, 60), _between(rng, start, last_end)
        if due is not None:
            share = (self.today - start).days / max(1, (due - start).days)
        else:
            share = min(1.0, (self.today - start).days / 1095)
        if roll < 0.04 and reportable:
            first = start + (last_end - start) * 0.7
            return Status.DONE, 100, _between(rng, first, last_end)
        if roll < 0.07 and reportable:
            return Status.SUSPENDED, rng.randint(5, 60), _between(rng, start, last_end)
        if roll < 0.12:
            return Status.NOT_STARTED, 0, None  # started on paper, not yet under way
        progress = round(100 * share + rng.gauss(0, 12))
        return Status.IN_PROGRESS, min(95, max(1, progress)), None

    def _lead(self) -> int:
        rng = self.rng
        return self.staffed[bisect(self.lead_weights, rng.random() * self.lead_weights[-1])]

    def plan_measures(self) -> None:
        """Build every measure in memory, in rank order, with its reporting life (periods)."""
        rng = self.rng
        counts = self.counts
        sizes = [1 if number < counts.measures else 0 for number in range(len(self.areas))]
        weights = list(accumulate(rng.uniform(0.5, 1.5) for _ in self.areas))
        for _ in range(counts.measures - sum(sizes)):
            sizes[bisect(weights, rng.random() * weights[-1])] += 1
        rank = Measure.objects.next_rank()
        priorities = (Measure.Priority.HIGH, Measure.Priority.MEDIUM, Measure.Priority.LOW)
        self.measures: list[Measure] = []
        self.lead: list[int] = []  # index into self.bodies
        self.finished: list[date | None] = []  # the day it was completed or suspended
        for area, size in zip(self.areas, sizes, strict=True):
            # per top-level measure: (measure, lead, finished) and its children's
            tops: list[list[tuple[Measure, int, date | None]]] = []
            for _ in range(size):
                family = None
                if tops and rng.random() < SUB_MEASURE_CHANCE:
                    family = tops[rng.randrange(len(tops))]
                parent = family[0] if family else None
                lead = parent[1] if parent and rng.random() < 0.5 else self._lead()
                title, excerpt = self._title(lead)
                start, due, note = self._dates(parent[0] if parent else None)
                if parent and parent[0].status == Status.DONE and parent[2] is not None:
                    # a completed measure's sub-measures were completed by then too
                    if start > parent[2]:
                        start = _between(rng, parent[0].start_date, parent[2])
                    status, progress, finished = Status.DONE, 100, _between(rng, start, parent[2])
                else:
                    status, progress, finished = self._state(start, due)
                measure = Measure(
                    federation=self.federation,
                    area_id=area.pk,
                    parent=parent[0] if parent else None,
                    title=title,
                    excerpt=excerpt,
                    lead_body_id=self.bodies[lead].pk,
                    owner_id=rng.choice(self.members[lead]),
                    start_date=start,
                    due_date=due,
                    deadline_note=note,
                    status=status,
                    progress=progress,
                    priority=rng.choices(priorities, (1, 2, 1))[0],
                )
                if family is None:
                    tops.append([(measure, lead, finished)])
                else:
                    family.append((measure, lead, finished))
            for number, family in enumerate(tops, start=1):
                for position, (measure, lead, finished) in enumerate(family):
                    measure.ordinal = (
                        f"（{numerals.number(number)}）" if position == 0 else f"{position}."
                    )
                    measure.rank = rank
                    rank += 1
                    self.measures.append(measure)
                    self.lead.append(lead)
                    self.finished.append(finished)
        # first and last period index of each measure's reports (none when first > last)
        self.life = [
            (
                self._index(Period.containing(measure.start_date, self.kind)),
                self._index(Period.containing(finished, self.kind))
                if finished
                else self.last_index,
            )
            for measure, finished in zip(self.measures, self.finished, strict=True)
        ]

    # -- reports, planned before the measures are written (closing depends on them) -------------

    def _review(self, index: int) -> int:
        """Recent reports are partly still under review or returned; older ones accepted."""
        roll = self.rng.random()
        age = self.last_index - index
        if age == 0:
            return SUBMITTED if roll < 0.45 else RETURNED if roll < 0.55 else ACCEPTED
        if age == 1:
            return SUBMITTED if roll < 0.06 else RETURNED if roll < 0.09 else ACCEPTED
        return RETURNED if roll < 0.015 else ACCEPTED

    def plan_reports(self) -> None:
        """Choose exactly the requested number of (measure, period) pairs, uniformly.

        Selection sampling (Knuth's algorithm S) over every pair the measures' lives allow, in
        one pass and without listing them; the final report of a completed or suspended measure
        is taken first, the rest sampled among the other pairs.
        """
        rng = self.rng
        closing = [m.status in (Status.DONE, Status.SUSPENDED) for m in self.measures]
        capacity = sum(max(0, last - first + 1) for first, last in self.life)
        finals = sum(
            1 for (first, last), c in zip(self.life, closing, strict=True) if c and first <= last
        )
        wanted = min(self.counts.reports, capacity)
        if wanted >= finals:
            need_final, left_final = finals, finals
            need_other, left_other = wanted - finals, capacity - finals
        else:
            need_final, left_final = wanted, finals
            need_other, left_other = 0, capacity - finals
        self.plans: list[list[int]] = []  # per measure: period index * 4 + review state
        for (first, last), closes in zip(self.life, closing, strict=True):
            plan = []
            for index in range(first, last + 1):
                if closes and index == last:
                    take = rng.random() * left_final < need_final
                    left_final -= 1
                    need_final -= take
                else:
                    take = rng.random() * left_other < need_other
                    left_other -= 1
                    need_other -= take
                if take:
                    plan.append(index * 4 + self._review(index))
            self.plans.append(plan)
        self.written.report_capacity = capacity
        self.wanted_reports = wanted

    # -- writing measures and what hangs off them -----------------------------------------------

    def write_measures(self) -> None:
        rng = self.rng
        # 销号: ~60% of the completed measures whose accepted final report is there, some weeks
        # after the period it reports on (after its review), never today or later.
        for measure, plan, (_first, last) in zip(self.measures, self.plans, self.life, strict=True):
            if measure.status != Status.DONE or not plan or rng.random() >= 0.6:
                continue
            index, review = divmod(plan[-1], 4)
            if index != last or review != ACCEPTED:
                continue
            earliest = self._period(index).next().start + timedelta(days=20)
            if earliest <= self.yesterday:
                closed = earliest + timedelta(days=rng.randint(0, 40))
                measure.closed_on = min(closed, self.yesterday)
                measure.closed_by_id = rng.choice(self.coordinators).pk
        tops = [m for m in self.measures if m.parent is None]
        children = [m for m in self.measures if m.parent is not None]
        # Recorded as created on the plan's day, not today: the reporting cycle counts a
        # measure as owing a period's report only if it existed when that period ended.
        created = datetime.combine(self.plan_day, time(9), tzinfo=self.zone)
        for measure in self.measures:
            measure.created_at = created
        with _keeping_given_value(Measure, "created_at"):
            Measure.objects.bulk_create(tops, batch_size=BATCH_SIZE)
            Measure.objects.bulk_create(children, batch_size=BATCH_SIZE)
        # written without save(): the measures with sub-measures take their figures from them
        Measure.objects.filter(area__source=self.written.source).roll_up_all()
        self.written.measures = len(self.measures)
        self.progress("measures", len(self.measures), len(self.measures))

    def write_cooperations(self) -> None:
        rng = self.rng
        Through = Measure.cooperating_bodies.through
        rows = []
        for measure, lead in zip(self.measures, self.lead, strict=True):
            wanted = rng.choices((0, 1, 2, 3), (30, 35, 25, 10))[0]
            picked = rng.sample(range(len(self.bodies)), min(len(self.bodies), wanted + 1))
            for body in [b for b in picked if b != lead][:wanted]:
                rows.append(Through(measure_id=measure.pk, responsiblebody_id=self.bodies[body].pk))
        Through.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        self.written.cooperations = len(rows)
        self.progress("cooperations", len(rows), len(rows))

    def write_milestones(self) -> None:
        rng = self.rng
        rows = []
        for measure, finished in zip(self.measures, self.finished, strict=True):
            start, due = measure.start_date, measure.due_date
            if due is None or rng.random() >= 0.3:
                continue
            steps = sorted(rng.sample(range(len(MILESTONES)), rng.randint(1, 3)))
            span = (due - start).days
            for number, step in enumerate(steps, start=1):
                when = start + timedelta(days=span * number // (len(steps) + 1))
                done_on = None
                if measure.status == Status.DONE and finished is not None:
                    done_on = min(finished, max(start, when + timedelta(rng.randint(-15, 10))))
                elif (
                    measure.status == Status.IN_PROGRESS
                    and when < self.today
                    and rng.random() < 0.75
                ):
                    done_on = min(
                        self.yesterday, max(start, when + timedelta(rng.randint(-15, 20)))
                    )
                rows.append(
                    Milestone(
                        measure_id=measure.pk,
                        title=MILESTONES[step],
                        due_date=when,
                        done_on=done_on,
                    )
                )
        Milestone.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        self.written.milestones = len(rows)
        self.progress("milestones", len(rows), len(rows))

    def _texts(self, status: str, progress: int) -> tuple[str, str, str]:
        rng = self.rng
        if status == Status.NOT_STARTED:
            done = "前期准备工作有序推进，尚未正式启动。"
        elif status == Status.DONE:
            done = "各项任务已全部完成，形成工作总结并报改革办。"
        elif status == Status.SUSPENDED:
            done = "因工作调整，本举措暂缓实施，已报改革办备案。"
        else:
            result = rng.choice(RESULTS).format(k=rng.randint(2, 9))
            done = f"{rng.choice(ACTIONS)}，{result}，累计完成{progress}%。"
        problems = "" if rng.random() < 0.6 else rng.choice(PROBLEMS) + "。"
        next_steps = "" if status == Status.DONE else f"下一步将{rng.choice(NEXT_STEPS)}。"
        return done, problems, next_steps

    def _moment(self, day: date) -> datetime:
        hour, minute = self.rng.randint(8, 19), self.rng.randint(0, 59)
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone)

    def write_reports(self) -> None:
        rng = self.rng
        total = self.wanted_reports
        midnight = datetime.combine(self.today, time.min, tzinfo=self.zone)
        coordinators = [user.pk for user in self.coordinators]
        names: dict[int, str] = {}
        chunk: list[ProgressReport] = []
        done = 0
        for measure, lead, (first, last), plan in zip(
            self.measures, self.lead, self.life, self.plans, strict=True
        ):
            length = last - first + 1
            for code in plan:
                index, review = divmod(code, 4)
                if index == last:
                    status, progress = measure.status, measure.progress
                else:
                    progress = measure.progress * (index - first + 1) // length
                    if measure.status == Status.DONE:
                        progress = min(progress, 95)
                    status = Status.IN_PROGRESS if progress else Status.NOT_STARTED
                done_text, problems, next_steps = self._texts(status, progress)
                following = self._period(index).next().start
                late = rng.random() < 0.15
                day = following + timedelta(
                    days=rng.randint(self.deadline_day, self.deadline_day + 10)
                    if late
                    else rng.randint(0, self.deadline_day - 1)
                )
                submitted = self._moment(min(day, self.yesterday))
                reviewed_at = reviewed_by = None
                if review != SUBMITTED:
                    reviewed_at = min(
                        submitted + timedelta(hours=rng.randint(2, 96)),
                        midnight - timedelta(minutes=1),
                    )
                    reviewed_by = rng.choice(coordinators)
                chunk.append(
                    ProgressReport(
                        measure_id=measure.pk,
                        period=names.get(index)
                        or names.setdefault(index, str(self._period(index))),
                        author_id=rng.choice(self.members[lead]),
                        body_id=self.bodies[lead].pk,
                        progress=progress,
                        status=status,
                        done_text=done_text,
                        problems=problems,
                        next_steps=next_steps,
                        submitted_at=submitted,
                        review_state=REVIEW_STATES[review],
                        return_reason=rng.choice(RETURN_REASONS) if review == RETURNED else "",
                        reviewed_by_id=reviewed_by,
                        reviewed_at=reviewed_at,
                    )
                )
                if len(chunk) >= REPORT_CHUNK:
                    done += self._flush(chunk, total, done)
                    chunk = []
        done += self._flush(chunk, total, done)
        self.written.reports = done

    def _flush(self, chunk: list[ProgressReport], total: int, done: int) -> int:
        if chunk:
            ProgressReport.objects.bulk_create(chunk, batch_size=BATCH_SIZE)
            # With DEBUG on Django keeps the text of its last 9,000 queries, a megabyte for each
            # batch here: drop it, unless someone is counting them (CaptureQueriesContext).
            if settings.DEBUG and not connection.force_debug_cursor:
                reset_queries()
        if chunk or not done:
            self.progress("reports", done + len(chunk), total)
        return len(chunk)
