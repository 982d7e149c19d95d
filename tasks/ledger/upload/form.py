"""The upload form: an .xlsx of at most MAX_BYTES that is a zip, before anything reads it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.ledger.upload.sheet import _unreadable

MAX_BYTES = 5 * 1024 * 1024


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Edited ledger (.xlsx)"),
        help_text=gettext_lazy(
            "An Excel workbook exported from the task book (see the size limit above)."
        ),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(
                _(
                    "“%(name)s” is not an Excel workbook (.xlsx). Save the ledger as .xlsx in "
                    "Excel or WPS and upload that file."
                )
                % {"name": upload.name}
            )
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is %(size)s MB; a ledger may be at most %(limit)s MB.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}
            )
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":
            raise ValidationError(_unreadable())
        return upload
