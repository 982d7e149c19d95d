"""Who may do what: one function per question, used by views, admin and exports alike.

The four roles are Django groups (DESIGN §2): 系统管理员 (admin), 改革办 (coordinator),
责任单位联络员 (body liaison), 领导 (viewer). A superuser counts as an admin.

Federations (DESIGN §7): each user acts for a home federation — the federation they are a
member of, or the nearest above a body they are a member of; none means the root. Everyone sees
the plans of their home federation's subtree (and, read-only, the measures their own were
handed down from); an admin sees every plan. With one federation, everyone sees everything, as
before. What differs between roles is what each may change:

- coordinator: their own federation's plan — areas, measures and every field of them,
  milestones, sources, the priority order — handing measures down to the federations directly
  below, and the review of reports on their plan's measures and on the measures they handed
  down; an admin may do this in every plan, and change bodies;
- body liaison: for measures its body leads or co-operates on, the completion of their
  milestones and requests for a later due date; for measures its body leads, their reports
  (for those it co-operates on, its contribution to them). A liaison's progress reaches the
  measure through its report, when the office accepts it: it never sets a measure's status or
  progress directly. A liaison of a body acts for the bodies below it in the organisation tree
  too (a 市总工会 liaison for the 县区总工会 under it), never for bodies above it or beside it;
- viewer: nothing (read-only everywhere, exports included).

Nobody changes anything of a closed (销号) measure: its fields, milestones, reports,
contributions or extension requests.

A logged-in user in none of these groups sees nothing: every page answers 403 and says why.
Results are cached on the user object for the length of a request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tasks import federations, roles
from tasks.models import Measure, Milestone, ProgressReport, ResponsibleBody
from tasks.models.plan import closed_message

User = AbstractBaseUser | AnonymousUser

# What a liaison may change on its own measures' milestones.
LIAISON_MILESTONE_FIELDS = frozenset({"done_on"})
# What the filer of a report writes; the review belongs to the coordinator.
REPORT_FILER_FIELDS = frozenset(
    {"period", "progress", "status", "done_text", "problems", "next_steps"}
)


def roles_of(user: User) -> frozenset[str]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=roles.ALL).values_list("name", flat=True))
        if user.is_superuser:
            names.add(roles.ADMIN)
        cached = user._roles = frozenset(names)
    return cached


def is_admin(user: User) -> bool:
    return roles.ADMIN in roles_of(user)


def is_coordinator(user: User) -> bool:
    """改革办, or an admin (who may do everything a coordinator may)."""
    return bool(roles_of(user) & {roles.COORDINATOR, roles.ADMIN})


def is_liaison(user: User) -> bool:
    return roles.LIAISON in roles_of(user)


def can_view(user: User) -> bool:
    """Every role sees the plans of its subtree, their reports and their history."""
    return bool(roles_of(user))


SWITCH_BELOW = 60  # the plans directly below the one shown that a switch lists


@dataclass(frozen=True)
class Scope:
    """Where a user acts: their home federation and the federations whose plans they see
    (`seen` None: every plan)."""

    tree: federations.Tree
    home: int | None
    seen: frozenset[int] | None
    # the plan a list shows first: the home federation's; none (all they see) for a liaison,
    # whose measures may be in the plans above too
    default_plan: int | None = None

    def sees_plan(self, federation_id: int | None) -> bool:
        return self.seen is None or federation_id in self.seen

    def may_show(self, federation_id: int | None) -> bool:
        """Is this a federation whose plan the user may switch to?"""
        return (
            federation_id is not None
            and federation_id in self.tree.federations
            and self.sees_plan(federation_id)
        )

    def chosen(self, asked: object) -> int | None:
        """The plan asked for (`?federation=`, as text) if the user may see it, else None."""
        text = str(asked or "")
        return int(text) if text.isdigit() and self.may_show(int(text)) else None

    def plans(self, current: int | None = None) -> list[int]:
        """The plans a switch offers: the user's own, the way down from it to `current` (their
        own when None), and the plans directly below that one, the first SWITCH_BELOW of them —
        a short list however large the tree (a province's switch lists its cities, a city's its
        counties; a plan further along is asked for by `?federation=`, as the dashboard's
        links do)."""
        current = current if self.may_show(current) else self.home
        if current is None:
            return []
        path = self.tree.path(current)
        path = path[path.index(self.home) :] if self.home in path else [current]
        below = self.tree.below(current)[:SWITCH_BELOW]
        found = dict.fromkeys([self.home, *path, *below])
        return [pk for pk in found if self.may_show(pk)]

    def is_single(self) -> bool:
        return self.tree.is_single()


def scope(user: User) -> Scope:
    """The user's home federation and what they see (cached for the request)."""
    cached = getattr(user, "_scope", None)
    if cached is not None:
        return cached
    tree = federations.load()
    home = seen = None
    if roles_of(user):
        own = [tree.federation_of(pk) for pk in user.bodies.values_list("pk", flat=True)]
        home = tree.highest(pk for pk in own if pk is not None) or tree.root_id
        if not is_admin(user) and home is not None and home != tree.root_id:
            seen = tree.subtree(home)
    else:
        seen = frozenset()
    plans_first = roles_of(user) & {roles.ADMIN, roles.COORDINATOR, roles.VIEWER}
    result = Scope(tree=tree, home=home, seen=seen, default_plan=home if plans_first else None)
    if user.is_authenticated:
        user._scope = result
    return result


