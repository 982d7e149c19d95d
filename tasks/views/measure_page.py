"""The measure page: its facts, assignment, status and progress, milestones, the reporting
panel (this period's report, contributions, extension requests, closing) and the history.

The reporting panel's forms post to `views.reports`; a form with a mistake is shown again here
(`page_context` takes it in place of the panel's blank one).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tasks import cascade, clock, permissions, reporting
from tasks.forms import (
    AssignmentForm,
    BreakDownForm,
    CascadeForm,
    MilestoneDoneForm,
    MilestoneForm,
    ProgressForm,
    add_rule_errors,
)
from tasks.history import measure_timeline
from tasks.models import (
    Attachment,
    Contribution,
    ExtensionRequest,
    Measure,
    Milestone,
    ProgressReport,
    StaleEdit,
)
from tasks.models import reporting as reporting_models
from tasks.models.plan import CLOSED_STATUSES, owes_report
from tasks.models.versioning import conflict_message
from tasks.reporting import ReportState
from tasks.reporting.forms import (
    ContributionForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ReviewForm,
)
from tasks.views.common import period_from, require, require_view, visible_or_404


def measure_for_page(request: HttpRequest, pk: int) -> Measure:
    """The measure of the page, if the user may see it (else 404: not even that it exists)."""
    measures = (
        Measure.objects.with_light(clock.today())
        .select_related("area__source", "lead_body", "owner", "parent", "closed_by")
        .prefetch_related("cooperating_bodies", "children")
    )
    return visible_or_404(request, get_object_or_404(measures, pk=pk))


def page_context(request: HttpRequest, measure: Measure, **forms: BaseForm) -> dict[str, object]:
    """Everything the measure page shows, with the forms this user may use (a bound form
    given by name replaces the blank one, to show its errors)."""
    user = request.user
    can_assign = permissions.can_edit_measure(user, measure)  # the office, until it is closed
    milestones = list(measure.milestones.all())
    for milestone in milestones:
        milestone.measure = measure
        milestone.form = (
            MilestoneForm(instance=milestone, measure=measure, prefix=f"m{milestone.pk}")
            if can_assign
            else MilestoneDoneForm(instance=milestone, prefix=f"m{milestone.pk}")
            if permissions.can_edit_milestone(user, milestone)
            else None
        )
    below = below_matrix(request, measure)
    tree = permissions.scope(user).tree
    handed = {row.federation_id for row in below if row.federation_id != measure.federation_id}
    down_to = [(pk, tree.names[pk]) for pk in tree.below(measure.federation_id) if pk not in handed]
    defaults: dict[str, BaseForm | None] = {
        "assignment_form": AssignmentForm(instance=measure) if can_assign else None,
        "progress_form": ProgressForm(instance=measure) if can_assign and not below else None,
        "milestone_form": MilestoneForm(measure=measure, prefix="new") if can_assign else None,
        "cascade_form": CascadeForm(choices=down_to, prefix="cascade")
        if down_to and permissions.can_hand_down(user, measure)
        else None,
        "breakdown_form": BreakDownForm(prefix="breakdown") if can_assign else None,
    }
    return {
        "measure": measure,
        "below": below,
        "federation_name": tree.names.get(measure.federation_id, ""),
        "single_federation": tree.is_single(),
        "milestones": milestones,
        "reports": measure.reports.select_related("body", "author").order_by("-period"),
        **_history(request, measure),
        "can_assign": can_assign,
        "can_update": any(milestone.form for milestone in milestones),
        **reporting_panel(request, measure),
        **defaults,
        **forms,
    }


HISTORY_SHOWN = 50  # the latest changes a measure page shows; ?history=all shows them all


def _history(request: HttpRequest, measure: Measure) -> dict[str, object]:
    timeline = measure_timeline(measure)
    if request.GET.get("history") == "all":
        return {"timeline": timeline, "older_changes": 0}
    return {
        "timeline": timeline[:HISTORY_SHOWN],
        "older_changes": max(0, len(timeline) - HISTORY_SHOWN),
    }


@require_GET
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_view(request)
    measure = measure_for_page(request, pk)
    return render(request, "tasks/measure_detail.html", page_context(request, measure))


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _saved(form: BaseForm) -> bool:
    """Validate and save a versioned form; a stale one gets the conflict as its error."""
    if not form.is_valid():
        return False
    try:
        form.save_checked()
    except StaleEdit as stale:
        form.add_error(None, conflict_message(stale.current, stale.loaded_version))
        return False
    except ValidationError as error:  # a rule broken by a change made meanwhile
        add_rule_errors(form, error)
        return False
    return True


def _save(
    request: HttpRequest, measure: Measure, form: BaseForm, name: str, done: str
) -> HttpResponse:
    """Save a versioned form or show it again with what went wrong; nothing half-saved.

    An htmx request gets back just the page's `name` section, a plain form post the page."""
    if _saved(form):
        if not _is_htmx(request):
            messages.success(request, done)
            return redirect("tasks:measure_detail", pk=measure.pk)
        context = {
            **page_context(request, measure_for_page(request, measure.pk)),
            "just_saved": done,
        }
        return render(request, f"tasks/measure_detail.html#{name}", context)
    context = page_context(request, measure, **{f"{name}_form": form})
    template = (
        f"tasks/measure_detail.html#{name}" if _is_htmx(request) else ("tasks/measure_detail.html")
    )
    return render(request, template, context)


