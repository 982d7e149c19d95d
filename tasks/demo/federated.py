"""`generate_demo --federations`: the province's plan handed down level by level (DESIGN §7).

After the province's own plan is written (`tasks.demo.generate`), one in five of its top-level
measures is handed down (下达) to every city federation; each city breaks its copy down (分解)
into a part it does itself and a part for its counties, and hands that part down to each of its
counties. Every city and county gets a reform office (改革办) and a leader (领导); the parts
done at each level (the city's own part, the county's measure) have a state that fits their
dates and an accepted or waiting report for the last closed period, filed by that level's
office; the rolled-up figures are then computed for the whole tree at once.

Rows are built in memory and written with ``bulk_create``, level after level (each level's ids
are the next one's parents): a fixed number of statements however many measures, like the rest
of the generator. Deterministic: every choice comes from the run's own random generator.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from tasks import roles
from tasks.models import Measure, ProgressReport, ReformArea

# The run of tasks.demo.generate that calls this module (its _Builder: rng, bodies, levels,
# measures, today, plan_day, zone, last_period, written, person_name, create_measures …).
Builder = Any
SHARE = 5  # one top-level measure in SHARE is handed down
BATCH_SIZE = 2000
OWN_PART = "{title}（本级落实）"
COUNTY_PART = "{title}（县区落实）"  # handed on to each county under its own title


def handed_down_count(top_level: int) -> int:
    return max(1, top_level // SHARE)


def write(builder: Builder) -> int:
    """Hand the plan down through the tree `builder` wrote; how many measures were added."""
    rng = builder.rng
    source = builder.written.source
    cities = [b for b, level in zip(builder.bodies, builder.levels, strict=True) if level == 1]
    counties_of: dict[int, list] = defaultdict(list)
    for body, level in zip(builder.bodies, builder.levels, strict=True):
        if level == 2:
            counties_of[body.parent_id].append(body)
    federations = [*cities, *(c for city in cities for c in counties_of[city.pk])]
    office = _people(builder, federations)

    tops = [m for m in builder.measures if m.parent_id is None]
    chosen = sorted(
        (m for m in tops if m.status not in (Measure.Status.DONE, Measure.Status.SUSPENDED)),
        key=lambda m: m.rank,
    )[: handed_down_count(len(tops))]
    areas = _mirrored_areas(source, federations, {m.area_id for m in chosen})
    ranks: dict[int, int] = defaultdict(int)

    def measure(parent: Measure, federation, title: str, due: date | None) -> Measure:
        ranks[federation.pk] += 1
        return Measure(
            federation_id=federation.pk,
            area_id=areas[federation.pk, parent_area[parent.pk]].pk,
            parent_id=parent.pk,
            title=title,
            excerpt=parent.excerpt,
            lead_body_id=federation.pk,
            owner_id=office[federation.pk],
            start_date=parent.start_date,
            due_date=due,
            deadline_note=parent.deadline_note if due == parent.due_date else "",
            priority=parent.priority,
            rank=ranks[federation.pk],
            created_at=created,
        )

    created = datetime.combine(builder.plan_day, time(9), tzinfo=builder.zone)
    parent_area = {m.pk: m.area_id for m in chosen}
    city_level = [measure(m, city, m.title, m.due_date) for m in chosen for city in cities]
    builder.create_measures(city_level)
    parts, county_level, leaves = [], [], []
    city_title = {m.pk: m.title for m in city_level}
    for city_measure in city_level:
        parent_area[city_measure.pk] = parent_area[city_measure.parent_id]
        city = next(c for c in cities if c.pk == city_measure.federation_id)
        due = city_measure.due_date
        own_due = _earlier(rng, city_measure.start_date, due)
        own = measure(city_measure, city, OWN_PART.format(title=city_measure.title), own_due)
        own.city_id = city.pk
        below = measure(city_measure, city, COUNTY_PART.format(title=city_measure.title), due)
        parts += [own, below]
        leaves.append(own)
    builder.create_measures(parts)
    for part in parts[1::2]:
        parent_area[part.pk] = parent_area[part.parent_id]
        for county in counties_of[part.federation_id]:
            leaf = measure(part, county, city_title[part.parent_id], part.due_date)
            leaf.city_id = part.federation_id
            county_level.append(leaf)
    builder.create_measures(county_level)
    leaves += county_level
    for leaf in leaves:
        status, progress, _finished = builder._state(
            leaf.start_date or builder.today, leaf.due_date
        )
        if status == Measure.Status.SUSPENDED:
            status = Measure.Status.IN_PROGRESS
        leaf.status, leaf.progress = status, progress
    Measure.objects.bulk_update(leaves, ["status", "progress"], batch_size=BATCH_SIZE)
    _reports(builder, leaves, office)
    Measure.objects.filter(area__source=source).roll_up_all()
    return len(city_level) + len(parts) + len(county_level)


def _earlier(rng, start: date | None, due: date | None) -> date | None:
    """A due date for the city's own part: some weeks before the whole is due."""
    if due is None:
        return None
    earlier = due - timedelta(days=rng.randint(0, 90))
    return max(earlier, start) if start else earlier


