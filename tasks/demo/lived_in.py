"""The lived-in demo: the seed plan as a federation would have it a few months into the work.

After `import_seeds` the plan's measures have no dates, owners or lead bodies, every light is
green and the reporting pages are empty: a newcomer cannot see what the app is for.
`manage.py create_demo_plan` (DEBUG only) calls `build`, which turns that plan into one in use.
What it writes, and why so:

- **Only over an untouched seed import** (`check_untouched`): the sources are those seeds/
  makes, the bodies are those the seeds name, every measure is as the import left it, and
  there are no milestones, reports, contributions, extension requests or attachments. Anything
  else is real data, and the demo never touches real data: it refuses (`Refused`) and writes
  nothing.
- **Once**: a second run finds the demo's organisation and people there and changes nothing
  (`Built.created` is False).
- **Through the app's own rules**: measures and milestones are saved with `save_edit` (their
  `clean()`, versions, history), reports are filed, reviewed and extensions asked for and
  decided through `tasks.reporting`, the priority order changed through `tasks.ranking` — the
  functions the pages call. The demo obeys every rule a user meets, and shows it.
- **Acted out by people, back in time (demo only)**: every step is done as the person who would
  do it — the history names them, as the pages' middleware makes it do — and is then dated to
  the moment it would have happened, with queryset updates of the time stamps the app wrote
  (the report's submission and review, the request's date, the history rows). The seed import
  is dated to the start of the plan, a few reporting periods back, because the rules refuse a
  report for a period before its measure existed. Real data is never dated back: these
  updates exist only here.
- **Relative to today, deterministic**: every date derives from `tasks.clock.today()` and the
  reporting calendar (the period being collected, its deadlines); every choice from the
  measure's position in the plan (`SCRIPT`). No randomness: the same day gives the same plan.

The plan it makes (for the 40 measures of the project's seeds; a longer plan repeats
`ROUTINE`): an organisation tree 省总工会 → 明湖市/清源市总工会 → 县区总工会 beside the bodies the
seeds named; six invented cadres beside the demo accounts (`gaigeban` assigns and reviews,
`lianluoyuan` is the liaison of 明湖市总工会, which leads seven measures); lights of every colour
(overdue, due within the next days, far off, 长期坚持 without a date, behind time, completed);
milestones inside each measure's dates, the past ones mostly done; priorities 高/中/低 with the
priority order following them; monthly reports since the plan began — accepted for the earlier
periods, a few missing for the last one (逾期未报) and one filed late; for the period being
collected some accepted, many awaiting review, one returned with its reason, the rest not yet
reported; a contribution of a co-operating body; an extension granted earlier and one waiting
for a decision; one measure suspended, one completed and awaiting 销号, one closed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from tasks import clock, reporting, roles
from tasks.intake.seeds import ParsedDocument, read_seed_documents
from tasks.models import (
    Attachment,
    Contribution,
    ExtensionRequest,
    Measure,
    Milestone,
    ProgressReport,
    ResponsibleBody,
    Source,
)
from tasks.outline import Item
from tasks.outline.bodies import LEAD
from tasks.periods import MONTH, Period
from tasks.ranking import reorder

Kind = ResponsibleBody.Kind
Status = Measure.Status
Priority = Measure.Priority

# -- who ----------------------------------------------------------------------------------------

# The demo accounts create_demo_users makes: the office's and the liaison's parts are theirs.
COORDINATOR = "gaigeban"
LIAISON = "lianluoyuan"

# The organisation tree the demo adds: (name, kind, parent).
PROVINCE = "省总工会"
MINGHU = "明湖市总工会"
QINGYUAN = "清源市总工会"
CHENGDONG = "明湖市城东区总工会"
ANPING = "清源市安平县总工会"
TREE = [
    (PROVINCE, Kind.UNION, None),
    (MINGHU, Kind.UNION, PROVINCE),
    (QINGYUAN, Kind.UNION, PROVINCE),
    (CHENGDONG, Kind.UNION, MINGHU),
    (ANPING, Kind.UNION, QINGYUAN),
]
# Bodies the seeds name that lead or join measures in the demo (made if the seeds lack them).
RENSHE, ZHIYE, FAYUAN = "人社", "职业院校", "法院"
SEED_BODIES = {RENSHE: Kind.GOVERNMENT, ZHIYE: Kind.EDUCATION, FAYUAN: Kind.JUDICIAL}

# Invented cadres: (username, full name, role, body). Unusable passwords, not staff: nobody
# logs in as them; they are the other people a plan in use has.
REVIEWER = "liwenhua"
CADRES = [
    (REVIEWER, "李文华", roles.COORDINATOR, None),
    ("wangzhiqiang", "王志强", roles.LIAISON, PROVINCE),
    ("chenxiaoyan", "陈晓燕", roles.LIAISON, QINGYUAN),
    ("liujianjun", "刘建军", roles.LIAISON, CHENGDONG),
    ("zhouhaiyan", "周海燕", roles.LIAISON, ANPING),
    ("zhaomin", "赵敏", roles.LIAISON, RENSHE),
    ("sunli", "孙丽", roles.LIAISON, ZHIYE),
]
# Who files a lead body's reports and marks its milestones done.
FILER = {PROVINCE: "wangzhiqiang", MINGHU: LIAISON, QINGYUAN: "chenxiaoyan"}
FILER |= {CHENGDONG: "liujianjun", ANPING: "zhouhaiyan", RENSHE: "zhaomin", ZHIYE: "sunli"}

# -- what: one part per measure, by its place in the seed plan ---------------------------------

# How a measure's dates and progress run.
FAR = "far"  # due months ahead, on time: green
SOON = "soon"  # due within the next days: yellow
OVERDUE = "overdue"  # due date passed, not done: red
BEHIND = "behind"  # far off, but progress well behind the time elapsed: red
ONGOING = "ongoing"  # 长期坚持 / 持续推进: no due date, green
LATER = "later"  # starts next month: not started
FINISHED = "finished"  # completed this period, final report accepted: awaits 销号
CLOSED = "closed"  # completed last period, closed (销号)
SUSPENDED = "suspended"  # put on hold by the office (已暂缓)

# A period's report: accepted, awaiting review, returned, none yet (未报 / 逾期未报), filed late.
ACCEPTED, SUBMITTED, RETURNED, NONE, FILED_LATE = (
    "accepted",
    "submitted",
    "returned",
    "none",
    "filed_late",
)
HIGH, MEDIUM, LOW = Priority.HIGH, Priority.MEDIUM, Priority.LOW


@dataclass(frozen=True)
class Part:
    """What the demo makes of one measure."""

    lead: str
    owner: str
    course: str
    priority: int
    this_period: str = NONE  # the report of the period being collected
    last_period: str = ACCEPTED  # the report of the period before it
    cooperating: tuple[str, ...] = ()  # added to the bodies the seeds named
    days: int = 0  # SOON: days until due; OVERDUE: days since
    note: str = ""  # ONGOING: the deadline note instead of a date
    extension: str = ""  # "pending", or "granted" (earlier)


EXTENSION_PENDING, EXTENSION_GRANTED = "pending", "granted"
W, C, Z, D, R, S = "wangzhiqiang", "chenxiaoyan", "zhouhaiyan", "liujianjun", "zhaomin", "sunli"
G, L = COORDINATOR, LIAISON

SCRIPT = [
    Part(PROVINCE, W, ONGOING, MEDIUM, SUBMITTED, note="长期坚持"),  # 1 学习宣传宣讲
    Part(QINGYUAN, C, FAR, MEDIUM, SUBMITTED, cooperating=(ZHIYE,)),  # 2 劳模工匠进校园
    Part(PROVINCE, G, ONGOING, LOW, NONE, note="长期坚持"),  # 3 理想信念教育
    Part(PROVINCE, W, CLOSED, HIGH),  # 4 找准切入点
    Part(PROVINCE, G, OVERDUE, HIGH, SUBMITTED, cooperating=(RENSHE,), days=20),  # 5 出台《决定》
    Part(PROVINCE, W, FAR, MEDIUM, ACCEPTED, cooperating=(RENSHE,)),  # 6 技能竞赛
    Part(QINGYUAN, C, SOON, HIGH, ACCEPTED, days=9),  # 7 产改
    Part(ANPING, Z, FAR, MEDIUM, NONE, last_period=FILED_LATE),  # 8 技术能手
    Part(PROVINCE, G, ONGOING, LOW, ACCEPTED, note="长期坚持"),  # 9 国家安全观
    Part(ANPING, Z, ONGOING, MEDIUM, NONE, last_period=NONE, note="持续推进"),  # 10 枫桥经验
    Part(QINGYUAN, C, FAR, MEDIUM, SUBMITTED),  # 11 向职代会报告
    Part(PROVINCE, W, FAR, MEDIUM, SUBMITTED),  # 12 法治思维
    Part(PROVINCE, G, ONGOING, MEDIUM, SUBMITTED, note="长期坚持"),  # 13 管党治党
    Part(PROVINCE, W, FAR, HIGH, SUBMITTED, extension=EXTENSION_GRANTED),  # 14 数字化建设
    Part(CHENGDONG, D, FAR, MEDIUM, NONE),  # 15 大抓基层
    Part(MINGHU, L, FAR, HIGH, SUBMITTED),  # 16 技能形成体系
    Part(MINGHU, L, SOON, HIGH, NONE, days=5),  # 17 梯次培育
    Part(MINGHU, L, FAR, MEDIUM, RETURNED),  # 18 能力提升路径
    Part(MINGHU, L, OVERDUE, HIGH, NONE, days=12, extension=EXTENSION_PENDING),  # 19 助企行
    Part(MINGHU, L, FAR, MEDIUM, NONE),  # 20 跨界转化
    Part(MINGHU, L, ONGOING, LOW, ACCEPTED, note="持续推进"),  # 21 交流平台
    Part(CHENGDONG, D, FAR, MEDIUM, SUBMITTED),  # 22 体现价值
    Part(CHENGDONG, D, LATER, LOW, NONE),  # 23 社会地位
    Part(RENSHE, R, FAR, MEDIUM, SUBMITTED, cooperating=(MINGHU,)),  # 24 待遇水平
    Part(QINGYUAN, C, OVERDUE, MEDIUM, NONE, last_period=NONE, days=35),  # 25 工会组建
    Part(PROVINCE, G, ONGOING, HIGH, ACCEPTED, note="持续推进"),  # 26 产改深化
    Part(QINGYUAN, C, OVERDUE, HIGH, SUBMITTED, cooperating=(RENSHE,), days=6),  # 27 三方协调
    Part(ANPING, Z, FAR, MEDIUM, NONE, cooperating=(FAYUAN,)),  # 28 劳动争议
    Part(RENSHE, R, FINISHED, MEDIUM, ACCEPTED, cooperating=(QINGYUAN,)),  # 29 就业服务
    Part(PROVINCE, W, FAR, HIGH, SUBMITTED),  # 30 培训平台网络
    Part(MINGHU, L, SOON, MEDIUM, ACCEPTED, days=12),  # 31 工匠师
    Part(ZHIYE, S, FAR, MEDIUM, SUBMITTED),  # 32 多元培育模式
    Part(RENSHE, R, SOON, MEDIUM, ACCEPTED, days=3),  # 33 培训标准
    Part(RENSHE, R, FAR, MEDIUM, NONE),  # 34 人才评价
    Part(ZHIYE, S, FAR, LOW, NONE),  # 35 成长路径
    Part(QINGYUAN, C, FAR, MEDIUM, SUBMITTED),  # 36 产业工人待遇
    Part(PROVINCE, G, SUSPENDED, LOW),  # 37 荣誉体系
    Part(ANPING, Z, SOON, LOW, SUBMITTED, days=12),  # 38 竞赛激励
    Part(PROVINCE, W, BEHIND, HIGH, NONE, last_period=NONE),  # 39 培训法规
    Part(RENSHE, R, LATER, LOW, NONE),  # 40 质量监管
]
# A plan longer than the script: the rest in plain parts, in turn.
ROUTINE = [
    Part(QINGYUAN, C, FAR, MEDIUM, SUBMITTED),
    Part(MINGHU, L, FAR, LOW, NONE),
    Part(PROVINCE, W, ONGOING, MEDIUM, ACCEPTED, note="持续推进"),
    Part(ANPING, Z, FAR, MEDIUM, SUBMITTED),
]

# Periods of reports before the one being collected: the plan began this many periods back.
PERIODS_BACK = 3

# -- the words of the reports --------------------------------------------------------------------

ACTIONS = [
    "召开专题推进会，细化责任分工和时间节点",
    "深入基层调研，听取职工群众意见建议",
    "组织业务骨干培训，推广试点单位经验",
    "与配合单位会商，建立协同推进机制",
    "开展督查检查，推动发现问题整改",
]
PROBLEMS = [
    "部分基层工会力量薄弱，推进进度不平衡。",
    "配合单位之间信息共享不够，协调机制有待完善。",
    "经费保障不足，信息化支撑能力有待加强。",
    "",
]
NEXT_STEPS = [
    "下月继续推进，重点抓好试点总结和经验推广。",
    "加强与配合单位沟通协调，按时间节点完成阶段任务。",
    "开展中期评估，查找短板弱项并限期整改。",
]
NOT_STARTED_TEXT = "完成前期调研，梳理现状和问题清单，起草工作方案并征求相关单位意见。"
DONE_TEXT = "各项任务已全部完成，形成工作总结和成果材料，经验做法已在全省推广。"
VAGUE_TEXT = "本月按计划推进相关工作，进展顺利。"
RETURN_REASON = (
    "进展情况过于笼统：请写明本月完成的具体工作（培训人数、合作项目、覆盖企业等），"
    "并说明存在的问题和下步计划的时间安排。"
)
CONTRIBUTION_TEXT = "本单位选派 12 名专业教师参与“劳模工匠进校园”，开设技能实训课程 8 场。"
PENDING_REASON = (
    "助企行活动覆盖企业由 30 家扩大到 80 家，涉及多家企业协调，原定时限内难以完成，申请延期。"
)
GRANTED_REASON = "数字化平台需与全国总工会平台对接，对接标准年底前方能出台，申请延期。"
GRANTED_NOTE = "同意延期，请按新时限倒排工期、挂图作战。"

# Milestones as shares of a measure's span; for those without a due date, by days.
STEPS = [("制定实施方案", 0.2), ("开展中期评估", 0.6), ("完成总结验收", 1.0)]
ONGOING_STEPS = ["制定年度工作要点", "开展阶段性评估"]
GRANTED_STEP = "数字化平台上线运行"


# -- refusals -------------------------------------------------------------------------------------


class Refused(Exception):
    """The demo plan cannot be made here; the message says why and what to do."""


def _reason(message: str) -> Refused:
    return Refused(
        _(
            "This database holds real data: %(reason)s. create_demo_plan only turns an untouched "
            "seed import into a demo plan and never touches real data, so nothing was changed. "
            "Start from a fresh database to see the demo."
        )
        % {"reason": message}
    )


def _seed_items(documents: list[ParsedDocument]) -> Iterator[Item]:
    """Every measure item the seed documents hold, sub-measures included."""
    todo = [
        item for document in documents for area in document.outline.areas for item in area.measures
    ]
    while todo:
        item = todo.pop(0)
        yield item
        todo.extend(item.children)


def _as_imported(item: Item) -> tuple[str, frozenset[str]]:
    """The lead body and co-operating bodies the seed import gives this item's measure (the same
    rule as `tasks.intake.writing`: the first body named as leading leads, the rest co-operate)."""
    lead = ""
    cooperating: set[str] = set()
    for mention in item.bodies:
        if mention.role == LEAD and not lead:
            lead = mention.name
        else:
            cooperating.add(mention.name)
    return lead, frozenset(cooperating - {lead})


def check_untouched(seeds_dir: Path) -> None:
    """Refuse (`Refused`) unless the database holds the seed import and nothing else: the
    sources seeds/ makes, the bodies the seeds name, every measure as the import left it (no
    owner, dates, status, progress, priority or edit of any kind), and no milestone, report,
    contribution, extension request or attachment. Raises SeedError when seeds/ is unreadable."""
    for model in (ProgressReport, Contribution, Milestone, ExtensionRequest, Attachment):
        count = model.objects.count()
        if count:
            raise _reason(
                _("%(things)s recorded: %(count)d")
                % {"things": model._meta.verbose_name_plural, "count": count}
            )
    if not Source.objects.exists():
        raise Refused(
            _("There is no seed plan to turn into a demo: run import_seeds first (make run does).")
        )
    documents = read_seed_documents(seeds_dir)
    seed_sources = {(document.article.file, document.article.title) for document in documents}
    for source in Source.objects.order_by("pk"):
        if (source.file_name, source.title) not in seed_sources:
            raise _reason(
                _("the source document “%(title)s” was not imported from the seeds")
                % {"title": source.title}
            )
    items = {
        (item.title[:300], item.excerpt): _as_imported(item) for item in _seed_items(documents)
    }
    named = {mention.name for item in _seed_items(documents) for mention in item.bodies}
    for body in ResponsibleBody.objects.order_by("name"):
        if ResponsibleBody.objects.is_placeholder_root(body):
            continue  # made for the imported plan: the demo's province takes its place
        if body.name not in named or body.parent_id is not None:
            raise _reason(
                _("the responsible body “%(name)s” was not made by the seed import")
                % {"name": body.name}
            )
    measures = Measure.objects.select_related("lead_body").prefetch_related("cooperating_bodies")
    for measure in measures.order_by("rank"):
        imported = items.get((measure.title, measure.excerpt))
        as_now = (
            measure.lead_body.name if measure.lead_body else "",
            frozenset(body.name for body in measure.cooperating_bodies.all()),
        )
        untouched = (
            imported == as_now
            and measure.version == 1
            and measure.owner_id is None
            and measure.start_date is None
            and measure.due_date is None
            and measure.closed_on is None
            and measure.status == Status.NOT_STARTED
            and measure.progress == 0
            and measure.priority == Priority.MEDIUM
        )
        if not untouched:
            raise _reason(
                _(
                    "the measure “%(title)s” is not as the seed import left it (bodies, owner, "
                    "dates, status, progress, priority, or an edit)"
                )
                % {"title": measure.title}
            )


# -- when -----------------------------------------------------------------------------------------


def _plus(period: Period, count: int) -> Period:
    for _step in range(count):
        period = period.next()
    return period


@dataclass(frozen=True)
class Calendar:
    """Today, the period being collected and those before it, back to the plan's start."""

    today: date
    current: Period
    periods: tuple[Period, ...]  # the oldest first, the one being collected last

    @classmethod
    def of(cls, today: date) -> Calendar:
        current = reporting.current_period(today)
        periods = [current]
        for _step in range(PERIODS_BACK):
            periods.insert(0, periods[0].previous())
        return cls(today, current, tuple(periods))

    @property
    def start(self) -> date:
        """The day the plan was adopted: the first day of its first reporting period."""
        return self.periods[0].start

    @property
    def last(self) -> Period:
        """The period before the one being collected: its deadline has passed."""
        return self.periods[-2]

    def ahead(self, count: int) -> Period:
        return _plus(self.current, count)

    def next_month(self) -> date:
        """The first day of next month: when a measure that has not started yet starts."""
        return Period.containing(self.today, MONTH).next().start


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a day, in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass(frozen=True)
class Dates:
    start: date
    due: date | None
    first_due: date | None  # the due date given at first (before a granted extension)
    note: str = ""


