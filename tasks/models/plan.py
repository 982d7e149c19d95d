"""The plan: sources, areas, responsible bodies, measures and their milestones.

Field names follow the design card; derived facts (overdue, traffic light) are computed, never
stored. Behaviour of one row lives on the model, of many rows on its QuerySet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import IntegrityError, connections, models, transaction
from django.db.models import BooleanField, Case, Exists, F, Max, OuterRef, Q, Value, When
from django.db.models.lookups import GreaterThan
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks import clock, deadlines, notices, rollup, schedule
from tasks.deadlines import is_open_ended
from tasks.models.tree import Tree
from tasks.models.versioning import StaleEdit, Versioned
from tasks.periods import Period

# A measure existing before got a new person responsible or lead body (sender: Measure;
# measure, owner_changed, lead_changed). Sent inside the saving transaction.
assigned = Signal()


class InFederation(models.Model):
    """A row of one federation's plan (DESIGN §7): its sources, areas and measures.

    Left empty, the plan is the one of the row it hangs from (a measure's area, an area's
    source), else the root federation's: an install with one federation never names it."""

    federation = models.ForeignKey(
        "ResponsibleBody",
        on_delete=models.PROTECT,
        blank=True,
        related_name="+",
        verbose_name=_("federation"),
        help_text=_("Whose plan it is in."),
    )

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        self.settle_federation()
        super().save(*args, **kwargs)

    def plan_above(self) -> InFederation | None:
        """The row whose plan this one is in when none is named."""
        return None

    def settle_federation(self) -> None:
        if self.federation_id is None:
            above = self.plan_above()
            if above is not None and above.federation_id is not None:
                self.federation_id = above.federation_id
            else:
                self.federation_id = ResponsibleBody.objects.root_federation().pk


