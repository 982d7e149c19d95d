"""Every error of the API as JSON: ``{"code": …, "message": …, "errors": {field: [...]}}``.

`code` stays the same across versions and languages (a client branches on it); `message` is
in the caller's language, Chinese unless the request asks for another; `errors`, for invalid
input, names each field and what is wrong with it. Errors raised before a view runs (input that
cannot be read, too large, a conflict) come from `unionreform.middleware.refusal` in the same
shape.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from tasks.models import StaleEdit
from tasks.reporting.actions import ReportingRefused


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Refused(exceptions.PermissionDenied):
    default_code = "refused"


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, StaleEdit) and not exc.loaded_version:
        return Conflict(
            _(
                "This %(what)s exists already (id %(id)s, version %(now)s): to change it, send "
                "PATCH to its address with its version."
            )
            % {
                "what": exc.current._meta.verbose_name,
                "id": exc.current.pk,
                "now": exc.current.version,
            }
        )
    if isinstance(exc, StaleEdit):
        return Conflict(
            _(
                "This %(what)s was changed by someone else since version %(version)s (it is at "
                "version %(now)s now). Read it again, then send your change with its version."
            )
            % {
                "what": exc.current._meta.verbose_name,
                "version": exc.loaded_version,
                "now": exc.current.version,
            }
        )
    if isinstance(exc, ReportingRefused):
        return Refused(str(exc))
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): [
                        str(message) for message in messages
                    ]
                    for field, messages in exc.message_dict.items()
                }
            )
        return exceptions.ValidationError({"non_field_errors": [str(m) for m in exc.messages]})
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def _first_messages(detail: object) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _first_messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _first_messages(value)]
    return [str(detail)]


def handle(exc: Exception, context: dict) -> Response | None:
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's 500, logged with its traceback
    if isinstance(exc, exceptions.ValidationError):
        messages = _first_messages(exc.detail)
        body = {
            "code": "invalid",
            "message": _("The request has mistakes: %(first)s")
            % {"first": "；".join(messages[:3])},
            "errors": exc.detail
            if isinstance(exc.detail, dict)
            else {"non_field_errors": exc.detail},
        }
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = {
            "code": codes if isinstance(codes, str) else "error",
            "message": "；".join(_first_messages(getattr(exc, "detail", str(exc)))),
        }
    response.data = body
    return response