def dates_of(part: Part, index: int, calendar: Calendar) -> Dates:
    """The measure's start and due dates (or note), relative to today."""
    start, today = calendar.start, calendar.today
    soon = settings.TASKS_DUE_SOON_DAYS
    due: date | None
    if part.course == FAR:
        start += timedelta(days=7 * (index % 3))
        due = calendar.ahead(2 + index % 5).end
    elif part.course == SOON:
        due = today + timedelta(days=max(0, min(part.days, soon)))
    elif part.course == OVERDUE:
        due = today - timedelta(days=part.days)
    elif part.course == BEHIND:
        due = calendar.ahead(8).end
    elif part.course == ONGOING:
        return Dates(start, None, None, part.note)
    elif part.course == LATER:
        start = calendar.next_month()
        due = _plus(Period.containing(start, MONTH), 6).end
    elif part.course == CLOSED:
        due = calendar.last.end
    elif part.course == FINISHED:
        due = calendar.ahead(2).end
    else:  # SUSPENDED
        due = calendar.ahead(4).end
    if part.extension == EXTENSION_GRANTED:
        return Dates(start, calendar.ahead(3).end, calendar.last.end)
    return Dates(start, due, due)


def progress_on(part: Part, dates: Dates, day: date) -> int:
    """How far the measure had got on `day`: ahead of the time elapsed when on time, so that its
    light is the one its course means; far behind for BEHIND."""
    if day < dates.start:
        return 0
    if dates.due is None:
        return min(90, 10 + (day - dates.start).days // 6)
    span = max(1, (dates.due - dates.start).days)
    share = min(1.0, (day - dates.start).days / span)
    if part.course == BEHIND:
        return max(3, round(10 * share))
    if part.course == OVERDUE:
        return max(5, min(90, math.ceil(85 * share)))
    return max(5, min(95, math.ceil(100 * share) + 15))


def status_for(progress: int) -> str:
    if progress >= 100:
        return Status.DONE
    return Status.IN_PROGRESS if progress else Status.NOT_STARTED


# -- acting it out ------------------------------------------------------------------------------


@dataclass
class Step:
    """One thing a person did at a moment: the action, and the time stamps it wrote that are
    to carry that moment — (model, primary key, field) — on the row and its history records."""

    moment: datetime
    user: AbstractBaseUser
    action: Callable[[], list[tuple[type[models.Model], int, str]]]
    order: int = 0


@contextmanager
def acting_as(user: AbstractBaseUser) -> Iterator[None]:
    """History written inside names `user`, as the pages' middleware makes it name the user of
    the request (the same context simple_history reads); restored afterwards."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is None:
            del context.request
        else:
            context.request = previous


HISTORIES: tuple[type[models.Model], ...] = (
    Measure,
    Milestone,
    ProgressReport,
    Contribution,
    ExtensionRequest,
)


class Backdater:
    """Dates what each step wrote to the step's moment (demo only): the history records it
    added, and the time stamps the step names on the row and on those records.

    A step's records are those still dated at or after `started` (the clock when the acting
    began): every earlier step's were moved before it, to moments before now."""

    def __init__(self, started: datetime) -> None:
        self.started = started
        self.histories = {model: model.history.model._default_manager for model in HISTORIES}

    def date(self, moment: datetime, stamps: list[tuple[type[models.Model], int, str]]) -> None:
        fresh = {"history_date__gte": self.started}
        for model, pk, name in stamps:
            exact = isinstance(model._meta.get_field(name), models.DateTimeField)
            value = moment if exact else timezone.localdate(moment)
            model._default_manager.filter(pk=pk).update(**{name: value})
            self.histories[model].filter(id=pk, **fresh).update(**{name: value})
        for history in self.histories.values():
            history.filter(**fresh).update(history_date=moment)