def home_federation(user: User) -> int | None:
    """The federation whose plan the user plans (None: no plan exists yet, so the root's)."""
    return scope(user).home


def plans_in(user: User, federation_id: int | None) -> bool:
    """Is this federation's plan the one the user plans? (An admin plans in every one.)"""
    if is_admin(user):
        return True
    home = home_federation(user)
    return federation_id is None or home is None or federation_id == home


def can_edit_plan(user: User, federation_id: int | None = None) -> bool:
    """Create, change and delete areas, measures, milestones and sources (of the plan of
    `federation_id`; of their own plan when None)."""
    return is_coordinator(user) and plans_in(user, federation_id)


def can_view_measure(user: User, measure: Measure) -> bool:
    """A measure of a plan the user sees, or one a measure of such a plan was handed down
    from (up the chain, read-only)."""
    current = scope(user)
    if not can_view(user):
        return False
    if current.sees_plan(measure.federation_id) or is_own_measure(user, measure):
        return True
    ids = {measure.pk}
    for _level in range(50):
        rows = list(Measure.objects.filter(parent__in=ids).values_list("pk", "federation_id"))
        if not rows:
            return False
        if any(current.sees_plan(federation_id) for _pk, federation_id in rows):
            return True
        ids = {pk for pk, _federation in rows}
    return False


def can_view_source(user: User, source: object) -> bool:
    """A document of a plan the user sees, or of a plan above their own (the one their
    measures were handed down from)."""
    if not can_view(user):
        return False
    current = scope(user)
    federation = source.federation_id
    if current.sees_plan(federation):
        return True
    return current.home is not None and federation in current.tree.path(current.home)


def oversees(user: User, measure: Measure) -> bool:
    """A coordinator of the measure's plan, or of the plan it was handed down from: who
    reviews its reports, decides its extensions and closes it."""
    if not is_coordinator(user):
        return False
    if plans_in(user, measure.federation_id):
        return True
    parent_plan = (
        Measure.objects.filter(pk=measure.parent_id).values_list("federation_id", flat=True).first()
        if measure.parent_id
        else None
    )
    return parent_plan is not None and plans_in(user, parent_plan)


def can_hand_down(user: User, measure: Measure) -> bool:
    """下达: a coordinator hands a measure of their own plan to the federations below it."""
    return not is_closed(measure) and can_edit_plan(user, measure.federation_id)


def can_manage_users(user: User) -> bool:
    return is_admin(user)


def can_export(user: User) -> bool:
    return can_view(user)


def acting_body_ids(user: User) -> frozenset[int]:
    """The bodies a liaison acts for: its own and every body below them in the tree."""
    if not is_liaison(user):
        return frozenset()
    cached = getattr(user, "_acting_body_ids", None)
    if cached is None:
        own = user.bodies.values_list("pk", flat=True)
        result = ResponsibleBody.objects.below(own)
        cached = user._acting_body_ids = frozenset(result)
    return cached


def _cooperating_ids(measure: Measure) -> set[int]:
    # Uses the prefetched bodies when the caller fetched them with the measure.
    return {body.pk for body in measure.cooperating_bodies.all()}


def is_own_measure(user: User, measure: Measure) -> bool:
    """Does the user's body (or one below it) lead or co-operate on this measure?"""
    acting = acting_body_ids(user)
    if not acting or measure.pk is None:
        return False
    return measure.lead_body_id in acting or bool(_cooperating_ids(measure) & acting)


def is_closed(measure: Measure) -> bool:
    """销号: a closed measure no longer changes, for anyone."""
    return measure.closed_on is not None


def editable_measure_fields(user: User, measure: Measure | None) -> frozenset[str] | None:
    """The fields of a measure the user may change: None for all of them, empty for none.

    The office of its plan changes every field of a measure that is not closed; nobody else
    changes any (a liaison's progress arrives through its reports)."""
    if measure is None:
        return None if can_edit_plan(user) else frozenset()
    if can_edit_plan(user, measure.federation_id) and not is_closed(measure):
        return None
    return frozenset()


