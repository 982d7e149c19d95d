"""Sentences for what the document parser reports as codes: warnings and reasons for refusal.

The parser (`tasks.outline`) knows no Django and no language; it returns codes with their
parameters, stored as such on `Source.warnings`, and this module words them in the active
language when they are shown.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def describe(warning: dict[str, str]) -> str:
    """One import warning as a sentence a cadre understands."""
    code = warning.get("code", "")
    if code == "skipped_number":
        return _("Numbering skips %(missing)s: the text goes on with %(found)s.") % warning
    if code == "repeated_passage":
        return (
            _(
                "Under %(where)s the passage “%(begins)s…%(ends)s” repeats text already under "
                "%(original)s almost word for word; it was imported once."
            )
            % warning
        )
    if code == "numbering_starts_late":
        return _("A numbered list starts at %(found)s instead of the first number.") % warning
    if code == "number_out_of_order":
        return _("%(found)s repeats or goes back in the numbering.") % warning
    if code == "text_cut_off":
        return (
            _(
                "The text seems cut off: it stops mid-sentence (“…%(ends)s”), so it may be "
                "incomplete. Check the file, or import it and add what is missing."
            )
            % warning
        )
    return _("Import note: %(code)s") % {"code": code}


def describe_error(code: str, params: dict[str, str]) -> str:
    """Why a document could not be read, and what to do about it."""
    if code == "empty":
        return _("The document has no text. Check that the right file was chosen.")
    if code == "start_not_found":
        return (
            _(
                "No line of the page begins with “%(start)s”. Correct the starts line in "
                "seeds/manifest.toml."
            )
            % params
        )
    if code == "start_ambiguous":
        return (
            _(
                "More than one line of the page begins with “%(start)s”. Give a longer starts line "
                "in seeds/manifest.toml."
            )
            % params
        )
    if code == "starts_out_of_order":
        return _("The articles in seeds/manifest.toml are not in page order.")
    return _("The document could not be read (%(code)s).") % {"code": code}


def stranded_milestones(milestones: list) -> str:
    """Why new dates are refused: the milestones they would leave outside."""
    names = "、".join(f"{m.title}（{m.due_date:%Y-%m-%d}）" for m in milestones)
    return _(
        "These milestones would fall outside the measure's dates: %(names)s. "
        "Move them first, or choose other dates."
    ) % {"names": names}