# -- the build ------------------------------------------------------------------------------------


@dataclass
class Built:
    """What `build` found or made."""

    created: bool
    period: Period | None = None
    measures: int = 0
    bodies: int = 0
    people: int = 0
    reports: int = 0
    liaison_body: str = MINGHU


def is_built() -> bool:
    """Is the demo plan there already? Its organisation and its people say so."""
    User = get_user_model()
    return (
        ResponsibleBody.objects.filter(name=PROVINCE).exists()
        and User.objects.filter(username=REVIEWER).exists()
    )


def part_of(index: int) -> Part:
    return SCRIPT[index] if index < len(SCRIPT) else ROUTINE[index % len(ROUTINE)]


@transaction.atomic
def build(*, seeds_dir: Path, today: date | None = None) -> Built:
    """Make the lived-in plan (see the module's docstring), in one transaction; nothing is
    written when it is refused (`Refused`, or SeedError from an unreadable seeds/)."""
    if is_built():
        return Built(created=False)
    User = get_user_model()
    accounts = {user.username: user for user in User.objects.filter(username__in=[G, L])}
    missing = [name for name in (G, L) if name not in accounts]
    if missing:
        raise Refused(
            _("The demo accounts %(usernames)s are missing: run create_demo_users first.")
            % {"usernames": "、".join(missing)}
        )
    taken = User.objects.filter(username__in=[c[0] for c in CADRES]).order_by("username").first()
    if taken is not None:
        raise Refused(
            _(
                "An account named “%(username)s” exists already; the demo plan would take it "
                "over. Nothing was changed."
            )
            % {"username": taken.username}
        )
    check_untouched(seeds_dir)
    measures = list(Measure.objects.order_by("rank"))
    if len(measures) < len(SCRIPT):
        raise Refused(
            _(
                "The seed import holds %(count)d measures; the demo plan needs at least "
                "%(needed)d. Import the project's own seeds/."
            )
            % {"count": len(measures), "needed": len(SCRIPT)}
        )
    calendar = Calendar.of(today or clock.today())
    builder = _Builder(calendar, accounts, measures)
    builder.prepare()
    builder.run()
    return Built(
        created=True,
        period=calendar.current,
        measures=len(measures),
        bodies=ResponsibleBody.objects.count(),
        people=len(builder.people),
        reports=ProgressReport.objects.count(),
    )