MATRIX_ROWS = 200  # the measures below one measure a page lists (a province: 13 cities)


def below_matrix(request: HttpRequest, measure: Measure) -> list[Measure]:
    """The measures directly below this one that the user sees — handed down to a federation
    or broken down within the plan — with light, owner, due date, progress and this period's
    report state (one query)."""
    today = clock.today()
    period = measure.reporting_period(today)
    filed = ProgressReport.objects.filter(measure=OuterRef("pk"), period=str(period))
    rows = list(
        Measure.objects.filter(parent=measure)
        .filter(permissions.in_seen_plans(request.user))
        .with_light(today)
        .select_related("federation", "lead_body", "owner")
        .annotate(
            review_state=Subquery(filed.order_by().values("review_state")[:1]),
            owes=Exists(Measure.objects.filter(owes_report(period), pk=OuterRef("pk"))),
        )
        .order_by("rank", "pk")[:MATRIX_ROWS]
    )
    for row in rows:
        row.report_state = reporting.state_for(
            row.review_state, period=period, today=today, owes=row.owes
        )
        row.report_state_label = ReportState(row.report_state).label
        row.period = period
    return rows


@require_POST
def measure_cascade(request: HttpRequest, pk: int) -> HttpResponse:
    """下达: hand the measure down to federations directly below its plan."""
    measure = measure_for_page(request, pk)
    require(permissions.can_hand_down(request.user, measure), request, Measure, measure)
    tree = permissions.scope(request.user).tree
    choices = [(pk, tree.names[pk]) for pk in tree.below(measure.federation_id)]
    # the page's form names its fields cascade-…; a client may post federations and due_date
    prefixed = any(name.startswith("cascade-") for name in request.POST)
    form = CascadeForm(request.POST, choices=choices, prefix="cascade" if prefixed else None)

    def hand_down(data: dict) -> str:
        children = cascade.hand_down(
            measure=measure,
            federation_ids=data["federations"],
            due_date=data["due_date"],
            milestones=data["milestones"],
            by=request.user,
        )
        names = "、".join(tree.names.get(child.federation_id, "") for child in children)
        return _("“%(title)s” was handed down to %(names)s.") % {
            "title": measure.title,
            "names": names,
        }

    return _cascade(request, measure, form, "cascade", hand_down)


def _cascade(
    request: HttpRequest, measure: Measure, form: BaseForm, name: str, action: Callable
) -> HttpResponse:
    """Carry out a 下达 or 分解 form (`action`: its cleaned data → the message): back to the
    page with the message, or the page again (400) with the form and why it was refused."""
    if form.is_valid():
        try:
            done = action(form.cleaned_data)
        except cascade.CascadeRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, done)
            return redirect("tasks:measure_detail", pk=measure.pk)
    context = page_context(request, measure, **{f"{name}_form": form})
    return render(request, "tasks/measure_detail.html", context, status=400)


