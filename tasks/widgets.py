"""Pickers for long lists: a province's responsible bodies and people run to thousands.

No page lists them all. A picker is a text box that searches as you type (static/js/lookup.js
asks `/lookup/<kind>/?q=…`, twenty names a page) and keeps the chosen row's id for the form, so
query strings stay `?lead_body=<id>`. Without JavaScript the same box takes a typed name, which
the server looks up (`Search.resolve`): exactly that name, or the one row that fits; when several
fit, the form says which, with their numbers, and a number is taken as an id.

- `Search`: what a picker searches (its rows, the fields every typed word is looked for in, how a
  row is named) — shared by the fields here and the lookup views;
- `LookupChoiceField` / `LookupMultipleChoiceField`: model choice fields that render as pickers
  and accept an id or a typed name; they never iterate their queryset;
- `LookupInput` / `LookupMultiple`: their widgets. Several rows (co-operating bodies) show the
  chosen ones as ticked boxes (untick to remove) and a box to add more by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Model, Q, QuerySet, Value, When
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.models import ReformArea, ResponsibleBody, Source
from tasks.models.versioning import person

PAGE = 20  # names a page of the lookup's answer
CANDIDATES = 6  # rows named when a typed name fits several (one more than shown)
SEPARATORS = re.compile(r"[、，,；;\n]+")  # between names typed into a picker of several


@dataclass(frozen=True)
class Search:
    """What a picker searches: `kind` names its lookup URL (`tasks:lookup_<kind>`)."""

    kind: str
    rows: Callable[[], QuerySet]  # what may be picked, in the order shown
    fields: tuple[str, ...]  # every word typed must be in one of them (any case)
    exact: Callable[[str], Q]  # what "exactly this name" means
    label: Callable[[Model], str]
    placeholder: Promise
    detail: Callable[[Model], str] = lambda row: ""
    prefetch: tuple[str, ...] = ()  # what `detail` reads of several rows

    def __deepcopy__(self, memo: dict) -> Search:
        return self  # immutable: every copy of a form field shares it

    @property
    def url(self) -> str:
        return reverse(f"tasks:lookup_{self.kind}")

    def matching(self, text: str, rows: QuerySet | None = None) -> QuerySet:
        """The rows that hold every word of `text`: its exact name first, then names that begin
        with it, then the others, each in the rows' own order."""
        rows = self.rows() if rows is None else rows
        for word in text.split():
            anywhere = Q()
            for name in self.fields:
                anywhere |= Q(**{f"{name}__icontains": word})
            rows = rows.filter(anywhere)
        text = text.strip()
        if not text:
            return rows
        first = self.fields[0]
        closeness = Case(
            When(**{f"{first}__iexact": text}, then=Value(0)),
            When(**{f"{first}__istartswith": text}, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        order = rows.query.order_by or rows.model._meta.ordering
        return rows.alias(closeness=closeness).order_by("closeness", *order)

    def page(self, text: str, number: int, within: Q | None = None) -> tuple[list[Model], bool]:
        """One page of the rows matching `text` (of those `within`, if given), and whether
        there are more (one query, and one for `prefetch`)."""
        start = (number - 1) * PAGE
        rows = self.rows() if within is None else self.rows().filter(within)
        found = list(
            self.matching(text, rows).prefetch_related(*self.prefetch)[start : start + PAGE + 1]
        )
        return found[:PAGE], len(found) > PAGE

    def resolve(self, text: str, rows: QuerySet) -> Model:
        """The one row of `rows` a typed name means: the row of exactly that name, else the only
        one that fits. Nothing or several: a ValidationError saying which fit."""
        exact = list(rows.filter(self.exact(text)).prefetch_related(*self.prefetch)[:CANDIDATES])
        found = exact or list(
            self.matching(text, rows).prefetch_related(*self.prefetch)[:CANDIDATES]
        )
        if len(found) == 1:
            return found[0]
        if not found:
            raise ValidationError(
                _(
                    "Nothing fits “%(text)s”: check the name, or type a part of it and pick "
                    "from the list."
                ),
                code="not_found",
                params={"text": text},
            )
        names = "、".join(self.described(row) for row in found[: CANDIDATES - 1])
        if len(found) == CANDIDATES:
            names += "……"
        raise ValidationError(
            _(
                "Several fit “%(text)s”: %(names)s. Type the whole name, or the number of "
                "the one you mean."
            ),
            code="ambiguous",
            params={"text": text, "names": names},
        )

    def described(self, row: Model) -> str:
        """A row named with what tells it apart, and its number (an id the picker accepts)."""
        detail = self.detail(row)
        if detail:
            return _("%(name)s (%(detail)s, no. %(id)s)") % {
                "name": self.label(row),
                "detail": detail,
                "id": row.pk,
            }
        return _("%(name)s (no. %(id)s)") % {"name": self.label(row), "id": row.pk}


def _person_exact(text: str) -> Q:
    first, _space, last = text.partition(" ")
    exact = Q(username__iexact=text) | Q(first_name__iexact=text, last_name="")
    exact |= Q(first_name="", last_name__iexact=text)
    if last:
        exact |= Q(first_name__iexact=first, last_name__iexact=last.strip())
    return exact


def _bodies_of(user: Model) -> str:
    return "、".join(body.name for body in user.bodies.all()[:2])


BODIES = Search(
    kind="bodies",
    rows=lambda: ResponsibleBody.objects.select_related("parent").only(
        "pk", "name", "parent__name"
    ),
    fields=("name",),
    exact=lambda text: Q(name__iexact=text),
    label=lambda body: body.name,
    detail=lambda body: body.parent.name if body.parent_id else "",
    placeholder=gettext_lazy("Type a part of the body’s name"),
)
PEOPLE = Search(
    kind="people",
    # active accounts only: those who left are never picked (and not found by the filters)
    rows=lambda: (
        get_user_model()
        .objects.filter(is_active=True)
        .only("pk", "username", "first_name", "last_name")
        .order_by("first_name", "last_name", "username")
    ),
    fields=("first_name", "last_name", "username"),
    exact=_person_exact,
    label=person,
    detail=_bodies_of,
    prefetch=("bodies",),
    placeholder=gettext_lazy("Type a part of the name"),
)
AREAS = Search(
    kind="areas",
    rows=lambda: (
        ReformArea.objects.select_related("source")
        .only("pk", "ordinal", "title", "order", "source__title")
        .order_by("order", "pk")
    ),
    fields=("title", "ordinal"),
    exact=lambda text: Q(title__iexact=text),
    label=str,
    detail=lambda area: area.source.title,
    placeholder=gettext_lazy("Type a part of the area’s title"),
)
SOURCES = Search(
    kind="sources",
    rows=lambda: Source.objects.only("pk", "title", "author").order_by("title", "pk"),
    fields=("title", "author"),
    exact=lambda text: Q(title__iexact=text),
    label=lambda source: source.title,
    detail=lambda source: source.author,
    placeholder=gettext_lazy("Type a part of the title"),
)


# -- the fields ---------------------------------------------------------------------------------


def _as_id(text: str) -> int | None:
    """A row's number, as the picker sends it (and a bookmarked URL holds it)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _items(value: object) -> list[str]:
    """Ids and names of a picker of several: its ticked boxes, and names typed between 、."""
    if value in (None, ""):
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    items = []
    for one in values:
        text = str(one.pk if isinstance(one, Model) else one)
        items += [part.strip() for part in SEPARATORS.split(text) if part.strip()]
    return items


class LookupMixin:
    """What both pickers share: the search, and the rows already met (by id and by the name
    typed), so that showing the choice again costs no query."""

    search: Search
    found: dict[str, Model]

    def _start(self, search: Search) -> None:
        self.search = search
        self.found = {}
        self.widget.field = self

    def __deepcopy__(self, memo: dict) -> LookupMixin:
        result = super().__deepcopy__(memo)
        result.found = {}
        result.widget.field = result
        return result

    def label_from_instance(self, obj: Model) -> str:
        return self.search.label(obj)

    def remember(self, rows: Iterable[Model | None]) -> None:
        """Rows the page has already loaded (the measure's owner and bodies): no query to
        name them."""
        for row in rows:
            if row is not None:
                self.found[str(row.pk)] = row

    def find(self, text: str) -> Model:
        """The row an id or a typed name means (ValidationError if none or several)."""
        if text in self.found:
            return self.found[text]
        pk = _as_id(text)
        if pk is None:
            row = self.search.resolve(text, self.queryset)
        else:
            row = self.queryset.filter(pk=pk).first()
            if row is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": text},
                )
        self.found[text] = self.found[str(row.pk)] = row
        return row

    def shown(self, values: Iterable[object]) -> list[tuple[str, str]]:
        """(id, name) of each value to show; ("", text) for text that names no row. Rows not
        met yet are read in one query."""
        texts = []
        for value in values:
            if isinstance(value, Model):
                self.found[str(value.pk)] = value
                value = value.pk
            text = "" if value is None else str(value).strip()
            if text:
                texts.append(text)
        missing = [pk for pk in map(_as_id, texts) if pk is not None and str(pk) not in self.found]
        if missing:
            self.remember(self.queryset.filter(pk__in=missing))
        shown = []
        for text in texts:
            row = self.found.get(text)
            shown.append((str(row.pk), self.search.label(row)) if row else ("", text))
        return shown


class LookupChoiceField(LookupMixin, forms.ModelChoiceField):
    """One row, picked by searching for it (an id, or a name typed as is)."""

    def __init__(self, search: Search, **kwargs: object) -> None:
        kwargs.setdefault("queryset", search.rows())
        kwargs.setdefault("widget", LookupInput)
        kwargs.pop("empty_label", None)  # no list, so no empty choice to name
        super().__init__(empty_label=None, **kwargs)
        self._start(search)

    def to_python(self, value: object) -> Model | None:
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            return value
        text = str(value).strip()
        return self.find(text) if text else None


class LookupMultipleChoiceField(LookupMixin, forms.ModelMultipleChoiceField):
    """Several rows, picked one by one; without JavaScript, names typed and separated by 、."""

    def __init__(self, search: Search, **kwargs: object) -> None:
        kwargs.setdefault("queryset", search.rows())
        kwargs.setdefault("widget", LookupMultiple)
        super().__init__(**kwargs)
        self._start(search)

    def clean(self, value: object) -> QuerySet:
        ids, errors = [], []
        for item in _items(value):
            pk = _as_id(item)
            if pk is not None:
                ids.append(str(pk))
                continue
            try:
                ids.append(str(self.find(item).pk))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        rows = super().clean(ids)
        self.remember(rows)  # read by _check_values already: no second query
        return rows

    def has_changed(self, initial: object, data: object) -> bool:
        initial_ids = {str(pk) for pk in self.prepare_value(initial or [])}
        return initial_ids != set(_items(data))


# -- the widgets --------------------------------------------------------------------------------


class _Picker(forms.Widget):
    lookup = True  # templates lay a picker out with a <label for> rather than around it
    field: LookupMixin | None = None

    def _attrs(self, name: str, attrs: dict | None) -> dict:
        final = self.build_attrs(self.attrs, attrs)
        search = self.field.search
        final.update(
            {
                "type": "text",
                "name": name,
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": str(search.placeholder),
                "data-lookup": search.url,
                "data-msg-count": _("%(count)s found; use the up and down arrows to choose."),
                "data-msg-more": _("More…"),
                "data-msg-none": _("Nothing fits; check the name."),
                "data-msg-failed": _("The search did not answer; try again."),
            }
        )
        return final

    def _shown(self, value: object) -> list[tuple[str, str]]:
        values = value if isinstance(value, (list, tuple)) else [value]
        if self.field is None:
            return [("", str(v)) for v in values if v not in (None, "")]
        return self.field.shown(values)


class LookupInput(_Picker):
    """A text box naming the chosen row; lookup.js turns it into a combobox whose hidden
    input sends the row's id under the field's name."""

    def format_value(self, value: object) -> object:
        return value

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        shown = self._shown(value)
        pk, label = shown[0] if shown else ("", "")
        final = self._attrs(name, attrs)
        final["value"] = label
        final["data-lookup-value"] = pk
        return format_html('<div class="lookup"><input{}></div>', flatatt(final))


class LookupMultiple(_Picker):
    """The chosen rows as ticked boxes (untick to remove), and a text box to add more: picked
    from the list (lookup.js adds a ticked box) or typed, separated by 、."""

    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def value_omitted_from_data(self, data, files, name) -> bool:
        return False  # nothing ticked sends nothing: that means "none chosen"

    def format_value(self, value: object) -> object:
        return value

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        shown = self._shown(_items(value))
        chosen = [(pk, label) for pk, label in shown if pk]
        typed = "、".join(label for pk, label in shown if not pk)
        final = self._attrs(name, attrs)
        final["value"] = typed
        box_id = f"{final.get('id', name)}-chosen"
        final["data-lookup-many"] = box_id
        final["data-msg-added"] = _("Added: %(name)s")
        label = self.field.label if self.field else ""
        boxes = format_html_join(
            "",
            '<li><label><input type="checkbox" name="{}" value="{}" checked> {}</label></li>',
            ((name, pk, text) for pk, text in dict(chosen).items()),
        )
        return format_html(
            '<div class="lookup lookup-many"><ul class="lookup-chosen" id="{}" '
            'aria-label="{}">{}</ul><input{}></div>',
            box_id,
            _("Chosen: %(field)s") % {"field": label},
            boxes,
            flatatt(final),
        )
