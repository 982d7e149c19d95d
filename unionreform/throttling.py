"""Failed logins: one limit per account, another, higher, per address (django-axes' AXES_HANDLER).

django-axes keeps a row of failures per username, address and browser. With the lockout
parameters `username` and `ip_address` it adds the rows up per username and per address and
compares the larger sum with its one AXES_FAILURE_LIMIT: five colleagues behind one office's
NAT address, each mistyping once, locked the whole office out. Here each count has its own
limit — AXES_FAILURE_LIMIT (`DJANGO_LOGIN_FAILURE_LIMIT`, 5) for an account, from anywhere,
and TASKS_LOGIN_ADDRESS_FAILURE_LIMIT (`DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT`, 50) for an
address, over all the usernames tried from it — both within AXES_COOLOFF_TIME.

A successful login forgives that account's failures only: the address's other failures stay,
so a valid account cannot be used to clear the way for guessing another one's password.
"""

from __future__ import annotations

from typing import Literal

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest

Paused = Literal["account", "address"]
ACCOUNT: Paused = "account"
ADDRESS: Paused = "address"


class AccountAndAddressHandler(AxesDatabaseHandler):
    """django-axes' database handler, with a limit per account and another per address. The
    lock-out page reads which one applies from `request.login_paused`."""

    def failures(self, request: HttpRequest, credentials: dict | None = None) -> dict[str, int]:
        """Failures within the cool-off time: of this username, and from this address."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        return {
            ACCOUNT: _total(recent.filter(username=username)) if username else 0,
            ADDRESS: _total(recent.filter(ip_address=address)) if address else 0,
        }

    def paused(self, request: HttpRequest, credentials: dict | None = None) -> Paused | None:
        """Which login is paused, the account's or the address's (the account's when both)."""
        failures = self.failures(request, credentials)
        if failures[ACCOUNT] >= settings.AXES_FAILURE_LIMIT:
            return ACCOUNT
        if failures[ADDRESS] >= settings.TASKS_LOGIN_ADDRESS_FAILURE_LIMIT:
            return ADDRESS
        return None

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        request.login_paused = self.paused(request, credentials)
        return request.login_paused is not None

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The account's failures: axes compares them with AXES_FAILURE_LIMIT after each
        failure; user_login_failed below adds the address's own limit."""
        return self.failures(request, credentials)[ACCOUNT]

    def user_login_failed(
        self, sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or self.is_whitelisted(request, credentials):
            return
        if self.is_locked(request, credentials) and not request.axes_locked_out:
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """After a successful login (AXES_RESET_ON_SUCCESS): the account's failures only."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def _total(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