@dataclass
class _Builder:
    calendar: Calendar
    accounts: dict[str, AbstractBaseUser]
    measures: list[Measure]
    people: dict[str, AbstractBaseUser] = field(default_factory=dict)
    bodies: dict[str, ResponsibleBody] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)

    # -- before the story: the seed import dated back, the organisation, the people --

    def prepare(self) -> None:
        imported = at(self.calendar.start, 9)
        ids = [measure.pk for measure in self.measures]
        # Demo only: the seed import is dated to the plan's start, so that the plan can have
        # reports for the periods since (the rules refuse a period before a measure existed).
        Source.objects.update(imported_at=imported)
        Measure.objects.filter(pk__in=ids).update(created_at=imported)
        # Every history record so far is the import's (the measure, then its bodies).
        Measure.history.filter(id__in=ids).update(created_at=imported, history_date=imported)
        for name, kind, parent in TREE:
            body = ResponsibleBody(name=name, kind=kind, parent=self.bodies.get(parent))
            body.full_clean()
            body.save()
            self.bodies[name] = body
        for name, kind in SEED_BODIES.items():
            self.bodies[name] = ResponsibleBody.objects.get_or_create(
                name=name, defaults={"kind": kind}
            )[0]
        # the province is the root federation: the imported plan is its plan
        ResponsibleBody.objects.make_root(self.bodies[PROVINCE])
        User = get_user_model()
        groups = {group.name: group for group in Group.objects.filter(name__in=roles.ALL)}
        for username, name, role, body in CADRES:
            user = User.objects.create_user(username=username, password=None, first_name=name)
            user.groups.add(groups[role])
            if body:
                self.bodies[body].members.add(user)
        liaison = self.accounts[L]
        # The liaison demo account acts for 明湖市总工会 (and the district below it) only.
        liaison.bodies.set([self.bodies[MINGHU]])
        # Fresh copies: the permission rules cache a user's roles and bodies on the object.
        self.people = {
            user.username: user
            for user in User.objects.filter(username__in=[G, L, *(c[0] for c in CADRES)])
        }

    # -- the story, step by step, then acted out in time order --

    def add(
        self,
        moment: datetime,
        username: str,
        action: Callable[[], list[tuple[type[models.Model], int, str]]],
    ) -> None:
        self.steps.append(Step(moment, self.people[username], action, len(self.steps)))

    def run(self) -> None:
        start = self.calendar.start
        for index, measure in enumerate(self.measures):
            part = part_of(index)
            dates = dates_of(part, index, self.calendar)
            self.add(at(start, 10, index % 60), G, self._assign(measure.pk, part, dates))
            self._milestones(measure.pk, index, part, dates)
            self._reports(measure.pk, index, part, dates)
            self._extension(measure.pk, index, part, dates)
        self.add(at(start, 16), G, self._prioritise)
        self.add(at(self.calendar.periods[1].start + timedelta(days=9), 11), G, self._suspend)
        self._contribution()
        self._act()

    def _act(self) -> None:
        """Each step as its person, in time order, dated to its moment; moments still to come
        today (or a day the calendar reaches but the clock has not) are moved to just before
        now, keeping their order."""
        steps = sorted(self.steps, key=lambda step: (step.moment, step.order))
        now = clock.now()
        backdater = Backdater(started=now)
        for number, step in enumerate(steps):
            moment = min(step.moment, now - timedelta(seconds=len(steps) - number))
            with acting_as(step.user):
                stamps = step.action()
            backdater.date(moment, stamps)

    # -- the office's planning --

    def _assign(self, pk: int, part: Part, dates: Dates) -> Callable[[], list]:
        def action() -> list:
            measure = Measure.objects.get(pk=pk)
            measure.lead_body = self.bodies[part.lead]
            measure.owner = self.people[part.owner]
            measure.start_date, measure.due_date = dates.start, dates.first_due
            measure.deadline_note = dates.note
            measure.priority = part.priority
            cooperating = [*measure.cooperating_bodies.all()]
            cooperating += [self.bodies[name] for name in part.cooperating]
            measure.save_edit(expected_version=measure.version, cooperating_bodies=cooperating)
            return []

        return action

    def _prioritise(self) -> list:
        """The priority order follows the levels: 高 first, then 中, then 低, each in plan order."""
        place = {measure.pk: index for index, measure in enumerate(self.measures)}
        order = sorted(place, key=lambda pk: (part_of(place[pk]).priority, place[pk]))
        reorder(order=order, user=self.people[G])
        return []

    def _suspend(self) -> list:
        for index, measure in enumerate(self.measures):
            if part_of(index).course == SUSPENDED:
                current = Measure.objects.get(pk=measure.pk)
                current.status = Status.SUSPENDED
                current.save_edit(expected_version=current.version)
        return []

    # -- milestones --

    def _milestones(self, pk: int, index: int, part: Part, dates: Dates) -> None:
        today = self.calendar.today
        if dates.due is None:
            planned = [
                (ONGOING_STEPS[0], dates.start + timedelta(days=20)),
                (ONGOING_STEPS[1], self.calendar.ahead(1).end),
            ]
        else:
            end = dates.first_due or dates.due
            if part.course == FINISHED:
                end = self._filed_on(index, part, self.calendar.current)
            span = (end - dates.start).days
            planned = [
                (title, dates.start + timedelta(days=round(span * share)))
                for title, share in STEPS
                if part.extension != EXTENSION_GRANTED or share < 1
            ]
        suspended_on = self.calendar.periods[1].start + timedelta(days=9)
        past = [day for _title, day in planned if day < today]
        for title, day in planned:
            stuck = part.course in (OVERDUE, BEHIND) and past and day == past[-1]
            if day >= today or stuck or (part.course == SUSPENDED and day >= suspended_on):
                continue
            done_on = max(dates.start, day - timedelta(days=index % 3))
            self.add(
                at(done_on, 16, 30), FILER[part.lead], self._milestone_done(pk, title, done_on)
            )
        self.add(at(self.calendar.start, 14, index % 60), G, self._milestones_planned(pk, planned))

    def _milestones_planned(self, pk: int, planned: list[tuple[str, date]]) -> Callable[[], list]:
        def action() -> list:
            measure = Measure.objects.get(pk=pk)
            for title, day in planned:
                Milestone(measure=measure, title=title, due_date=day).save_edit()
            return []

        return action

    def _milestone_done(self, pk: int, title: str, day: date) -> Callable[[], list]:
        def action() -> list:
            milestone = Milestone.objects.get(measure_id=pk, title=title)
            milestone.done_on = day
            milestone.save_edit(expected_version=milestone.version)
            return []

        return action

    # -- reports --

    def _plan_of_reports(self, part: Part) -> list[tuple[Period, str]]:
        """Which periods get a report, and how it ends: (period, ACCEPTED/SUBMITTED/…)."""
        *earlier, last, current = self.calendar.periods
        if part.course == SUSPENDED:
            return [(earlier[0], ACCEPTED)]
        if part.course == CLOSED:
            return [(period, ACCEPTED) for period in (*earlier, last)]
        states = [(period, ACCEPTED) for period in earlier]
        if part.last_period != NONE:
            states.append((last, part.last_period))
        if part.this_period != NONE:
            states.append((current, part.this_period))
        return states

    def _filed_on(self, index: int, part: Part, period: Period) -> date:
        """The day a report was filed: within its collection window for a past period (the
        day after the deadline when filed late), a few days ago for the current one."""
        today = self.calendar.today
        if period == self.calendar.current:
            if part.this_period == RETURNED:
                return today - timedelta(days=4)
            if part.this_period == ACCEPTED:
                return today - timedelta(days=3 + index % 2)
            return today - timedelta(days=1 + index % 4)
        deadline = reporting.deadline_of(period)
        if period == self.calendar.last and part.last_period == FILED_LATE:
            return deadline + timedelta(days=1)
        if period == self.calendar.last and part.course == CLOSED:
            return deadline - timedelta(days=3)
        return deadline - timedelta(days=index % 4)

    def _reports(self, pk: int, index: int, part: Part, dates: Dates) -> None:
        plan = self._plan_of_reports(part)
        for number, (period, state) in enumerate(plan):
            filed_on = self._filed_on(index, part, period)
            final = part.course in (CLOSED, FINISHED) and number == len(plan) - 1
            progress = 100 if final else progress_on(part, dates, min(period.end, filed_on))
            words = self._words(index + number, progress, state, self.measures[index].title)
            filer = FILER[part.lead]
            filed = at(filed_on, 9 + index % 8, (index * 7) % 60)
            self.add(filed, filer, self._file(pk, period, progress, words, filer))
            if state in (ACCEPTED, FILED_LATE, RETURNED):
                reviewer = REVIEWER if period < self.calendar.last else G
                days = 1 if period == self.calendar.current else 1 + index % 2
                reviewed = at(filed_on + timedelta(days=days), 10 + index % 6, 15)
                accept = state != RETURNED
                self.add(reviewed, reviewer, self._review(pk, period, accept))
            if part.course == CLOSED and final:
                closed_on = filed_on + timedelta(days=3)
                self.add(at(closed_on, 16), G, self._close(pk))

    @staticmethod
    def _words(turn: int, progress: int, state: str, title: str) -> tuple[str, str, str]:
        """进展情况、存在问题、下步计划 for a report."""
        if state == RETURNED:
            return VAGUE_TEXT, "", "继续推进。"
        if progress == 0:
            return NOT_STARTED_TEXT, "", NEXT_STEPS[turn % len(NEXT_STEPS)]
        if progress == 100:
            return DONE_TEXT, "", "做好总结评估，申请销号。"
        action = ACTIONS[turn % len(ACTIONS)]
        done = f"围绕“{title[:24]}”，本期{action}，累计完成年度任务的 {progress}%。"
        return done, PROBLEMS[turn % len(PROBLEMS)], NEXT_STEPS[turn % len(NEXT_STEPS)]

    def _file(
        self, pk: int, period: Period, progress: int, words: tuple[str, str, str], filer: str
    ) -> Callable[[], list]:
        def action() -> list:
            done_text, problems, next_steps = words
            report = reporting.file_report(
                measure=Measure.objects.get(pk=pk),
                period=period,
                by=self.people[filer],
                progress=progress,
                status=status_for(progress),
                done_text=done_text,
                problems=problems,
                next_steps=next_steps,
            )
            return [(ProgressReport, report.pk, "submitted_at")]

        return action

    def _review(self, pk: int, period: Period, accept: bool) -> Callable[[], list]:
        def action() -> list:
            report = ProgressReport.objects.get(measure_id=pk, period=str(period))
            reviewer = self.people[REVIEWER if period < self.calendar.last else G]
            reporting.review_report(
                report=report, by=reviewer, accept=accept, reason="" if accept else RETURN_REASON
            )
            return [(ProgressReport, report.pk, "reviewed_at")]

        return action

    def _close(self, pk: int) -> Callable[[], list]:
        """销号, dated (as every step) to the day it was done: `closed_on` with it."""

        def action() -> list:
            reporting.close_measure(measure=Measure.objects.get(pk=pk), by=self.people[G])
            return [(Measure, pk, "closed_on")]

        return action

    # -- extensions and a contribution --

    def _extension(self, pk: int, index: int, part: Part, dates: Dates) -> None:
        if part.extension == EXTENSION_PENDING:
            asked_on = self.calendar.today - timedelta(days=2)
            wanted = self.calendar.ahead(2).end
            self.add(
                at(asked_on, 15),
                FILER[part.lead],
                self._ask(pk, wanted, PENDING_REASON, FILER[part.lead]),
            )
        elif part.extension == EXTENSION_GRANTED and dates.first_due and dates.due:
            asked_on = dates.first_due - timedelta(days=10)
            asker = FILER[part.lead]
            self.add(at(asked_on, 15), asker, self._ask(pk, dates.due, GRANTED_REASON, asker))
            self.add(at(asked_on + timedelta(days=2), 10), G, self._grant(pk))
            self.add(at(asked_on + timedelta(days=2), 10, 30), G, self._step_after(pk, dates.due))

    def _ask(self, pk: int, wanted: date, reason: str, asker: str) -> Callable[[], list]:
        def action() -> list:
            measure = Measure.objects.get(pk=pk)
            extension = reporting.request_extension(
                measure=measure,
                by=self.people[asker],
                requested_due_date=wanted,
                reason=reason,
            )
            return [(ExtensionRequest, extension.pk, "created_at")]

        return action

    def _grant(self, pk: int) -> Callable[[], list]:
        def action() -> list:
            extension = ExtensionRequest.objects.get(measure_id=pk)
            reporting.decide_extension(
                extension=extension, by=self.people[G], approve=True, note=GRANTED_NOTE
            )
            return [(ExtensionRequest, extension.pk, "decided_at")]

        return action

    def _step_after(self, pk: int, due: date) -> Callable[[], list]:
        """The office plans the last step of an extended measure on its new due date."""

        def action() -> list:
            measure = Measure.objects.get(pk=pk)
            Milestone(measure=measure, title=GRANTED_STEP, due_date=due).save_edit()
            return []

        return action

    def _contribution(self) -> None:
        """A co-operating body's part of this period's report (职业院校 on the second measure)."""
        for index, measure in enumerate(self.measures):
            if ZHIYE in part_of(index).cooperating:
                day = self.calendar.today - timedelta(days=3)
                self.add(at(day, 14), FILER[ZHIYE], self._contribute(measure.pk))
                return

    def _contribute(self, pk: int) -> Callable[[], list]:
        def action() -> list:
            contribution = reporting.save_contribution(
                measure=Measure.objects.get(pk=pk),
                period=self.calendar.current,
                body=self.bodies[ZHIYE],
                by=self.people[FILER[ZHIYE]],
                text=CONTRIBUTION_TEXT,
            )
            return [(Contribution, contribution.pk, "submitted_at")]

        return action
