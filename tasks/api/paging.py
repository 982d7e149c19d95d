"""Lists page by cursor in the order their rows changed, so that a system copying the plan
reads each change once: ``?updated_since=2026-12-01T08:00:00+08:00`` for the changes from then
on, then the ``next`` link until it is null. The cursor is the last row's time of change and
id (a keyset: the next page starts after it, however many rows came before), so pages cost
the same at the end of a long list as at its start, and a row changed while a client pages
moves to the end, where the client meets it again.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_LIMIT = 500


def since(request: Request) -> datetime | None:
    """`?updated_since=`, as an aware datetime (without a zone: the site's), or None."""
    text = request.query_params.get("updated_since", "").strip()
    if not text:
        return None
    try:
        moment = parse_datetime(text.replace(" ", "+"))  # a “+” unescaped reads as a space
        if moment is not None:  # in UTC, which every database stores
            moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
            moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise ValidationError(
            {
                "updated_since": [
                    _(
                        "“%(value)s” is not a date and time. Write it as ISO 8601, such as "
                        "2026-12-01T08:00:00+08:00."
                    )
                    % {"value": text[:40]}
                ]
            }
        )
    return moment


class SyncCursorPagination(BasePagination):
    """Keyset pages over (time of change, id); the view names the time field
    (`changed_field`, updated_at unless told)."""

    page_size = 100

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: object = None):
        field = getattr(view, "changed_field", "updated_at")
        self.request, self.field = request, field
        self.limit = self._limit(request)
        moment = since(request)
        if moment is not None:
            queryset = queryset.filter(**{f"{field}__gte": moment})
        after = self._decode(request.query_params.get("cursor"))
        if after is not None:
            at, pk = after
            queryset = queryset.filter(Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": pk}))
        rows = list(queryset.order_by(field, "pk")[: self.limit + 1])
        self.more = len(rows) > self.limit
        self.rows = rows[: self.limit]
        return self.rows

    def get_paginated_response(self, data: list) -> Response:
        return Response({"next": self.next_link(), "results": data})

    def next_link(self) -> str | None:
        if not self.more:
            return None
        last = self.rows[-1]
        position = f"{getattr(last, self.field).isoformat()}|{last.pk}"
        cursor = base64.urlsafe_b64encode(position.encode()).decode()
        return replace_query_param(self.request.build_absolute_uri(), "cursor", cursor)

    def _limit(self, request: Request) -> int:
        text = request.query_params.get("limit", "").strip()
        if not text:
            return self.page_size
        if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
            raise ValidationError(
                {
                    "limit": [
                        _("The page size (limit) is a whole number from 1 to %(max)d.")
                        % {"max": MAX_LIMIT}
                    ]
                }
            )
        return int(text)

    def _decode(self, text: str | None) -> tuple[datetime, int] | None:
        if not text:
            return None
        try:
            at, _bar, pk = base64.urlsafe_b64decode(text.encode()).decode().partition("|")
            moment = datetime.fromisoformat(at)
            if timezone.is_naive(moment) or not pk.isdigit() or len(pk) > 18:
                raise ValueError(text)
            return moment.astimezone(UTC), int(pk)
        except (ValueError, OverflowError, binascii.Error, UnicodeError):
            raise ValidationError(
                {
                    "cursor": [
                        _(
                            "This cursor cannot be read. Follow the “next” link of the previous "
                            "page as it was given."
                        )
                    ]
                }
            ) from None

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: object) -> list[dict]:
        def query(name: str, schema: dict, description: str) -> dict:
            return {
                "name": name,
                "in": "query",
                "required": False,
                "schema": schema,
                "description": description,
            }

        return [
            query(
                "updated_since",
                {"type": "string", "format": "date-time"},
                "只列出此时刻及以后变更的记录 (ISO 8601)。",
            ),
            query("cursor", {"type": "string"}, "上一页 next 链接中的游标。"),
            query(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                f"每页条数，1–{MAX_LIMIT}，默认 100。",
            ),
        ]