@require_POST
def measure_weights(request: HttpRequest, pk: int) -> HttpResponse:
    """The weights of the measures below one (权重): set by the office of its plan; the measure's
    progress is their weighted mean."""
    measure = measure_for_page(request, pk)
    require(permissions.can_edit_measure(request.user, measure), request, Measure, measure)
    wanted: dict[int, int] = {}
    for child_pk in Measure.objects.filter(parent=measure).values_list("pk", flat=True):
        raw = request.POST.get(f"weight-{child_pk}", "").strip()
        if not raw:
            continue
        if not raw.isdigit() or not 0 <= int(raw) <= 100:
            messages.error(
                request,
                _("A weight is a whole number from 0 to 100; “%(value)s” is not. Nothing was "
                  "changed.") % {"value": raw},
            )  # fmt: skip
            return redirect(f"{measure.get_page_url()}#below")
        wanted[child_pk] = int(raw)
    with transaction.atomic():
        # the measure and those below it, locked in the one order (by id) before any save
        locked = Measure.objects.filter(pk__in=[measure.pk, *wanted]).locked()
        for child in [row for row in locked if row.pk in wanted]:
            if child.weight != wanted[child.pk]:
                child.weight = wanted[child.pk]
                child.save(update_fields=["weight"])  # the measure rolls it up
    messages.success(request, _("The weights were saved."))
    return redirect(f"{measure.get_page_url()}#below")


@require_POST
def measure_breakdown(request: HttpRequest, pk: int) -> HttpResponse:
    """分解: add a sub-measure to a measure of the user's own plan."""
    measure = measure_for_page(request, pk)
    require(permissions.can_edit_measure(request.user, measure), request, Measure, measure)
    form = BreakDownForm(request.POST, prefix="breakdown")

    def break_down(data: dict) -> str:
        child = cascade.break_down(
            measure=measure,
            title=data["title"],
            lead_body=data["lead_body"],
            due_date=data["due_date"],
            by=request.user,
        )
        return _("The sub-measure “%(title)s” was added.") % {"title": child.title}

    return _cascade(request, measure, form, "breakdown", break_down)


@require_POST
def measure_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """分解落实: owner, bodies, dates and priority (the reform office)."""
    measure = measure_for_page(request, pk)
    require(permissions.can_edit_measure(request.user, measure), request, Measure, measure)
    form = AssignmentForm(request.POST, instance=measure)
    return _save(request, measure, form, "assignment", _("The assignment was saved."))


