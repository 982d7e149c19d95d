"""Who may do what: one function per question, used by views, admin and exports alike.

The four roles are Django groups (DESIGN §2): 系统管理员 (admin), 改革办 (coordinator),
责任单位联络员 (body liaison), 领导 (viewer). A superuser counts as an admin. Every role sees
everything; what differs is what each may change:

- coordinator and admin: the whole plan — areas, measures and every field of them, bodies,
  milestones, sources — and the review of reports;
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

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tasks import roles
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
    """Every role sees the whole plan, its reports and its history."""
    return bool(roles_of(user))


def can_edit_plan(user: User) -> bool:
    """Create, change and delete areas, measures, bodies, milestones and sources."""
    return is_coordinator(user)


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

    The office changes every field of a measure that is not closed; nobody else changes any
    (a liaison's progress arrives through its reports)."""
    if can_edit_plan(user) and not (measure is not None and is_closed(measure)):
        return None
    return frozenset()


def can_edit_measure(user: User, measure: Measure) -> bool:
    return editable_measure_fields(user, measure) != frozenset()


def can_edit_milestone(user: User, milestone: Milestone) -> bool:
    """The office plans milestones; the measure's own liaison marks them done."""
    measure = milestone.measure
    if is_closed(measure):
        return False
    return can_edit_plan(user) or (is_liaison(user) and is_own_measure(user, measure))


def can_file_report(user: User, measure: Measure) -> bool:
    """Only the lead body files the report of a shared measure (its liaison, or the office)."""
    if is_closed(measure):
        return False
    if can_edit_plan(user):
        return True
    return measure.lead_body_id is not None and measure.lead_body_id in acting_body_ids(user)


def can_edit_report(user: User, report: ProgressReport) -> bool:
    """The filer may correct a report until it is accepted; the office may always (until the
    measure is closed)."""
    if not can_file_report(user, report.measure):
        return False
    return can_edit_plan(user) or report.review_state != ProgressReport.ReviewState.ACCEPTED


def can_review_report(user: User) -> bool:
    """Accept a report, or return it with a reason (退回)."""
    return is_coordinator(user)


def can_contribute(user: User, measure: Measure) -> bool:
    """A co-operating body adds its part to the lead body's report (its liaison, or the office)."""
    if is_closed(measure):
        return False
    if can_edit_plan(user):
        return True
    acting = acting_body_ids(user)
    return bool(acting) and bool(_cooperating_ids(measure) & acting)


def can_request_extension(user: User, measure: Measure) -> bool:
    """延期申请: the liaison of a body that leads or co-operates on the measure."""
    return not is_closed(measure) and is_liaison(user) and is_own_measure(user, measure)


def can_decide_extension(user: User) -> bool:
    return is_coordinator(user)


def can_close_measure(user: User) -> bool:
    """销号: the office closes a completed measure after review."""
    return is_coordinator(user)


def visible_measures(user: User) -> QuerySet[Measure]:
    return Measure.objects.all() if can_view(user) else Measure.objects.none()


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
