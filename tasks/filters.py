"""The task book's filters, shared by the task book, the timetable and the ledger exports."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import django_filters
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from tasks.models import CLOSED_STATUSES, Light, Measure, ResponsibleBody

if TYPE_CHECKING:
    from tasks.permissions import Scope
from tasks.widgets import AREAS, BODIES, PEOPLE, SOURCES, LookupChoiceField, Search

ALL = _("All")
# Measures without a due date (长期坚持…) come last whichever way dates are sorted.
SORTS = {
    "rank": (F("rank").asc(),),
    "due": (F("due_date").asc(nulls_last=True), F("rank").asc()),
    "-due": (F("due_date").desc(nulls_last=True), F("rank").asc()),
    "progress": (F("progress").asc(), F("rank").asc()),
    "-progress": (F("progress").desc(), F("rank").asc()),
}


class LookupFilter(django_filters.ModelChoiceFilter):
    """A row picked by searching for it (`tasks.widgets`): the URL holds its id, as always
    (`?lead_body=12`); a name typed without JavaScript is looked up. No page lists them all."""

    field_class = LookupChoiceField

    def __init__(self, search: Search, **kwargs: object) -> None:
        kwargs.setdefault("queryset", search.rows())
        super().__init__(search=search, **kwargs)


class MeasureFilter(django_filters.FilterSet):
    """Filters in the URL (?area=3&light=red&sort=due …): bookmarkable, shareable, exportable.

    The queryset given must already carry the traffic light (`with_light(today)`). With a
    user's scope (`tasks.permissions.scope`), it holds the plan of one federation the user sees:
    `?federation=` (their own by default; the switch is shown when there are several).
    """

    federation = django_filters.ChoiceFilter(
        choices=[], method="filter_federation", label=_("Federation"), empty_label=None
    )
    q = django_filters.CharFilter(method="filter_text", label=_("Text"))
    source = LookupFilter(SOURCES, field_name="area__source", label=_("Source document"))
    area = LookupFilter(AREAS, label=_("Reform area"))
    lead_body = LookupFilter(BODIES, label=_("Lead body"))
    body = LookupFilter(
        BODIES,
        method="filter_body",
        label=_("Cooperating body"),
        help_text=_("Includes the bodies below it."),
    )
    # active people only, as before: someone who left is not found by name
    owner = LookupFilter(PEOPLE, label=_("Person responsible"))
    status = django_filters.ChoiceFilter(
        choices=Measure.Status.choices, label=_("Status"), empty_label=ALL
    )
    priority = django_filters.ChoiceFilter(
        choices=Measure.Priority.choices, label=_("Priority"), empty_label=ALL
    )
    light = django_filters.ChoiceFilter(
        choices=Light.choices, label=_("Traffic light"), empty_label=ALL
    )
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", _("Overdue only")), ("no", _("Not overdue"))],
        method="filter_overdue",
        label=_("Overdue"),
        empty_label=ALL,
    )
    due = django_filters.DateFromToRangeFilter(
        field_name="due_date",
        label=_("Due between"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    sort = django_filters.ChoiceFilter(
        choices=[
            ("rank", _("Priority order")),
            ("due", _("Due date, earliest first")),
            ("-due", _("Due date, latest first")),
            ("progress", _("Progress, lowest first")),
            ("-progress", _("Progress, highest first")),
        ],
        method="filter_sort",
        label=_("Sort by"),
        empty_label=None,
    )

    class Meta:
        model = Measure
        fields: list[str] = []

    def __init__(
        self, *args: object, today: date, scope: Scope | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.scope = scope
        if scope is None or scope.is_single():
            self.filters.pop("federation")
        else:
            names = scope.tree.names
            mine = [("", _("All my measures"))] if scope.default_plan is None else []
            current = scope.chosen((self.data or {}).get("federation"))
            self.filters["federation"].extra.update(
                choices=mine
                + [(str(pk), names.get(pk, "")) for pk in scope.plans(current or scope.home)],
            )
            # a form field built before (the schema of the API reads the filters' fields)
            # would keep the choices it was built with
            vars(self.filters["federation"]).pop("_field", None)

    @property
    def qs(self) -> QuerySet[Measure]:
        if not hasattr(self, "_qs"):
            queryset = super().qs
            if self.scope is not None and "federation" in self.filters:
                self.is_valid()
                chosen = getattr(self.form, "cleaned_data", {}).get("federation")
                if not chosen and self.plan is not None:
                    queryset = self.filter_federation(queryset, "federation", str(self.plan))
            self._qs = queryset
        return self._qs

    @property
    def plan(self) -> int | None:
        """The federation whose plan is shown (None: every plan, with one federation)."""
        if self.scope is None or "federation" not in self.filters:
            return None
        self.is_valid()
        chosen = getattr(self.form, "cleaned_data", {}).get("federation")
        return int(chosen) if chosen else self.scope.default_plan

    def filter_federation(self, queryset: QuerySet[Measure], name: str, value: str):
        return queryset.filter(federation_id=int(value))

    def filter_text(self, queryset: QuerySet[Measure], name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.containing(word)
        return queryset

    def filter_body(self, queryset: QuerySet[Measure], name: str, value: ResponsibleBody):
        links = Measure.cooperating_bodies.through.objects.filter(
            measure=OuterRef("pk"), responsiblebody__in=ResponsibleBody.objects.below([value.pk])
        )
        return queryset.filter(Exists(links))

    def filter_overdue(self, queryset: QuerySet[Measure], name: str, value: str):
        late = Q(due_date__lt=self.today) & ~Q(status__in=CLOSED_STATUSES)
        return queryset.filter(late) if value == "yes" else queryset.exclude(late)

    def filter_sort(self, queryset: QuerySet[Measure], name: str, value: str) -> QuerySet:
        return queryset  # applied by `ordering`, after the filters

    @property
    def ordering(self) -> tuple:
        """The chosen sort; a valid sort holds even when another filter value was not valid."""
        self.is_valid()  # cleans the form; a field in error is simply left out
        value = getattr(self.form, "cleaned_data", {}).get("sort")
        return SORTS.get(value or "rank", SORTS["rank"])


def filtered_measures(
    data: QueryDict | dict | None,
    day: date,
    user: object | None = None,
    *,
    plan: int | None = None,
) -> MeasureFilter:
    """The task book's filters (`data`: a query string's values) applied to the measures the
    user sees (with no user, those of `plan`, or every measure: `export_ledger`, the upload's
    comparison), with its light, bodies and owner: for the task book, the timetable, the
    exports and `export_ledger` alike.

    `.qs` is the filtered queryset and `.ordering` the chosen sort, for the screen to order
    by; `.form` shows the filters and any mistake in them (a bad value is reported and left
    out, never fatal).
    """
    from tasks import permissions

    measures = (
        Measure.objects.with_light(day)
        .select_related("area__source", "lead_body", "owner")
        .defer("area__source__text")  # the whole document, on every row otherwise
        .prefetch_related("cooperating_bodies")
    )
    scope = None
    if plan is not None:
        measures = measures.filter(federation_id=plan)
    if user is not None:
        scope = permissions.scope(user)
        measures = measures.filter(permissions.in_seen_plans(user))
    return MeasureFilter(data or None, queryset=measures, today=day, scope=scope)