def can_edit_measure(user: User, measure: Measure) -> bool:
    return editable_measure_fields(user, measure) != frozenset()


def can_edit_milestone(user: User, milestone: Milestone) -> bool:
    """The office plans milestones; the measure's own liaison marks them done."""
    measure = milestone.measure
    if is_closed(measure):
        return False
    return can_edit_plan(user, measure.federation_id) or (
        is_liaison(user) and is_own_measure(user, measure)
    )


def can_file_report(user: User, measure: Measure) -> bool:
    """Only the lead body files the report of a shared measure (its liaison, or the office of
    the measure's plan: a handed-down measure is reported by its own federation)."""
    if is_closed(measure):
        return False
    if can_edit_plan(user, measure.federation_id):
        return True
    return measure.lead_body_id is not None and measure.lead_body_id in acting_body_ids(user)


def can_edit_report(user: User, report: ProgressReport) -> bool:
    """The filer may correct a report until it is accepted; the office may always (until the
    measure is closed)."""
    if not can_file_report(user, report.measure):
        return False
    return (
        can_edit_plan(user, report.measure.federation_id)
        or report.review_state != ProgressReport.ReviewState.ACCEPTED
    )


def can_review_report(user: User, measure: Measure | None = None) -> bool:
    """Accept a report, or return it with a reason (退回): the office of the measure's plan,
    or of the plan that handed it down."""
    return is_coordinator(user) if measure is None else oversees(user, measure)


def can_contribute(user: User, measure: Measure) -> bool:
    """A co-operating body adds its part to the lead body's report (its liaison, or the office)."""
    if is_closed(measure):
        return False
    if can_edit_plan(user, measure.federation_id):
        return True
    acting = acting_body_ids(user)
    return bool(acting) and bool(_cooperating_ids(measure) & acting)


def can_request_extension(user: User, measure: Measure) -> bool:
    """延期申请: the liaison of a body that leads or co-operates on the measure."""
    return not is_closed(measure) and is_liaison(user) and is_own_measure(user, measure)


def can_decide_extension(user: User, measure: Measure | None = None) -> bool:
    return is_coordinator(user) if measure is None else oversees(user, measure)


def can_close_measure(user: User, measure: Measure | None = None) -> bool:
    """销号: the office closes a completed measure after review."""
    return is_coordinator(user) if measure is None else oversees(user, measure)


def visible_measures(user: User) -> QuerySet[Measure]:
    """The measures of the plans the user sees."""
    if not can_view(user):
        return Measure.objects.none()
    return Measure.objects.filter(in_seen_plans(user))


def in_seen_plans(user: User) -> Q:
    """A condition on measures: of a plan the user sees, or (a liaison's) led or co-operated
    on by a body it acts for, whatever the plan."""
    seen = scope(user).seen
    if seen is None:
        return Q()
    condition = Q(federation__in=seen)
    acting = acting_body_ids(user)
    if acting:
        condition |= Q(pk__in=Measure.objects.for_bodies(acting).values("pk"))
    return condition


def refusal_reason(user: User, model: type | None = None, measure: Measure | None = None) -> str:
    """Why a write to `model` (a model class), on `measure` if it concerns one, was refused, in
    words the user can act on."""
    current = roles_of(user)
    if not current:
        return _(
            "Your account has no role yet. Ask the system administrator to give you one "
            "(改革办, 责任单位联络员 or 领导)."
        )
    if current == {roles.VIEWER}:
        return _("Your role (领导) may read everything but change nothing.")
    if measure is not None and is_closed(measure):
        return closed_message(measure.closed_on)
    if is_coordinator(user) and measure is not None and not plans_in(user, measure.federation_id):
        names = scope(user).tree.names
        return _(
            "This measure is in the plan of %(federation)s: only its reform office (改革办) "
            "changes it. Your office plans the plan of %(home)s."
        ) % {
            "federation": names.get(measure.federation_id, ""),
            "home": names.get(home_federation(user), ""),
        }
    if is_liaison(user) and not can_edit_plan(user):
        if isinstance(model, type) and issubclass(model, Measure | Milestone | ProgressReport):
            return _(
                "A body liaison reports on the measures its own body leads, adds its part to "
                "those it co-operates on, marks their milestones done and asks for more time; "
                "the progress it reports becomes the measure's when the reform office accepts "
                "the report. Ask the reform office (改革办) for any other change."
            )
        return _(
            "A body liaison may not change the plan itself. Ask the reform office (改革办) to "
            "make this change."
        )
    return _("You may not make this change.")
