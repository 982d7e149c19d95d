"""The confirmation: the previewed changes, carried in a signed token, applied all or none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tasks.ledger.upload.preview import Preview
from tasks.ledger.upload.sheet import UploadError
from tasks.models import Measure, ResponsibleBody, StaleEdit
from tasks.models.versioning import changes_since

TOKEN_SALT = "tasks.ledger.upload"
TOKEN_MAX_AGE = 2 * 60 * 60  # seconds
DATE_FIELDS = frozenset({"start_date", "due_date"})


# -- carrying the preview to the confirmation --------------------------------------------------


@dataclass(frozen=True)
class PlannedChange:
    measure_id: int
    version: int
    row: int
    title: str
    values: dict[str, object]
    stale: bool = False  # its row was exported before the measure's last save


def chosen(changes: Iterable[PlannedChange], ticked: Iterable[object] = ()) -> list[PlannedChange]:
    """The changes to apply: every fresh one, and a stale row's only when the office ticked
    it (`ticked`: measure ids, as the form sends them). Nothing is reverted silently."""
    ids = {str(pk) for pk in ticked}
    return [c for c in changes if not c.stale or str(c.measure_id) in ids]


def planned(preview: Preview) -> list[PlannedChange]:
    """What the preview proposes to write, each change marked stale or not."""
    return [
        PlannedChange(c.measure_id, c.version, c.row, c.title, c.values, c.stale is not None)
        for c in preview.changes
    ]


def preview_token(preview: Preview, user: AbstractBaseUser) -> str:
    """The preview's changes, signed for this user, to send back with the confirmation."""
    changes = [
        [c.measure_id, c.version, c.row, c.title, c.values, c.stale] for c in planned(preview)
    ]
    return signing.dumps({"user": user.pk, "changes": changes}, salt=TOKEN_SALT, compress=True)


def planned_changes(token: str, user: AbstractBaseUser) -> list[PlannedChange]:
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise UploadError(
            _("This preview is more than two hours old. Upload the file again.")
        ) from None
    except signing.BadSignature:
        raise UploadError(_("This preview could not be read. Upload the file again.")) from None
    if data.get("user") != user.pk:
        raise UploadError(_("This preview was made for another account. Upload the file again."))
    return [PlannedChange(*change) for change in data["changes"]]


# -- applying ----------------------------------------------------------------------------------


class LedgerRefused(Exception):
    """Some previewed change can no longer be made: nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = problems


def _where(change: PlannedChange) -> str:
    return _("Row %(row)d, “%(title)s”") % {"row": change.row, "title": change.title}


def _stale(change: PlannedChange, current: Measure) -> str:
    changed = changes_since(current, change.version)
    return _("%(where)s: changed by %(people)s at %(when)s, after the preview (%(detail)s).") % {
        "where": _where(change),
        "people": changed.people,
        "when": changed.when,
        "detail": changed.detail,
    }


def _ids(changes: Iterable[PlannedChange], name: str) -> set[int]:
    found: set[int] = set()
    for change in changes:
        value = change.values.get(name)
        if isinstance(value, list):
            found.update(value)
        elif value:
            found.add(value)
    return found


@transaction.atomic
def apply_ledger(*, changes: list[PlannedChange], by: AbstractBaseUser | None = None) -> int:
    """Write the previewed changes, all of them or none; returns how many measures changed.

    Each measure is saved only if its version is still the one previewed (a conditional
    UPDATE, so a save racing this one is caught too); a body or user that has gone since the
    preview, or a rule broken meanwhile, refuses the lot (LedgerRefused lists why). `by`: who
    the history records, where no request says (a command)."""
    # locked first, all of them, in the one order (by id) every path locks measures in: the
    # sheet's order would deadlock against a reorder taking the same rows the other way
    chosen = Measure.objects.filter(pk__in=[c.measure_id for c in changes])
    measures = {m.pk: m for m in chosen.locked().prefetch_related("milestones")}
    bodies = ResponsibleBody.objects.in_bulk(
        _ids(changes, "lead_body") | _ids(changes, "cooperating_bodies")
    )
    users = get_user_model().objects.filter(is_active=True).in_bulk(_ids(changes, "owner"))
    problems: list[str] = []
    for change in changes:
        measure = measures.get(change.measure_id)
        if measure is None:
            problems.append(
                _("%(where)s: the measure has been deleted.") % {"where": _where(change)}
            )
            continue
        if measure.version != change.version:
            problems.append(_stale(change, measure))
            continue
        new = {
            name: date.fromisoformat(value) if name in DATE_FIELDS and value else value
            for name, value in change.values.items()
        }
        named = [new.get("lead_body"), *new.get("cooperating_bodies", [])]
        gone_body = any(pk not in bodies for pk in named if pk)
        gone_user = bool(new.get("owner")) and new["owner"] not in users
        if gone_body or gone_user:
            problems.append(
                _("%(where)s: a responsible body or user named in it no longer exists.")
                % {"where": _where(change)}
            )
            continue
        cooperating = new.pop("cooperating_bodies", None)
        if by is not None:
            measure._history_user = by
        for name, value in new.items():
            setattr(measure, f"{name}_id" if name in {"owner", "lead_body"} else name, value)
        try:
            measure.save_edit(
                expected_version=change.version,
                cooperating_bodies=None
                if cooperating is None
                else [bodies[pk] for pk in cooperating],
            )
        except ValidationError as error:
            problems.append(f"{_where(change)}: {'；'.join(error.messages)}")
        except StaleEdit as stale:
            problems.append(_stale(change, stale.current))
    if problems:
        raise LedgerRefused(problems)
    return len(changes)