class Source(InFederation):
    """A document the plan came from: an article, a work plan, a speech."""

    title = models.CharField(_("title"), max_length=300)
    subtitle = models.CharField(
        _("kicker or subtitle"),
        max_length=300,
        blank=True,
        help_text=_("The line printed above or below the title, if any."),
    )
    author = models.CharField(_("author"), max_length=100, blank=True)
    affiliation = models.CharField(_("affiliation"), max_length=300, blank=True)
    column = models.CharField(
        _("column"), max_length=100, blank=True, help_text=_("For example 观点, 前沿观察.")
    )
    standfirst = models.TextField(_("standfirst"), blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    text = models.TextField(_("full text"))
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, db_index=True)
    warnings = models.JSONField(
        _("import warnings"),
        default=list,
        blank=True,
        help_text=_("What the importer noticed: a skipped number, a repeated paragraph."),
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    # when the row last changed, on any path (the API's sync: ?updated_since=)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")
        ordering = ["pk"]
        indexes = [models.Index(fields=["updated_at", "id"], name="source_updated")]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "file_name", "title"], name="source_unique_file_title"
            ),
            # The same document imported twice at once: the second is refused, not duplicated.
            models.UniqueConstraint(
                fields=["federation", "content_hash"],
                condition=~models.Q(content_hash=""),
                name="source_unique_content",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def warning_messages(self) -> list[str]:
        """The import warnings as sentences in the active language."""
        return [notices.describe(warning) for warning in self.warnings]


class ReformAreaQuerySet(models.QuerySet):
    def with_measures(self) -> ReformAreaQuerySet:
        """Areas with their measures (and each measure's lead body and owner) in rank order."""
        measures = Measure.objects.with_related().order_by("rank")
        return self.select_related("source").prefetch_related(
            models.Prefetch("measures", queryset=measures)
        )


class ReformArea(InFederation):
    """重点任务方面: a key task area of the plan, in the order the plan gives."""

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="areas", verbose_name=_("source")
    )
    ordinal = models.CharField(
        _("ordinal"),
        max_length=20,
        blank=True,
        help_text=_("As written: 第一, 其二, 一、; empty for a bare heading."),
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    # when the row last changed, on any path (the API's sync: ?updated_since=)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReformAreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("reform area")
        verbose_name_plural = _("reform areas")
        ordering = ["order", "pk"]
        # The task book lists measures under their areas in this order: walking this index
        # and each area's measures, the first page is found without sorting the whole plan.
        indexes = [
            models.Index(fields=["order", "id"], name="area_order"),
            # the same walk within one federation's plan (the areas of the others skipped)
            models.Index(fields=["federation", "order", "id"], name="area_plan_order"),
            models.Index(fields=["updated_at", "id"], name="area_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.ordinal} {self.title}".strip()

    def plan_above(self) -> Source | None:
        return self.source if self.source_id else None

    @classmethod
    def next_order(cls) -> int:
        return (cls.objects.aggregate(m=Max("order"))["m"] or 0) + 1


class ResponsibleBodyQuerySet(models.QuerySet):
    def tree(self) -> Tree:
        """The organisation tree with its federations (one query, walked in memory)."""
        return Tree.from_rows(
            self.model.objects.values_list("pk", "parent_id", "kind", "name", "is_root_federation")
        )

    def root_federation(self) -> ResponsibleBody:
        """The root federation, chosen the first time a plan needs one: the body marked so;
        else the root of the organisation tree (the parentless 工会 with the most bodies below
        it); else a new body named by DJANGO_ROOT_FEDERATION (总工会)."""
        bodies = self.model.objects
        found = bodies.filter(is_root_federation=True).first()
        if found is not None:
            return found
        unions = bodies.filter(parent=None, kind=ResponsibleBody.Kind.UNION)
        chosen = unions.annotate(below=models.Count("children")).order_by("-below", "pk").first()
        try:
            with transaction.atomic():
                if chosen is None:
                    chosen, _ = bodies.get_or_create(
                        name=settings.TASKS_ROOT_FEDERATION,
                        defaults={"kind": ResponsibleBody.Kind.UNION},
                    )
                bodies.filter(pk=chosen.pk).update(is_root_federation=True)
        except IntegrityError:  # another request chose at the same time: theirs stands
            pass
        return bodies.get(is_root_federation=True)

    def is_placeholder_root(self, body: ResponsibleBody) -> bool:
        """The root made when the plan began without a tree (DJANGO_ROOT_FEDERATION), and
        nothing since: no place in the tree, no members."""
        return (
            body.is_root_federation
            and body.name == settings.TASKS_ROOT_FEDERATION
            and body.parent_id is None
            and not body.children.exists()
            and not body.members.exists()
        )

    @transaction.atomic
    def make_root(self, body: ResponsibleBody) -> None:
        """Make `body` the root federation (the organisation tree was entered after the plan
        began): the root's plan becomes its plan; a placeholder root that nothing else uses is
        removed. Refused (ValidationError) when the body has a plan of its own already."""
        bodies = self.model.objects
        old = bodies.select_for_update().filter(is_root_federation=True).first()
        if old is not None and old.pk == body.pk:
            return
        planned = (Source, ReformArea, Measure)
        if any(model.objects.filter(federation=body).exists() for model in planned):
            raise ValidationError(
                gettext("%(body)s has a plan of its own already: it cannot take the root's.")
                % {"body": body}
            )
        if old is not None:
            for model in planned:
                model.objects.filter(federation=old).update(federation=body, updated_at=clock.now())
            Measure.history.filter(federation=old).update(federation=body)
            bodies.filter(pk=old.pk).update(is_root_federation=False)
            unused = not (old.led_measures.exists() or old.cooperating_measures.exists())
            if self.is_placeholder_root(old) and unused:
                old.delete()
        bodies.filter(pk=body.pk).update(is_root_federation=True)
        body.is_root_federation = True

    def below(self, body_ids: Iterable[int]) -> set[int]:
        """These bodies and every body below them in the organisation tree (their ids).

        One query for the whole tree (a list of pairs), then a walk in memory: the tree is a
        few thousand bodies at most, and deep trees cost no more queries than shallow ones."""
        todo = list(body_ids)
        if not todo:
            return set()
        children: dict[int, list[int]] = {}
        for pk, parent in self.model.objects.filter(parent__isnull=False).values_list(
            "pk", "parent"
        ):
            children.setdefault(parent, []).append(pk)
        found: set[int] = set()
        while todo:
            pk = todo.pop()
            if pk not in found:
                found.add(pk)
                todo.extend(children.get(pk, ()))
        return found


class ResponsibleBody(models.Model):
    """责任单位: an organisation that leads or co-operates on measures."""

    class Kind(models.TextChoices):
        UNION = "union", _("Trade union")
        GOVERNMENT = "government", _("Party or government department")
        JUDICIAL = "judicial", _("Judicial body")
        ENTERPRISE = "enterprise", _("Enterprise")
        EDUCATION = "education", _("School or research institute")
        SOCIAL = "social", _("Social organisation")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.UNION)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent body"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="bodies",
        verbose_name=_("members"),
        help_text=_("Users who act for this body."),
    )
    is_root_federation = models.BooleanField(
        _("root federation"),
        default=False,
        help_text=_(
            "The federation at the top of this install's tree (省总工会, say): the 工会 below it "
            "are the federations whose plans this install holds."
        ),
    )
    webhook_url = models.URLField(
        _("group robot webhook"),
        max_length=500,
        blank=True,
        help_text=_(
            "The address of the body's WeCom (企业微信) or DingTalk (钉钉) group robot: its "
            "notices are posted there too. With DingTalk, add 工会改革 as the robot's keyword."
        ),
    )

    # when the row last changed, on any path (the API's sync: ?updated_since=)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ResponsibleBodyQuerySet.as_manager()

    class Meta:
        verbose_name = _("responsible body")
        verbose_name_plural = _("responsible bodies")
        ordering = ["name"]
        indexes = [models.Index(fields=["updated_at", "id"], name="body_updated")]
        constraints = [
            models.UniqueConstraint(
                fields=["is_root_federation"],
                condition=Q(is_root_federation=True),
                name="body_one_root_federation",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Light(models.TextChoices):
    """红黄绿灯: how a measure stands, derived from its dates, progress and status."""

    RED = "red", pgettext_lazy("traffic light", "Red")
    YELLOW = "yellow", pgettext_lazy("traffic light", "Yellow")
    GREEN = "green", pgettext_lazy("traffic light", "Green")
    GREY = "grey", pgettext_lazy("traffic light", "Grey")


EPOCH = date(1970, 1, 1)


class DayNumber(models.Func):
    """A date as a number of days since 1970-01-01, for plain integer arithmetic on dates."""

    output_field = models.IntegerField()
    template = "(%(expressions)s - DATE '1970-01-01')"  # PostgreSQL

    def as_sqlite(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        template = "CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


class TextGrams(models.Func):
    """PostgreSQL: every character and pair of neighbouring characters of some texts, upper-cased
    (the function and its index on measures are made by migration 0010)."""

    function = "tasks_text_grams"
    output_field = models.TextField()  # text[]: only ever compared in the database


class HoldsAll(models.Func):
    """PostgreSQL: the first array holds every element of the second (`@>`)."""

    arg_joiner = " @> "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class BulkEditRefused(Exception):
    """A bulk edit that could not be applied to every ticked measure: none was changed."""

    def __init__(self, problems: list[tuple[Measure, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


# What a bulk edit of the task book may set.
ASSIGNABLE = frozenset({"owner", "lead_body", "due_date", "priority"})


class MeasureQuerySet(models.QuerySet):
    def with_related(self) -> MeasureQuerySet:
        return self.select_related("area", "lead_body", "owner")

    def next_rank(self) -> int:
        return (self.aggregate(m=Max("rank"))["m"] or 0) + 1

    def open(self) -> MeasureQuerySet:
        """Neither completed nor suspended."""
        return self.exclude(status__in=CLOSED_STATUSES)

    def overdue(self, today: date) -> MeasureQuerySet:
        return self.open().filter(due_date__lt=today)

    def due_soon(self, today: date) -> MeasureQuerySet:
        horizon = today + timedelta(days=settings.TASKS_DUE_SOON_DAYS)
        return self.open().filter(due_date__gte=today, due_date__lte=horizon)

    def for_bodies(self, body_ids: Iterable[int]) -> MeasureQuerySet:
        """Measures any of these bodies leads or co-operates on (each measure once)."""
        ids = list(body_ids)
        cooperating = Measure.cooperating_bodies.through.objects.filter(
            measure=OuterRef("pk"), responsiblebody__in=ids
        )
        return self.filter(Q(lead_body__in=ids) | Exists(cooperating))

    def containing(self, word: str) -> MeasureQuerySet:
        """Measures whose title, description or source excerpt contains `word`, in any case.

        On PostgreSQL the rows are first narrowed, through an index, to those holding every
        character and pair of characters of the word, so that even a two-character Chinese word
        is found without reading the whole table; the comparison itself is the same everywhere.
        """
        found = (
            Q(title__icontains=word) | Q(description__icontains=word) | Q(excerpt__icontains=word)
        )
        if connections[self.db].vendor == "postgresql":
            text = TextGrams("title", "description", "excerpt")
            return self.filter(HoldsAll(text, TextGrams(Value(word))), found)
        return self.filter(found)

    def roll_up_all(self) -> int:
        """Recompute the rolled-up figures (`tasks.rollup`) of these measures from the measures
        below them, the deepest first, in memory: one read, then the changed rows written in
        batches (after rows were written without `save`: the demo generator). No history is
        recorded. The queryset must hold the measures below too; how many rows changed."""
        columns = ("pk", "parent_id", *rollup.FIELDS, "below_red_from", "below_yellow_from")
        rows = {row[0]: list(row[1:]) for row in self.values_list(*columns, "closed_on")}
        children: dict[int, list[int]] = {}
        for pk, row in rows.items():
            if row[0] in rows:
                children.setdefault(row[0], []).append(pk)

        def depth(pk: int) -> int:
            count, current = 0, rows[pk][0]
            while current in rows and count < 100:
                count, current = count + 1, rows[current][0]
            return count

        names = [*rollup.FIELDS, "below_red_from", "below_yellow_from"]
        changed: dict[int, dict[str, object]] = {}
        for pk in sorted(children, key=depth, reverse=True):
            row = rows[pk]
            wanted = rollup.figures((rows[child][1:8] for child in children[pk]), status=row[2])
            if row[8]:  # closed: its own figures no longer change
                wanted = {key: value for key, value in wanted.items() if key.startswith("below_")}
            for name, value in wanted.items():
                index = names.index(name) + 1
                if row[index] != value:
                    row[index] = value
                    changed.setdefault(pk, {})[name] = value
        now = clock.now()
        measures = [Measure(pk=pk, updated_at=now, **values) for pk, values in changed.items()]
        fields = sorted({name for values in changed.values() for name in values})
        for name in fields:  # rows not changing a field keep its value
            for measure in measures:
                if name not in changed[measure.pk]:
                    setattr(measure, name, rows[measure.pk][names.index(name) + 1])
        if measures:
            Measure.objects.bulk_update(measures, [*fields, "updated_at"], batch_size=500)
        return len(measures)

    def locked(self) -> MeasureQuerySet:
        """These measures, locked until the transaction ends, in the one order every path that
        locks several measures takes them in: by id. Two changes of overlapping measures (a
        reorder and a bulk edit, a ledger upload and a reorder…) then queue one behind the
        other instead of deadlocking. (SQLite locks the whole database instead.)"""
        return self.select_for_update().order_by("pk")

    def assign(self, *, field: str, value: object, versions: dict[int, int]) -> int:
        """Set one assignment field (owner, lead body, due date or priority) on every measure
        of the queryset, all or nothing; how many were set.

        Each measure is saved as if edited alone (`save_edit`: every rule of the measure), and
        only if nobody changed it since the list was loaded (`versions`: id → version). One
        problem anywhere and nothing is saved: BulkEditRefused lists every problem, in the
        priority order. The measures are locked in the order of their ids."""
        if field not in ASSIGNABLE:
            raise ValueError(field)
        problems: list[tuple[Measure, str]] = []
        with transaction.atomic():
            measures = list(self.locked().prefetch_related("milestones"))
            for measure in measures:
                setattr(measure, field, value)
                try:
                    measure.save_edit(expected_version=versions.get(measure.pk, measure.version))
                except ValidationError as error:
                    problems.append((measure, "；".join(error.messages)))
                except StaleEdit:
                    problems.append(
                        (measure, gettext("someone changed it after the list was loaded"))
                    )
            if problems:
                raise BulkEditRefused(sorted(problems, key=lambda problem: problem[0].rank))
        return len(measures)

    def owing_report(self, period: Period) -> MeasureQuerySet:
        """The measures that owe a report for `period` (`owes_report`): the one answer to "who
        owes what" for the measure page, the period table, the reminders and the exports."""
        return self.filter(owes_report(period))

    def with_light(self, today: date) -> MeasureQuerySet:
        """Annotate `light` (红黄绿灰) and `is_overdue`, computed in the database.

        - 灰 grey: completed or suspended;
        - 红 red: overdue (due before today), or behind: started, and progress more than
          TASKS_BEHIND_MARGIN points below the share of its time already elapsed;
        - 黄 yellow: due within TASKS_DUE_SOON_DAYS days (today included);
        - 绿 green: everything else, measures without a due date (长期坚持…) included;

        and a measure with measures below it is as bad as the worst of them (`tasks.rollup`
        keeps the first day each of them turns red or yellow).
        """
        closed = Q(status__in=CLOSED_STATUSES)
        late = Q(due_date__lt=today)
        span = DayNumber("due_date") - DayNumber("start_date")
        elapsed = Value((today - EPOCH).days) - DayNumber("start_date")
        # behind: elapsed / span > (progress + margin) / 100, in whole numbers
        behind = GreaterThan(span, 0) & GreaterThan(
            elapsed * 100, span * (F("progress") + settings.TASKS_BEHIND_MARGIN)
        )
        horizon = today + timedelta(days=settings.TASKS_DUE_SOON_DAYS)
        return self.annotate(
            light=Case(
                When(closed, then=Value(Light.GREY)),
                When(late, then=Value(Light.RED)),
                When(behind, then=Value(Light.RED)),
                When(below_red_from__lte=today, then=Value(Light.RED)),
                When(due_date__lte=horizon, then=Value(Light.YELLOW)),
                When(below_yellow_from__lte=today, then=Value(Light.YELLOW)),
                default=Value(Light.GREEN),
                output_field=models.CharField(),
            ),
            is_overdue=Case(
                When(~closed & late, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )


class Measure(Versioned, InFederation):
    """具体举措: one concrete measure of the plan, the unit that is assigned and reported."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Completed")
        SUSPENDED = "suspended", _("Suspended")

    class Priority(models.IntegerChoices):
        HIGH = 1, pgettext_lazy("priority", "High")
        MEDIUM = 2, pgettext_lazy("priority", "Medium")
        LOW = 3, pgettext_lazy("priority", "Low")

    area = models.ForeignKey(
        ReformArea, on_delete=models.PROTECT, related_name="measures", verbose_name=_("reform area")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent measure"),
    )
    ordinal = models.CharField(_("ordinal"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    excerpt = models.TextField(
        _("source excerpt"), blank=True, help_text=_("The sentences of the source, verbatim.")
    )
    lead_body = models.ForeignKey(
        ResponsibleBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_measures",
        verbose_name=_("lead body"),
    )
    cooperating_bodies = models.ManyToManyField(
        ResponsibleBody,
        blank=True,
        related_name="cooperating_measures",
        verbose_name=_("cooperating bodies"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_measures",
        verbose_name=_("person responsible"),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    deadline_note = models.CharField(
        _("deadline note"),
        max_length=100,
        blank=True,
        help_text=_("Instead of a date, as written: 长期坚持, 持续推进, 6月底前."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority, default=Priority.MEDIUM
    )
    rank = models.PositiveIntegerField(
        _("rank"),
        blank=True,
        help_text=_("Position in its federation's priority order (1 comes first)."),
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MaxValueValidator(100)],
        help_text=_("Its share in its parent measure's progress, against its siblings'."),
    )
    # Rolled up from the measures below (`tasks.rollup`), kept in the transaction of each change:
    # the first day on which one of them turns red, or yellow (None: none ever does).
    below_red_from = models.DateField(null=True, blank=True, editable=False)
    below_yellow_from = models.DateField(null=True, blank=True, editable=False)
    closed_on = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        help_text=_("销号: the day the reform office closed the completed measure after review."),
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_measures",
        verbose_name=_("closed by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[cooperating_bodies])
    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["rank"]
        # Every filter and sort of the task book has an index (foreign keys have theirs);
        # the text filter's index of characters and pairs is PostgreSQL's own (migration 0010).
        indexes = [
            models.Index(fields=["due_date", "rank"], name="measure_due_rank"),
            models.Index(fields=["progress", "rank"], name="measure_progress_rank"),
            models.Index(fields=["status", "rank"], name="measure_status_rank"),
            models.Index(fields=["priority", "rank"], name="measure_priority_rank"),
            # open measures by due date: overdue and due soon (the task book, the dashboard)
            models.Index(
                fields=["due_date", "rank"],
                condition=~Q(status__in=["done", "suspended"]),
                name="measure_open_due",
            ),
            models.Index(fields=["updated_at", "id"], name="measure_updated"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["federation", "rank"], name="measure_rank_per_plan"),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="measure_progress_0_100",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(due_date__isnull=True)
                | Q(due_date__gte=F("start_date")),
                name="measure_due_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(status="done"),
                name="measure_closed_only_when_done",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(progress=100), name="measure_done_at_100"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        """A new measure without a rank comes last in its federation's priority order; a
        change to what rolls up (progress, status, dates) rolls up to the measures above it
        in the same transaction (`tasks.rollup`)."""
        self.settle_federation()
        if self.rank is None:
            self.rank = Measure.objects.filter(federation_id=self.federation_id).next_rank()
        adding = self._state.adding
        rolls = adding or bool(self.changed_fields() & ROLLED_FIELDS) if self.parent_id else False
        with transaction.atomic():
            if rolls:
                # the measures above, locked first and by id, as every path that locks several
                # measures does: the roll-up below then queues behind (or ahead of) a change
                # to them instead of deadlocking with it
                list(Measure.objects.filter(pk__in=self.ancestor_ids()).locked().values("pk"))
            super().save(*args, **kwargs)
            if rolls:
                Measure.roll_up(self.parent_id)
                moved_from = getattr(self, "_loaded", {}).get("parent_id")
                if moved_from and moved_from != self.parent_id:
                    Measure.roll_up(moved_from)

    def get_absolute_url(self) -> str:
        return f"{reverse('tasks:measure_list')}#measure-{self.pk}"

    def get_page_url(self) -> str:
        return reverse("tasks:measure_detail", args=[self.pk])

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        parent_id = self.parent_id
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)
            if parent_id:
                Measure.roll_up(parent_id)
        return deleted

    def plan_above(self) -> ReformArea | None:
        return self.area if self.area_id else None

    def ancestor_ids(self) -> list[int]:
        """The measures above this one, its parent first (one query per level)."""
        found: list[int] = []
        current = self.parent_id
        while current is not None and current not in found and len(found) < 50:
            found.append(current)
            current = Measure.objects.filter(pk=current).values_list("parent_id", flat=True).first()
        return found

    @staticmethod
    def roll_up(measure_id: int) -> None:
        """Bring a measure's rolled-up figures (`tasks.rollup`) up to date with the measures
        below it; a change rolls on to the measure above it (through `save`)."""
        with transaction.atomic():
            measure = Measure.objects.select_for_update().filter(pk=measure_id).first()
            if measure is None:
                return
            rows = Measure.objects.filter(parent_id=measure_id).values_list(
                *rollup.FIELDS, "below_red_from", "below_yellow_from"
            )
            wanted = rollup.figures(rows, status=measure.status)
            if measure.closed_on:  # its own figures no longer change
                wanted = {key: value for key, value in wanted.items() if key.startswith("below_")}
            changed = [name for name, value in wanted.items() if getattr(measure, name) != value]
            if not changed:
                return
            for name in changed:
                setattr(measure, name, wanted[name])
            measure.version += 1
            measure.save(update_fields=[*changed, "version", "updated_at"])

    def handed_down(self) -> bool:
        """下达: a measure handed down to this plan from the plan above (its parent is in
        another federation's plan)."""
        return self.parent_id is not None and self.parent.federation_id != self.federation_id

    # What a closed measure may still see change: its place in the priority order, its bookkeeping.
    CHANGEABLE_WHEN_CLOSED = frozenset({"rank", "version", "updated_at"})

    def clean(self) -> None:
        """Every rule of a measure, on every path that changes one (the measure page, bulk
        edits, the ledger upload, the admin, extension decisions, the document import):

        - a closed (销号) measure no longer changes;
        - its due date is not before its start date, and its milestones lie within them;
        - completed means 100%; a closed measure is a completed one;
        - a due date and a note that names no end (长期坚持, 持续推进) exclude each other.
        """
        loaded = getattr(self, "_loaded", {})
        if loaded.get("closed_on") and self.changed_fields() - self.CHANGEABLE_WHEN_CLOSED:
            raise ValidationError(closed_message(loaded["closed_on"]), code="closed")
        errors: dict[str, str] = {}
        if self.deadline_note and not self.due_date:
            # 2027年6月底前, 第三季度: the note is kept as written, and gives the date it means
            self.due_date = deadlines.parse(self.deadline_note, year=self.plan_year()).due
        start, due = self.start_date, self.due_date
        if start and due and due < start:
            errors["due_date"] = gettext("The due date cannot be before the start date.")
        elif self.pk and {"start_date", "due_date"} & self.changed_fields():
            outside = self.milestones_outside(start, due)
            if outside:
                errors["due_date" if due else "start_date"] = notices.stranded_milestones(outside)
        if self.status == self.Status.DONE and self.progress != 100:
            errors["progress"] = gettext(
                "A completed measure stands at 100%. Set the progress to 100."
            )
        if self.closed_on and self.status != self.Status.DONE:
            errors["status"] = gettext("A closed measure is a completed one.")
        errors.update(self._tree_errors(due))
        if due and is_open_ended(self.deadline_note):
            errors["deadline_note"] = gettext(
                "“%(note)s” says the work has no end date, yet a due date is set: clear the due "
                "date, or the note."
            ) % {"note": self.deadline_note}
        if errors:
            raise ValidationError(errors)

    def _tree_errors(self, due: date | None) -> dict[str, str]:
        """A measure is in its area's plan; a sub-measure is in its parent's plan or handed down
        to a federation directly below it, and is never due after its parent; a measure is
        never due before the measures below it."""
        errors: dict[str, str] = {}
        self.settle_federation()
        if self.area_id and self.area.federation_id != self.federation_id:
            errors["area"] = gettext("The reform area belongs to another federation's plan.")
        parent = self.parent if self.parent_id else None
        handed_down = parent is not None and parent.federation_id != self.federation_id
        if handed_down and (
            ResponsibleBody.objects.tree().federation_above(self.federation_id)
            != parent.federation_id
        ):
            errors["parent"] = gettext(
                "A measure is handed down only to a federation directly below its own."
            )
        if parent is not None and parent.due_date and due and due > parent.due_date:
            errors["due_date"] = gettext(
                "A measure below another is due by its parent's due date (%(date)s) at the latest."
            ) % {"date": parent.due_date.isoformat()}
        if self.pk and {"progress", "status"} & self.changed_fields():
            loaded = getattr(self, "_loaded", {})
            suspending = Measure.Status.SUSPENDED in {self.status, loaded.get("status")}
            moved = loaded.get("progress") != self.progress or not suspending
            below = Measure.objects.filter(parent=self).count() if moved else 0
            if below:
                errors["progress"] = ngettext(
                    "Its progress and status come from the measure below it (the roll-up): "
                    "change that one.",
                    "Its progress and status come from the %(count)d measures below it (the "
                    "roll-up): change those.",
                    below,
                ) % {"count": below}
        if self.pk and due and "due_date" in self.changed_fields():
            later = list(
                Measure.objects.filter(parent=self)
                .filter(due_date__gt=due)
                .values_list("title", flat=True)[:5]
            )
            if later:
                errors["due_date"] = gettext(
                    "Measures below this one are due later: %(titles)s. Bring their due dates "
                    "forward first."
                ) % {"titles": "、".join(later)}
        return errors

    def save_edit(
        self,
        *,
        expected_version: int | None = None,
        cooperating_bodies: Iterable[ResponsibleBody] | None = None,
    ) -> None:
        """Save a change to the measure (see `Versioned.save_edit`), and its cooperating bodies
        when given; the lead body is never also a cooperating one, however it was set.

        A new person responsible or lead body of a measure that existed is announced
        (`assigned`: `tasks.notifying` tells them), whichever path saved it."""
        changed = self.changed_fields() if hasattr(self, "_loaded") else set()
        with transaction.atomic():
            super().save_edit(expected_version=expected_version)
            if changed & {"owner_id", "lead_body_id"}:
                assigned.send(
                    Measure,
                    measure=self,
                    owner_changed="owner_id" in changed and self.owner_id is not None,
                    lead_changed="lead_body_id" in changed and self.lead_body_id is not None,
                )
            if cooperating_bodies is not None:
                self.cooperating_bodies.set(
                    [body for body in cooperating_bodies if body.pk != self.lead_body_id]
                )
            elif self.lead_body_id and self.cooperating_bodies.filter(pk=self.lead_body_id):
                self.cooperating_bodies.remove(self.lead_body_id)

    def plan_year(self) -> int:
        """The year a deadline written without one (6月底前) falls in: the measure's start,
        else the year it was added to the plan."""
        if self.start_date:
            return self.start_date.year
        return timezone.localdate(self.created_at or clock.now()).year

    def deadline_as_written(self) -> date | str:
        """完成时限 as the ledger writes it: the note as written (2027年6月底前, 长期坚持) when it
        names the due date or there is none, else the date (the note no longer says it)."""
        if self.deadline_note:
            named = deadlines.parse(self.deadline_note, year=self.plan_year()).due
            if self.due_date is None or named == self.due_date:
                return self.deadline_note
        return self.due_date or ""

    def first_period(self) -> Period:
        """The first reporting period of the measure: the one it was added to the plan in."""
        return schedule.period_of(timezone.localdate(self.created_at or clock.now()))

    def reporting_period(self, today: date) -> Period:
        """The period its report is asked for today: the one being collected, or its first
        period when it was added to the plan after that one ended."""
        return max(schedule.current_period(today), self.first_period())

    def milestones_outside(self, start: date | None, due: date | None) -> list[Milestone]:
        """The milestones that would fall outside these dates (uses prefetched milestones)."""
        return [
            milestone
            for milestone in self.milestones.all()
            if (start and milestone.due_date < start) or (due and milestone.due_date > due)
        ]

    @property
    def deadline_display(self) -> str:
        """The due date, or the deadline note when the plan gives no date."""
        if self.due_date:
            return self.due_date.isoformat()
        return self.deadline_note


CLOSED_STATUSES = (Measure.Status.DONE, Measure.Status.SUSPENDED)
# What a measure's parent rolls up from it (`tasks.rollup`).
ROLLED_FIELDS = frozenset(
    {
        "progress",
        "status",
        "start_date",
        "due_date",
        "weight",
        "below_red_from",
        "below_yellow_from",
        "parent_id",
    }
)


def owes_report(period: Period) -> Q:
    """Which measures owe a report for `period`, as a condition (to filter or to annotate):

    - the measure existed by the end of the period (one created on its last day owes it, one
      created the day after does not);
    - it is not suspended (已暂缓: nothing is chased while a measure is on hold);
    - a completed measure owes its final report — the one that says it is done — and nothing
      after it: it owes a period's report unless an *accepted* report of an earlier period
      already says it is completed. A measure completed during a period owes that period's;
    - a measure closed (销号) owes nothing for a period whose deadline is on or after the day
      it was closed.
    """
    reports = Measure._meta.get_field("reports").related_model  # ProgressReport
    finished_before = reports.objects.filter(
        measure=OuterRef("pk"), review_state="accepted", status=Measure.Status.DONE
    ).filter(schedule.periods_before(period))
    return (
        Q(created_at__lt=schedule.end_of(period))
        & ~Q(status=Measure.Status.SUSPENDED)
        & (Q(closed_on__isnull=True) | Q(closed_on__gt=schedule.deadline_of(period)))
        & ~(Q(status=Measure.Status.DONE) & Exists(finished_before))
    )


def closed_message(closed_on: date) -> str:
    """Why nothing of a closed measure may change."""
    return gettext(
        "This measure was closed (销号) on %(date)s: it, its milestones and its reports can no "
        "longer be changed."
    ) % {"date": closed_on.isoformat()}


class Milestone(Versioned):
    """时间节点: a dated step of a measure."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("measure")
    )
    title = models.CharField(_("title"), max_length=300)
    due_date = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """A milestone lies within its measure's dates and is not done in the future; nothing
        of a closed measure changes."""
        if self.measure_id is None:
            return
        measure = self.measure
        if measure.closed_on and (self._state.adding or self.changed_fields()):
            raise ValidationError(closed_message(measure.closed_on), code="closed")
        errors: dict[str, str] = {}
        start, end = measure.start_date, measure.due_date
        if self.due_date and ((start and self.due_date < start) or (end and self.due_date > end)):
            errors["due_date"] = gettext(
                "A milestone falls within its measure's dates (%(start)s – %(end)s)."
            ) % {"start": start or "…", "end": end or "…"}
        if self.done_on and self.done_on > clock.today():
            errors["done_on"] = gettext("A milestone cannot be done on a day still to come.")
        if errors:
            raise ValidationError(errors)
