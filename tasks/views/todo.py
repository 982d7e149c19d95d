"""待办 and notices: what waits for the logged-in user, what changed for them, how they are
reached, and the office's 催报 of a late body."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tasks import clock, permissions, todo
from tasks.models import Chase, Notice, Profile, ResponsibleBody
from tasks.models.versioning import person, show_value
from tasks.notifying import events
from tasks.periods import PeriodError
from tasks.reporting.states import ReportState
from tasks.reporting.table import period_measures
from tasks.schedule import parse_period
from tasks.views.common import require, require_view

NOTICES_SHOWN = 50


@require_GET
def after_login(request: HttpRequest) -> HttpResponse:
    """Where a login lands: a liaison on its 待办, everyone else on the dashboard."""
    if permissions.is_liaison(request.user) and not permissions.can_edit_plan(request.user):
        return redirect("tasks:todo")
    return redirect("tasks:dashboard")


@require_GET
def todo_list(request: HttpRequest) -> HttpResponse:
    require_view(request)
    today = clock.today()
    return render(
        request,
        "tasks/todo.html",
        {"sections": todo.sections(request.user, today), "today": today},
    )


@require_GET
@transaction.non_atomic_requests  # reads only: no transaction, so it never queues a writer
def todo_badge(request: HttpRequest) -> HttpResponse:
    """The navigation's counts (fetched after the page, so no page pays for them)."""
    require_view(request)
    return render(
        request,
        "tasks/_todo_badge.html",
        {
            "count": todo.count(request.user, clock.today()),
            "unread": Notice.objects.filter(recipient=request.user, read_at__isnull=True).count(),
        },
    )


# -- notices ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def notice_list(request: HttpRequest) -> HttpResponse:
    """The user's notices, newest first; POST marks them all read."""
    require_view(request)
    mine = Notice.objects.filter(recipient=request.user)
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=clock.now())
        return redirect("tasks:notice_list")
    return render(
        request,
        "tasks/notice_list.html",
        {
            "notices": mine.select_related("measure")[:NOTICES_SHOWN],
            "unread": mine.filter(read_at__isnull=True).count(),
        },
    )


@require_GET
def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notice: it is read, and the page it is about opens."""
    require_view(request)
    notice = get_object_or_404(Notice, pk=pk, recipient=request.user)
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk).update(read_at=clock.now())
    return redirect(notice.url or "tasks:notice_list")


class NoticeSettingsForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("For the reform office to call when reports are late."),
    )
    email_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Also by e-mail"),
        choices=Notice.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Every notice is shown here; these also come by e-mail."),
    )


@require_http_methods(["GET", "POST"])
def notice_settings(request: HttpRequest) -> HttpResponse:
    require_view(request)
    profile = Profile.objects.filter(user=request.user).first() or Profile(user=request.user)
    initial = {
        "phone": profile.phone,
        "email_kinds": profile.email_kinds if profile.email_chosen else list(Notice.Kind.values),
    }
    form = NoticeSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        profile.phone = form.cleaned_data["phone"].strip()
        profile.email_kinds = form.cleaned_data["email_kinds"]
        profile.email_chosen = True
        profile.save()
        messages.success(request, _("Your contact and notice settings were saved."))
        return redirect("tasks:notice_settings")
    return render(
        request,
        "tasks/notice_settings.html",
        {"form": form, "email": request.user.email},
    )


# -- 催报 ---------------------------------------------------------------------------------------

CHASE_AGAIN_AFTER = timedelta(hours=24)


@require_POST
@transaction.atomic
def chase_body(request: HttpRequest, pk: int) -> HttpResponse:
    """The office chases a late body now; a second chase for the same period within a day
    needs `again` (the button says when and by whom it was chased)."""
    require(permissions.can_edit_plan(request.user), request, Chase)
    body = get_object_or_404(ResponsibleBody.objects.select_for_update(), pk=pk)
    try:
        period = parse_period(request.POST.get("period", ""))
    except PeriodError as error:
        messages.error(request, str(error))
        return redirect("tasks:todo")
    today = clock.today()
    late = (
        period_measures(period, today).filter(lead_body=body, report_state=ReportState.LATE).count()
    )
    if not late:
        messages.info(
            request,
            _("%(body)s has no late report for %(period)s any more: nobody was chased.")
            % {"body": body.name, "period": period},
        )
        return redirect("tasks:todo")
    last = body.chases.filter(period=str(period)).select_related("by").first()
    if last and clock.now() - last.at < CHASE_AGAIN_AFTER and not request.POST.get("again"):
        messages.error(
            request,
            _(
                "%(body)s was already chased for %(period)s by %(who)s at %(when)s. "
                "To chase again now, use “Chase again”."
            )
            % {
                "body": body.name,
                "period": period,
                "who": person(last.by) or _("someone"),
                "when": show_value(last.at),
            },
        )
        return redirect("tasks:todo")
    events.chase(body, period=str(period), late=late, by=request.user)
    messages.success(
        request,
        _("%(body)s was chased for its %(count)d late reports of %(period)s.")
        % {"body": body.name, "count": late, "period": period},
    )
    return redirect("tasks:todo")