@require_POST
def measure_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Status and progress, set directly by the office (a body's arrive through its reports)."""
    measure = measure_for_page(request, pk)
    require(permissions.can_edit_measure(request.user, measure), request, Measure, measure)
    form = ProgressForm(request.POST, instance=measure)
    return _save(request, measure, form, "progress", _("The progress was saved."))


@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    measure = measure_for_page(request, pk)
    require(permissions.can_edit_measure(request.user, measure), request, Milestone, measure)
    form = MilestoneForm(request.POST, measure=measure, prefix="new")
    if _saved(form):
        messages.success(request, _("The milestone was added."))
        return redirect("tasks:measure_detail", pk=measure.pk)
    return render(
        request, "tasks/measure_detail.html", page_context(request, measure, milestone_form=form)
    )


@require_POST
def milestone_update(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("measure"), pk=pk)
    measure = measure_for_page(request, milestone.measure_id)
    milestone.measure = measure
    user = request.user
    require(permissions.can_edit_milestone(user, milestone), request, Milestone, measure)
    prefix = f"m{milestone.pk}"
    if permissions.can_edit_measure(user, measure):
        form = MilestoneForm(request.POST, instance=milestone, measure=measure, prefix=prefix)
    else:
        form = MilestoneDoneForm(request.POST, instance=milestone, prefix=prefix)
    if _saved(form):
        messages.success(request, _("The milestone was saved."))
        return redirect("tasks:measure_detail", pk=measure.pk)
    context = page_context(request, measure)
    for shown in context["milestones"]:
        if shown.pk == milestone.pk:
            shown.form = form
    return render(request, "tasks/measure_detail.html", context)


@require_POST
def milestone_delete(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("measure"), pk=pk)
    measure = milestone.measure
    require(permissions.can_edit_measure(request.user, measure), request, Milestone, measure)
    milestone.delete()
    messages.success(request, _("The milestone was deleted."))
    return redirect("tasks:measure_detail", pk=milestone.measure_id)


def reporting_panel(request: HttpRequest, measure: Measure) -> dict[str, object]:
    """What the measure page shows of the reporting cycle: this period's state and report, the
    contributions, attachments, extension requests, and the forms this user may use.

    Five queries whatever the measure: whether it owes the period's report (the rule every
    screen asks), the period's (and the latest) report, its attachments, the contributions, the
    extension requests."""
    user = request.user
    day = clock.today()
    period, bad_period = period_from(request, measure.reporting_period(day))
    owes = Measure.objects.owing_report(period).filter(pk=measure.pk).exists()
    latest = measure.reports.order_by("-period", "-submitted_at").values("pk")[:1]
    reports = list(
        ProgressReport.objects.filter(
            Q(measure=measure, period=str(period)) | Q(pk=Subquery(latest))
        )
        .select_related("author", "body", "reviewed_by")
        .order_by("-period")
    )
    for found in reports:
        found.measure = measure
    report = next((r for r in reports if r.period == str(period)), None)
    newest = reports[0] if reports else None  # the latest report of the measure
    attachments = list(
        Attachment.objects.filter(report__measure=measure, report__period=str(period))
    )
    contributions = list(
        Contribution.objects.filter(measure=measure, period=str(period)).select_related(
            "body", "author"
        )
    )
    extensions = list(measure.extension_requests.select_related("requested_by", "decided_by"))
    pending = next((e for e in extensions if e.state == ExtensionRequest.State.PENDING), None)

    state = reporting.state_of(report, period=period, today=day, owes=owes)
    # the period's own problem, if any: not begun, or before the measure was in the plan
    period_problem = reporting_models.period_problem(str(period), measure)
    can_file = (
        permissions.can_file_report(user, measure)
        and period_problem is None
        and (report is None or permissions.can_edit_report(user, report))
    )
    can_review = bool(
        report
        and report.review_state == ProgressReport.ReviewState.SUBMITTED
        and permissions.can_review_report(user, measure)
    )
    bodies = (
        reporting.contribution_bodies(user, measure)
        if permissions.can_contribute(user, measure)
        else []
    )
    accepted = report is not None and report.review_state == ProgressReport.ReviewState.ACCEPTED
    can_contribute = (
        bool(bodies)
        and period_problem is None
        and (not accepted or permissions.can_edit_plan(user, measure.federation_id))
    )
    own = {c.body_id: c for c in contributions}
    first_own = next((own[b.pk] for b in bodies if b.pk in own), None)
    can_close = permissions.can_close_measure(user, measure)
    close_blocker = (
        reporting.closing_blocker(measure, newest)
        if can_close and measure.status == Measure.Status.DONE
        else None
    )
    return {
        "reporting": {
            "period": period,
            "bad_period": bad_period,
            "previous": period.previous(),
            "next": period.next(),
            "deadline": reporting.deadline_of(period),
            "state": state,
            "state_label": ReportState(state).label,
            "period_problem": period_problem if report is None else None,
            "report": report,
            "attachments": attachments,
            "contributions": contributions,
            "extensions": extensions,
            "pending": pending,
            "can_file": can_file,
            "can_review": can_review,
            "can_contribute": can_contribute,
            "can_close": can_close
            and measure.status == Measure.Status.DONE
            and not measure.closed_on
            and close_blocker is None,
            "close_blocker": close_blocker,
        },
        "review_form": ReviewForm(initial={"loaded_version": report.version})
        if can_review
        else None,
        "contribution_form": ContributionForm(
            bodies=bodies,
            initial={"body": first_own.body_id, "text": first_own.text} if first_own else None,
        )
        if can_contribute
        else None,
        "extension_form": ExtensionRequestForm()
        if permissions.can_request_extension(user, measure)
        and not pending
        and measure.status not in CLOSED_STATUSES
        else None,
        "decision_form": ExtensionDecisionForm()
        if pending and permissions.can_decide_extension(user, measure)
        else None,
    }


# -- /reports/ ----------------------------------------------------------------------------------
