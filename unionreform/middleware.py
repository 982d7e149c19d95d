"""What every request meets on its way in and out, besides Django's own middleware.

- `ReadableInputMiddleware`: a request too large for the site, or a query string or form that
  holds a NUL character or bytes that are not UTF-8, is refused before any view or the admin
  reads it (413 or 400, with the site's pages: tasks/views/common.py); such a cookie is
  dropped (`UnreadableCookiesMiddleware`) before the session reads it.
- `NoStoreMiddleware`: nothing a logged-in user is shown (pages, exports, attachments) is kept
  in the browser's cache, where the next person at a shared office computer would find it.
- `ConflictMiddleware`: when the database refuses a change because someone else was changing
  the same rows at that moment (a deadlock, a lock not granted in time), the user reads so and
  tries again (409) instead of meeting a server error.
- `client_address`: the address a request came from, through the trusted proxies only.
- `refusal`: how every refused request answers, and `RefusalLogFilter`: one log line for it.

The logging configuration imports this module before the apps are loaded: no model here.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

access_log = logging.getLogger("tasks.access")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


# --- the address a request came from ------------------------------------------------------------


def client_address(request: HttpRequest) -> str | None:
    """The address a request came from (django-axes' AXES_CLIENT_IP_CALLABLE, and the logs).

    The connection's own address, unless it is one of the trusted proxies
    (`TASKS_TRUSTED_PROXIES`: `DJANGO_TRUSTED_PROXIES`, when `DJANGO_SECURE_PROXY_SSL_HEADER`
    is on). Then X-Forwarded-For is read from its end: the last address in it that is not a
    trusted proxy is the client. A client that reaches gunicorn directly is counted under its
    own address whatever it puts in the header, and so is one that writes the header itself
    before nginx appends to it. A connection without an address (gunicorn on a unix socket)
    comes from a proxy on the same host.
    """
    proxies = _networks(tuple(settings.TASKS_TRUSTED_PROXIES))
    remote = request.META.get("REMOTE_ADDR", "").strip()
    address = _address(remote)
    if not proxies or not (remote == "" or _is_proxy(address, proxies)):
        return str(address) if address else None
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop_address = _address(hop)
        if hop_address is None:
            break  # not an address: trust nothing left of it
        address = hop_address
        if not _is_proxy(address, proxies):
            break
    return str(address) if address else None


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry) for entry in entries)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_proxy(address: Address | None, proxies: Iterable[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


# --- how a refused request answers -------------------------------------------------------------


def who(request: HttpRequest) -> str:
    """The account and the address of a request, for a log line."""
    user = getattr(request, "user", None)
    name = user.get_username() if user is not None and user.is_authenticated else "anonymous"
    return f"{name} ({client_address(request) or '?'})"


API_PREFIX = "/api/"
REFUSAL_CODES = {
    400: "bad_request",
    403: "permission_denied",
    404: "not_found",
    409: "conflict",
    413: "too_large",
}


def refusal(
    request: HttpRequest, status: int, template: str, reason: str, why: str = ""
) -> HttpResponse:
    """A refused request's answer: one line in the log — who, what, why — and the reason on the
    status' page, or, for a form sent by htmx, where the page shows its messages."""
    access_log.warning(
        "refused %s %s for %s, %d: %s",
        request.method,
        request.get_full_path(),
        who(request),
        status,
        first_line(why or reason),
    )
    if request.path_info.startswith(API_PREFIX):
        # the API's clients read JSON: the same reason, with a code that stays the same
        response = JsonResponse(
            {"code": REFUSAL_CODES.get(status, "refused"), "message": str(reason)},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    elif request.headers.get("HX-Request") == "true":
        response = render(request, "includes/refusal.html", {"reason": reason}, status=status)
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        response = render(request, template, {"reason": reason}, status=status)
    # Logged above: Django's own line (with a traceback, for an exception) would repeat it.
    response._has_been_logged = True
    return response


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


class RefusalLogFilter(logging.Filter):
    """Django's own log lines for a refused request (4xx: a CSRF failure, a wrong method, a
    forged Host header) on one line, with who sent it and without the traceback Django adds
    when an exception refused it. Server errors (5xx) keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if not record.name.startswith(("django.request", "django.security")):
            return True
        if not isinstance(status, int) or status >= 500:
            return True
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            why = first_line(str(record.exc_info[1]))
            if why and why not in message:
                message = f"{message}: {why}"
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            message = f"{message} (for {who(request)})"
        record.msg, record.args = message.replace("\n", " "), ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


# --- input that cannot be read ------------------------------------------------------------------

NUL = gettext_lazy(
    "The page address or the form you sent contains a null character (an invisible control "
    "character, often carried in by copying from another program), which cannot be stored. "
    "Remove it (typing the text again instead of pasting it does) and send it again."
)
NOT_UTF8 = gettext_lazy(
    "The page address or the form you sent holds bytes that are not valid UTF-8 text (perhaps "
    "a link cut short, or text in another encoding). Open the page again from the site's own "
    "links, or type the text again, and send it again."
)


class UnreadableRequest(BadRequest):
    """A query string or form the site refuses to read: the message is for the person who sent
    it (the 400 page shows it), `why` for the log."""

    def __init__(self, reason: str, why: str) -> None:
        super().__init__(reason)
        self.why = why


class RequestTooLarge(RequestDataTooBig):
    """A request over `TASKS_REQUEST_MAX_BYTES`, refused unread (Django's own RequestDataTooBig
    is for form text over DATA_UPLOAD_MAX_MEMORY_SIZE)."""


class ReadableInputMiddleware:
    """Refuse, before any view or the admin reads them, a request larger than
    `TASKS_REQUEST_MAX_BYTES` (413), and a path, query string or form — keys and values — with
    a NUL character or bytes that are not UTF-8 (400). PostgreSQL cannot store NUL in text and
    answered a filter holding one with a server error; Django reads bytes that are not UTF-8 as
    U+FFFD (or as Latin-1) and would store the garbled text. The contents of uploaded files are
    bytes, not text, and are left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refuse_unreadable(request)
        return self.get_response(request)


def refuse_unreadable(request: HttpRequest) -> None:
    """Raise RequestTooLarge or UnreadableRequest for a request the site cannot take."""
    limit = settings.TASKS_REQUEST_MAX_BYTES
    if limit and _content_length(request) > limit:
        # Not read at all: Django's handlers answer 413 (tasks/views/common.py).
        raise RequestTooLarge(f"Request body exceeded settings.TASKS_REQUEST_MAX_BYTES ({limit}).")
    if "\x00" in request.path:
        raise UnreadableRequest(NUL, "a NUL character in the path")
    problem = _encoded_problem(_query_bytes(request), "the query string")
    if problem is None and request.method == "POST":
        if request.content_type == "application/x-www-form-urlencoded":
            problem = _encoded_problem(request.body, "the form")
        elif request.content_type == "multipart/form-data":
            problem = _decoded_problem(request.POST.lists(), "the form")
    if problem is not None:
        raise UnreadableRequest(*problem)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _query_bytes(request: HttpRequest) -> bytes:
    # WSGI hands the query string over as Latin-1 text: its bytes as sent (as Django reads it)
    text = request.META.get("QUERY_STRING", "")
    try:
        return text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def _encoded_problem(data: bytes, where: str) -> tuple[str, str] | None:
    """(reason, why) for URL-encoded data (`a=1&b=2`) holding NUL or bytes that are not UTF-8."""
    for field in data.split(b"&") if data else []:
        key, *value = field.split(b"=", 1)
        for name, part in [("key", key), *(("value", v) for v in value)]:
            raw = unquote_to_bytes(part.replace(b"+", b" "))
            if b"\x00" in raw:
                return NUL, f"a NUL character in {where}, {name} of {_shown(key)}"
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return NOT_UTF8, f"bytes that are not UTF-8 in {where}, {name} of {_shown(key)}"
    return None


def _decoded_problem(lists: Iterable[tuple[str, list[str]]], where: str) -> tuple[str, str] | None:
    """The same for a multipart form, which Django has decoded already: bytes that were not
    UTF-8 became U+FFFD (the replacement character), which no keyboard types."""
    for key, values in lists:
        for name, text in [("key", key), *(("value", value) for value in values)]:
            if "\x00" in text:
                return NUL, f"a NUL character in {where}, {name} of {_shown(key)}"
            if "\ufffd" in text:
                return NOT_UTF8, f"bytes that are not UTF-8 in {where}, {name} of {_shown(key)}"
    return None


def _shown(key: bytes | str) -> str:
    """A field's name as the log shows it: printable, short."""
    if isinstance(key, bytes):
        key = key.decode("utf-8", "backslashreplace")
    return ascii(key[:40])


class UnreadableCookiesMiddleware:
    """Drop a cookie whose name or value holds a NUL character or bytes that were not UTF-8
    (Django reads them as U+FFFD), before the session or anything else reads it: a session key
    with a NUL made PostgreSQL fail on every page. No browser sends one of its own accord; the
    request goes on as if it had not been sent (without a session: logged out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, value in list(request.COOKIES.items()):
            if any(bad in text for bad in ("\x00", "\ufffd") for text in (name, value)):
                del request.COOKIES[name]
                access_log.warning(
                    "dropped the cookie %s of %s %s from %s: not text",
                    _shown(name),
                    request.method,
                    request.get_full_path(),
                    client_address(request) or "?",
                )
        return self.get_response(request)


# --- what a logged-in user is shown is not kept ---------------------------------------------------


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer to a logged-in user — pages, the ledger's
    exports, attachments, error pages — and to every POST (the login form sent back with its
    username, a lock-out page). Static files are served before this (WhiteNoise) and stay
    cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.method == "POST" or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True)
        return response


# --- someone else was changing the same rows -----------------------------------------------------

# PostgreSQL's codes: deadlock_detected, serialization_failure, lock_not_available
CONFLICT_SQLSTATES = {"40P01", "40001", "55P03"}


def is_conflict(exception: BaseException) -> bool:
    """A database error that says another transaction held the same rows at that moment: the
    same change, tried again, may well succeed. (SQLite: the write lock not granted in time.)"""
    if not isinstance(exception, DatabaseError):
        return False
    cause = exception.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if code in CONFLICT_SQLSTATES:
        return True
    return type(cause).__module__ == "sqlite3" and "database is locked" in str(exception)


class ConflictMiddleware:
    """A conflict (is_conflict) that escapes a view answers 409 with the reason, in the user's
    language; the view's transaction (ATOMIC_REQUESTS) was rolled back: nothing was saved."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_conflict(exception):
            return None
        reason = _(
            "Someone else was changing the same records at that very moment. Reload the page to "
            "see their change, then try again."
        )
        why = f"database conflict: {first_line(str(exception))}"
        return refusal(request, 409, "409.html", reason, why)
