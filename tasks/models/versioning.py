"""Rows that count their saves, so that a save from a stale copy is refused, not applied; and
how what changed since is shown to the one whose save was refused."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class StaleEdit(Exception):
    """Someone saved the row after this copy of it was loaded; saving would overwrite their work."""

    def __init__(self, current: Versioned, loaded_version: int) -> None:
        super().__init__(f"{type(current).__name__} {current.pk} changed since it was loaded")
        self.current = current
        self.loaded_version = loaded_version


class Versioned(models.Model):
    """A row that counts its saves, so that a save from a stale copy is refused, not applied.

    Every save through `save_versioned` claims the version it loaded in one conditional UPDATE
    (``… WHERE version = loaded``): of two people who loaded the same version, only the first
    succeeds, on SQLite and PostgreSQL alike, whatever the timing.
    """

    version = models.PositiveIntegerField(gettext_lazy("version"), default=1, editable=False)

    class Meta:
        abstract = True

    @classmethod
    def from_db(
        cls, db: str | None, field_names: list[str], values: list[Any], **options: Any
    ) -> Versioned:
        """A row read from the database remembers what it held, so that its rules can tell what
        a change changes (a closed measure may not change at all)."""
        instance = super().from_db(db, field_names, values, **options)
        instance._loaded = dict(zip(field_names, values, strict=True))
        return instance

    def changed_fields(self) -> set[str]:
        """The fields (by attname) whose value differs from the one read from the database;
        empty for a row not read from it."""
        loaded = getattr(self, "_loaded", None) or {}
        return {name for name, value in loaded.items() if getattr(self, name) != value}

    def save_edit(self, *, expected_version: int | None = None) -> None:
        """Save a change, checked: every rule of the model (`full_clean`: its `clean()` and its
        fields), and nobody's save since `expected_version` overwritten (StaleEdit). Every path
        that edits a row — page, admin, upload, command — saves it here."""
        # A relation that did not change was checked when it was set: no query to look it up.
        unchanged = (
            [
                field.name
                for field in self._meta.concrete_fields
                if field.is_relation and field.attname not in self.changed_fields()
            ]
            if hasattr(self, "_loaded")
            else []
        )
        self.full_clean(exclude=unchanged, validate_unique=False, validate_constraints=False)
        if expected_version is not None and self.pk is not None and not self._state.adding:
            self.save_versioned(expected_version=expected_version)
        else:
            self.save()
            self._remember()

    def _remember(self) -> None:
        """What the row holds now that it is saved (see `changed_fields`)."""
        deferred = self.get_deferred_fields()
        self._loaded = {
            field.attname: getattr(self, field.attname)
            for field in self._meta.concrete_fields
            if field.attname not in deferred
        }

    def save_versioned(self, *, expected_version: int) -> None:
        with transaction.atomic():
            if self.pk is not None and not self._state.adding:
                claimed = (
                    type(self)
                    ._default_manager.filter(pk=self.pk, version=expected_version)
                    .update(version=F("version") + 1)
                )
                if not claimed:
                    raise StaleEdit(type(self)._default_manager.get(pk=self.pk), expected_version)
                self.version = expected_version + 1
            self.save()
        self._remember()

    def changes_since(
        self, version: int, records: Iterable[Any] | None = None
    ) -> tuple[list[tuple[str, object, object]], list]:
        """What was changed after `version`: (field label, then, now) and the history records.

        `records`: this row's history from `version` on, in the order saved, when the caller
        fetched it already (for many rows at once, `history_from`)."""
        if records is None:
            records = history_from(type(self), {self.pk: version}).get(self.pk, [])
        then, later = None, []
        for record in records:
            if record.version == version:
                then = record  # the last record of that version
            elif record.version > version:
                later.append(record)
        if then is None:
            return [], later
        changes = []
        for field in self._meta.concrete_fields:
            if field.name in {"version", "updated_at", "created_at"} or field.primary_key:
                continue
            before, after = getattr(then, field.attname), getattr(self, field.attname)
            if before != after:
                if field.is_relation:
                    model = field.related_model
                    before = model._default_manager.filter(pk=before).first() if before else None
                    after = getattr(self, field.name)
                elif field.choices:
                    labels = dict(field.flatchoices)
                    before, after = labels.get(before, before), labels.get(after, after)
                changes.append((str(field.verbose_name), before, after))
        return changes, later


def history_from(model: type[models.Model], versions: dict[int, int]) -> dict[int, list[Any]]:
    """Each row's history records (pk → version) from that version on, in the order saved:
    one query however many rows."""
    if not versions:
        return {}
    found: dict[int, list[Any]] = {pk: [] for pk in versions}
    records = (
        model.history.filter(id__in=list(versions), version__gte=min(versions.values()))
        .select_related("history_user")
        .order_by("history_id")
    )
    for record in records:
        if record.version >= versions[record.id]:
            found[record.id].append(record)
    return found


# -- showing what changed ----------------------------------------------------------------------


def person(user: AbstractBaseUser | None) -> str:
    """How every screen names a person: the full name, else the login name."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def show_value(value: Any, field: models.Field | None = None, names: dict | None = None) -> str:
    """A field's value as a reader sees it, the same in the history, the admin and conflicts:
    a name for a related row (from `names`, keyed by (model, pk), or the row itself), the label
    of a choice, a date in the active language's format, "—" for nothing."""
    if value in (None, "", [], ()):
        return "—"
    if field is not None and field.is_relation:
        if isinstance(value, models.Model):
            return person(value) if _is_user(value) else str(value)
        return (names or {}).get((field.related_model, value), f"#{value}")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, models.Model):
        return person(value) if _is_user(value) else str(value)
    if isinstance(value, str):
        return value if len(value) <= 80 else value[:78] + "…"
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return str(formats.localize(value))


def _is_user(value: models.Model) -> bool:
    return isinstance(value, AbstractBaseUser)


@dataclass(frozen=True)
class ChangesSince:
    """What others saved on a row after a version: who, when last, and each field, as words."""

    people: str
    when: str
    detail: str
    names: tuple[str, ...] = ()  # who, one by one
    fields: tuple[str, ...] = ()  # the fields' labels


def changes_since(
    current: Versioned, version: int, records: Iterable[Any] | None = None
) -> ChangesSince:
    changes, later = current.changes_since(version, records)
    people = sorted({person(r.history_user) or _("the system") for r in later})
    when = max((r.history_date for r in later), default=None)
    detail = "；".join(
        _("%(field)s: %(before)s → %(after)s")
        % {"field": label, "before": show_value(before), "after": show_value(after)}
        for label, before, after in changes
    )
    return ChangesSince(
        people="、".join(people) or _("someone"),
        when=show_value(when) if when else "—",
        detail=detail or _("no field you can see"),
        names=tuple(people),
        fields=tuple(label for label, _before, _after in changes),
    )


def conflict_message(current: Versioned, loaded_version: int) -> str:
    """What another person changed since `loaded_version`, who, and what to do now."""
    changed = changes_since(current, loaded_version)
    return _(
        "%(people)s saved this record at %(when)s, after you opened it, and changed: "
        "%(detail)s. Your changes were not saved and are still in the form: note them, reload "
        "the page to see the new values, and make your changes again."
    ) % {"people": changed.people, "when": changed.when, "detail": changed.detail}