def _mirrored_areas(source, federations, area_ids: set[int]) -> dict[tuple[int, int], ReformArea]:
    """One area per federation mirroring each province area a handed-down measure is in."""
    originals = list(ReformArea.objects.filter(pk__in=area_ids).order_by("order", "pk"))
    made = {}
    rows = []
    for federation in federations:
        for order, area in enumerate(originals, start=1):
            copy = ReformArea(
                federation_id=federation.pk,
                source_id=source.pk,
                ordinal=area.ordinal,
                title=area.title,
                summary=area.summary,
                order=order,
            )
            made[federation.pk, area.pk] = copy
            rows.append(copy)
    ReformArea.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return made


def _people(builder: Builder, federations) -> dict[int, int]:
    """A reform office (改革办) and a leader (领导) for every city and county federation."""
    User = get_user_model()
    groups = dict(Group.objects.filter(name__in=roles.ALL).values_list("name", "pk"))
    prefix = f"demo-{builder.seed}-fed-"
    users, rows = [], []
    for number, federation in enumerate(federations, start=1):
        for role, tag in ((roles.COORDINATOR, "office"), (roles.VIEWER, "leader")):
            user = User(
                username=f"{prefix}{number:04d}-{tag}",
                first_name=builder.person_name(),
                password=make_password(None),
                is_staff=role == roles.COORDINATOR,
            )
            users.append(user)
            rows.append((user, role, federation))
    User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=groups[role]) for u, role, _f in rows],
        batch_size=BATCH_SIZE,
    )
    Members = type(federations[0]).members.through if federations else None
    if Members is not None:
        Members.objects.bulk_create(
            [Members(responsiblebody_id=f.pk, user_id=u.pk) for u, _role, f in rows],
            batch_size=BATCH_SIZE,
        )
    builder.written.users += len(users)
    return {f.pk: u.pk for u, role, f in rows if role == roles.COORDINATOR}


def _reports(builder: Builder, leaves: list[Measure], reviewers: dict[int, int]) -> None:
    """The last closed period's report of each part done at a level, filed by its office;
    most accepted by the city's office (the county's reports go up to it), some waiting."""
    rng = builder.rng
    period = builder.last_period
    submitted = builder._moment(min(period.next().start + timedelta(days=2), builder.yesterday))
    reports = []
    for leaf in leaves:
        if leaf.start_date and leaf.start_date > period.end:
            continue
        accepted = rng.random() < 0.8
        reports.append(
            ProgressReport(
                measure_id=leaf.pk,
                period=str(period),
                author_id=leaf.owner_id,
                body_id=leaf.lead_body_id,
                progress=leaf.progress,
                status=leaf.status,
                done_text=f"按计划推进，累计完成{leaf.progress}%。",
                submitted_at=submitted,
                review_state="accepted" if accepted else "submitted",
                reviewed_at=submitted + timedelta(hours=6) if accepted else None,
                reviewed_by_id=reviewers[leaf.city_id] if accepted else None,
            )
        )
    ProgressReport.objects.bulk_create(reports, batch_size=BATCH_SIZE)
    builder.written.reports += len(reports)
