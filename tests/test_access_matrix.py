"""Who may open and change what: every URL of the project × six actors × GET and POST.

The actors:

- ``anon``: not logged in;
- ``viewer``: 领导, reads everything, changes nothing;
- ``lead``: 责任单位联络员 of the body that LEADS the target measure (企业);
- ``other``: 责任单位联络员 of a body that neither leads nor co-operates on it (法院);
- ``coord``: 改革办, may change the whole plan;
- ``admin``: a superuser (系统管理员), may do everything, users and groups included.

The rules pinned by ``MATRIX`` below (see ``tasks/permissions.py`` and ``tasks/admin.py``):

- Every page needs a login. Anonymous users are sent to ``/accounts/login/?next=…``; the admin
  site's own views (index, app index, autocomplete) send them to ``/admin/login/?next=…``
  instead. (Django's LoginRequiredMiddleware reads the login URL from the view, and the model
  pages do not name one.) The login page and ``/favicon.ico`` are open.
- ``/measures/`` is read-only (GET); any other method answers 405. Logout is POST-only.
- Every role may GET every admin page of the tasks app that shows something (lists, change
  forms, history); add and delete pages are for those who may add or delete.
- A refused write answers 403 with the site's 403 page and changes nothing. Admin pages that
  merely re-display (a list POST without a permitted action, a form error) answer 200 and
  change nothing.
- The lead liaison changes only the status and progress of its measure, marks its milestones
  done and files (and corrects) its progress reports, on their own pages or inline on the
  measure page; it adds and deletes nothing else. The other liaison changes none of it, and
  its report for a measure it does not lead is refused by the form (200, with the reason).
- The history is for reading: a POST to a history version page is refused (403) for every role.
- User accounts are managed by the admin only; 改革办 may list them (view only), to pick owners.

Cell values: an HTTP status (and the database must not change), ``LOGIN`` / ``ADMIN_LOGIN``
(a redirect to that login page with ``next``, nothing changed), ``SAVED`` (a redirect, and
exactly the change the payload's ``effect`` describes, nothing else). ``Suspect(...)`` is for a
cell where the app is known to differ from the rules: a strict xfail with the reason, while
``meanwhile`` pins today's safe behaviour (none at present).

The seeded database (the import the ``seeded`` fixture runs) and the actors are built once for
the module, inside a transaction rolled back at its end; each cell runs in its own savepoint,
so every cell starts from the same database, snapshotted once (``World.baseline``).
``test_every_url_has_rows_for_get_and_post`` fails when a URL pattern has no rows here.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tasks import clock, federations, roles
from tasks.models import (
    ApiKey,
    Attachment,
    Chase,
    Contribution,
    Delivery,
    ExtensionRequest,
    Measure,
    Milestone,
    Notice,
    ProgressReport,
    ReformArea,
    ReminderLog,
    ResponsibleBody,
    Source,
)
from tests.conftest import FROZEN_AT, frozen
from tests.factories import (
    MilestoneFactory,
    ProgressReportFactory,
    ReformAreaFactory,
    ResponsibleBodyFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "pass-word-2026"  # what UserFactory gives everyone
NEW_PASSWORD = "Xin-Mi-Ma-2027-gai"
ACTORS = ("anon", "viewer", "lead", "other", "coord", "admin")
TASKS_MODELS = ["source", "reformarea", "measure", "milestone", "responsiblebody", "progressreport"]
VERSIONED = ["measure", "milestone", "progressreport"]


# --- expectations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    status: int
    login: str | None = None  # a redirect to this login page, with next= the URL asked for
    saved: bool = False  # exactly the payload's effect was written, nothing else

    def __repr__(self) -> str:
        if self.saved:
            return "SAVED"
        return f"{self.status}→{self.login}" if self.login else str(self.status)


@dataclass(frozen=True)
class Suspect:
    """What the rules demand where the app does otherwise: a strict xfail, reported as a bug.

    `meanwhile` pins what the app does today where that is still safe (nothing written), so the
    safety of the cell stays tested while the decision is pending.
    """

    expected: Expect | int
    reason: str
    meanwhile: Expect | int | None = None


LOGIN = Expect(302, "/accounts/login/")
ADMIN_LOGIN = Expect(302, "/admin/login/")
SAVED = Expect(302, saved=True)

# The history is for reading: posting to a history version page is refused for every role.
REVERT = 403


class Row(NamedTuple):
    key: str  # URL name (namespace:name), or the route of an unnamed pattern
    method: str
    payload: str | None  # key into PAYLOADS: the query (GET) or form (POST), and its effect
    cells: tuple  # expected per actor, in ACTORS order


def row(key: str, method: str, payload: str | None, *cells: Any) -> Row:
    assert len(cells) == len(ACTORS), key
    return Row(key, method, payload, cells)


def _admin_rows(model: str, **lead_and_other: Any) -> list[Row]:
    """The rows of one tasks model's admin pages.

    Anonymous users are sent to the site's login page (Django's LoginRequiredMiddleware; only
    the admin site's own views, such as its index, name /admin/login/ instead).
    """
    la, lap, le = (lead_and_other.get(k, 403) for k in ("lead_add", "lead_add_post", "lead_edit"))
    oa, oap = (lead_and_other.get(k, 403) for k in ("other_add", "other_add_post"))
    # la, lap: the lead liaison on the add page (GET, POST); le: its change POST;
    # oa, oap: the other liaison on the add page. 403 unless the model's call says otherwise.
    p = f"admin:tasks_{model}_"
    redirect = f"admin/tasks/{model}/<path:object_id>/"
    L = LOGIN
    # fmt: off
    rows = [
        #   url name          method  payload    anon viewer lead  other coord  admin
        row(p + "changelist", "GET",  None,      L,   200,   200,  200,  200,   200),
        row(p + "changelist", "POST", "delete",  L,   200,   200,  200,  SAVED, SAVED),
        row(p + "add",        "GET",  None,      L,   403,   la,   oa,   200,   200),
        row(p + "add",        "POST", "add",     L,   403,   lap,  oap,  SAVED, SAVED),
        row(p + "change",     "GET",  None,      L,   200,   200,  200,  200,   200),
        row(p + "change",     "POST", "edit",    L,   403,   le,   403,  SAVED, SAVED),
        row(p + "delete",     "GET",  None,      L,   403,   403,  403,  200,   200),
        row(p + "delete",     "POST", "confirm", L,   403,   403,  403,  SAVED, SAVED),
        row(p + "history",    "GET",  None,      L,   200,   200,  200,  200,   200),
        row(p + "history",    "POST", None,      L,   200,   200,  200,  200,   200),
        row(redirect,         "GET",  None,      L,   302,   302,  302,  302,   302),
        row(redirect,         "POST", None,      L,   302,   302,  302,  302,   302),
    ]
    if model in VERSIONED:
        R = REVERT
        rows += [
            row(p + "simple_history", "GET",  None,     L, 200, 200, 200, 200, 200),
            row(p + "simple_history", "POST", "revert", L, R,   R,   R,   R,   R),
        ]
    # fmt: on
    return rows


def _shown_admin_rows(model: str) -> list[Row]:
    """A model the admin only shows (the reporting screens write it, by their rules)."""
    p = f"admin:tasks_{model}_"
    redirect = f"admin/tasks/{model}/<path:object_id>/"
    L = LOGIN
    # fmt: off
    return [
        #   url name          method  payload    anon viewer lead  other coord  admin
        row(p + "changelist", "GET",  None,      L,   200,   200,  200,  200,   200),
        row(p + "changelist", "POST", "delete",  L,   200,   200,  200,  SAVED, SAVED),
        row(p + "add",        "GET",  None,      L,   403,   403,  403,  403,   403),
        row(p + "add",        "POST", None,      L,   403,   403,  403,  403,   403),
        row(p + "change",     "GET",  None,      L,   200,   200,  200,  200,   200),
        row(p + "change",     "POST", None,      L,   403,   403,  403,  403,   403),
        row(p + "delete",     "GET",  None,      L,   403,   403,  403,  200,   200),
        row(p + "delete",     "POST", "confirm", L,   403,   403,  403,  SAVED, SAVED),
        row(p + "history",    "GET",  None,      L,   200,   200,  200,  200,   200),
        row(p + "history",    "POST", None,      L,   200,   200,  200,  200,   200),
        row(redirect,         "GET",  None,      L,   302,   302,  302,  302,   302),
        row(redirect,         "POST", None,      L,   302,   302,  302,  302,   302),
    ]
    # fmt: on


def _key_admin_rows() -> list[Row]:
    """接口密钥: the system administrator's alone."""
    p = "admin:tasks_apikey_"
    redirect = "admin/tasks/apikey/<path:object_id>/"
    L, N = LOGIN, 403
    # fmt: off
    return [
        #   url name          method  payload    anon viewer lead  other coord  admin
        row(p + "changelist", "GET",  None,      L,   N,     N,    N,    N,     200),
        row(p + "changelist", "POST", None,      L,   N,     N,    N,    N,     200),
        row(p + "add",        "GET",  None,      L,   N,     N,    N,    N,     200),
        row(p + "add",        "POST", "key",     L,   N,     N,    N,    N,     SAVED),
        row(p + "change",     "GET",  None,      L,   N,     N,    N,    N,     200),
        row(p + "change",     "POST", None,      L,   N,     N,    N,    N,     200),
        row(p + "delete",     "GET",  None,      L,   N,     N,    N,    N,     200),
        row(p + "delete",     "POST", "confirm", L,   N,     N,    N,    N,     SAVED),
        row(p + "history",    "GET",  None,      L,   N,     N,    N,    N,     200),
        row(p + "history",    "POST", None,      L,   N,     N,    N,    N,     200),
        row(redirect,         "GET",  None,      L,   302,   302,  302,  302,   302),
        row(redirect,         "POST", None,      L,   302,   302,  302,  302,   302),
    ]
    # fmt: on


API_LISTS = ["federation", "body", "source", "area", "measure", "deletion"]
API_DETAILS = ["federation", "body", "source", "area", "measure", "attachment"]


def _api_rows() -> list[Row]:
    """/api/v1/ with the site's session (keys: tests/test_api.py): 401 without one; every role
    reads; a write with nothing in it is refused field by field (400), nothing saved."""
    rows = []
    for name in API_LISTS + ["report", "extension-request"]:
        rows.append(row(f"api:{name}-list", "GET", None, 401, 200, 200, 200, 200, 200))
        posted = 400 if name in {"report", "extension-request"} else 405
        rows.append(row(f"api:{name}-list", "POST", None, 401, *[posted] * 5))
    for name in API_DETAILS + ["report", "extension-request"]:
        rows.append(row(f"api:{name}-detail", "GET", None, 401, 200, 200, 200, 200, 200))
        rows.append(row(f"api:{name}-detail", "POST", None, 401, 405, 405, 405, 405, 405))
    rows += [
        row("api:schema", "GET", None, 401, 200, 200, 200, 200, 200),
        row("api:schema", "POST", None, 401, 405, 405, 405, 405, 405),
        row("api:docs", "GET", None, LOGIN, 200, 200, 200, 200, 200),
        row("api:docs", "POST", None, LOGIN, 405, 405, 405, 405, 405),
    ]
    return rows


A, L = ADMIN_LOGIN, LOGIN
M, USERS = "admin:tasks_measure_", "admin:auth_user_changelist"
# fmt: off
MATRIX: list[Row] = [
    #   url name                   method  payload      anon   viewer lead   other  coord   admin
    row("tasks:dashboard",         "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:dashboard",         "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:measure_list",      "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:measure_list",      "GET",  "filters",   L,     200,   200,   200,   200,    200),
    row("tasks:measure_list",      "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:measure_bulk",      "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:measure_bulk",      "POST", "bulk",      L,     403,   403,   403,   SAVED,  SAVED),
    row("tasks:measure_detail",    "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:measure_detail",    "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:measure_assign",    "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:measure_assign",    "POST", "assign",    L,     403,   403,   403,   SAVED,  SAVED),
    # 下达 to the federations below (this plan's root has none: the form says so) and 分解
    row("tasks:measure_cascade",   "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:measure_cascade",   "POST", None,        L,     403,   403,   403,   400,    400),
    row("tasks:measure_weights",   "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:measure_weights",   "POST", None,        L,     403,   403,   403,   302,    302),
    row("tasks:measure_breakdown", "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:measure_breakdown", "POST", "breakdown", L,     403,   403,   403,   SAVED,  SAVED),
    row("tasks:measure_progress",  "GET",  None,        L,     405,   405,   405,   405,    405),
    # a liaison's progress arrives through its report, accepted by the office
    row("tasks:measure_progress",  "POST", "progress",  L,     403,   403,   403,   SAVED,  SAVED),
    row("tasks:milestone_add",     "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:milestone_add",     "POST", "milestone", L,     403,   403,   403,   SAVED,  SAVED),
    row("tasks:milestone_update",  "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:milestone_update",  "POST", "done",      L,     403,   SAVED, 403,   SAVED,  SAVED),
    row("tasks:milestone_delete",  "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:milestone_delete",  "POST", "delete",    L,     403,   403,   403,   SAVED,  SAVED),
    row("tasks:timetable",         "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:timetable",         "GET",  "filters",   L,     200,   200,   200,   200,    200),
    row("tasks:timetable",         "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:priority_list",     "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:priority_list",     "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:priority_move",     "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:priority_move",     "POST", "move",      L,     403,   403,   403,   SAVED,  SAVED),
    row("tasks:source_detail",     "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:source_detail",     "POST", None,        L,     405,   405,   405,   405,    405),
    # the pickers' searches (JSON): every role, reading only
    row("tasks:lookup_bodies",     "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:lookup_bodies",     "GET",  "search",    L,     200,   200,   200,   200,    200),
    row("tasks:lookup_bodies",     "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:lookup_people",     "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:lookup_people",     "GET",  "search",    L,     200,   200,   200,   200,    200),
    row("tasks:lookup_people",     "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:lookup_areas",      "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:lookup_areas",      "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:lookup_sources",    "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:lookup_sources",    "POST", None,        L,     405,   405,   405,   405,    405),
    # 待办 and notices
    row("tasks:after_login",       "GET",  None,        L,     302,   302,   302,   302,    302),
    row("tasks:after_login",       "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:todo",              "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:todo",              "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:todo_badge",        "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:todo_badge",        "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:notice_list",       "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:notice_list",       "POST", None,        L,     302,   302,   302,   302,    302),
    row("tasks:notice_open",       "GET",  None,        L,     404,   302,   404,   404,    404),
    row("tasks:notice_open",       "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:notice_settings",   "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:notice_settings",   "POST", None,        L,     200,   200,   200,   200,    200),
    row("tasks:chase_body",        "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:chase_body",        "POST", None,        L,     403,   403,   403,   302,    302),
    # the reporting cycle
    row("tasks:report_list",       "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:report_list",       "GET",  "period",    L,     200,   200,   200,   200,    200),
    row("tasks:report_list",       "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:report_file",       "GET",  None,        L,     403,   200,   403,   200,    200),
    row("tasks:report_file",       "POST", "report",    L,     403,   SAVED, 403,   SAVED,  SAVED),
    row("tasks:report_review",     "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:report_review",     "POST", "return",    L,     403,   403,   403,   SAVED,  SAVED),
    row("tasks:contribution_save", "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:contribution_save", "POST", "contribute", L,    403,   403,   403,   SAVED,  SAVED),
    row("tasks:attachment_download", "GET", None,       L,     200,   200,   200,   200,    200),
    row("tasks:attachment_download", "POST", None,      L,     405,   405,   405,   405,    405),
    row("tasks:extension_request", "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:extension_request", "POST", "extend",    L,     403,   200,   403,   403,    403),
    row("tasks:extension_decide",  "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:extension_decide",  "POST", "approve",   L,     403,   403,   403,   SAVED,  SAVED),
    row("tasks:measure_close",     "GET",  None,        L,     405,   405,   405,   405,    405),
    row("tasks:measure_close",     "POST", None,        L,     403,   403,   403,   302,    302),
    # the ledger and the period report
    row("tasks:ledger_xlsx",       "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:ledger_xlsx",       "GET",  "filters",   L,     200,   200,   200,   200,    200),
    row("tasks:ledger_xlsx",       "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:ledger_csv",        "GET",  None,        L,     200,   200,   200,   200,    200),
    row("tasks:ledger_csv",        "POST", None,        L,     405,   405,   405,   405,    405),
    row("tasks:ledger_upload",     "GET",  None,        L,     403,   403,   403,   200,    200),
    row("tasks:ledger_upload",     "POST", None,        L,     403,   403,   403,   200,    200),
    row("tasks:ledger_upload_confirm", "GET", None,     L,     405,   405,   405,   405,    405),
    row("tasks:ledger_upload_confirm", "POST", None,    L,     403,   403,   403,   302,    302),
    row("tasks:document_import",   "GET",  None,        L,     403,   403,   403,   200,    200),
    row("tasks:document_import",   "POST", None,        L,     403,   403,   403,   200,    200),
    row("tasks:document_preview",  "GET",  None,        L,     403,   403,   403,   302,    302),
    row("tasks:document_preview",  "POST", None,        L,     403,   403,   403,   302,    302),
    row("tasks:period_report_print", "GET", None,       L,     200,   200,   200,   200,    200),
    row("tasks:period_report_print", "POST", None,      L,     405,   405,   405,   405,    405),
    row("tasks:period_report_xlsx", "GET", None,        L,     200,   200,   200,   200,    200),
    row("tasks:period_report_xlsx", "POST", None,       L,     405,   405,   405,   405,    405),
    row("favicon.ico",             "GET",  None,        301,   301,   301,   301,   301,    301),
    row("favicon.ico",             "POST", None,        405,   405,   405,   405,   405,    405),
    row("login",                   "GET",  None,        200,   200,   200,   200,   200,    200),
    row("login",                   "POST", "wrong-pw",  200,   200,   200,   200,   200,    200),
    row("login",                   "POST", "right-pw",  SAVED, SAVED, SAVED, SAVED, SAVED,  SAVED),
    row("logout",                  "GET",  None,        L,     405,   405,   405,   405,    405),
    row("logout",                  "POST", None,        L,     SAVED, SAVED, SAVED, SAVED,  SAVED),
    row("password_change",         "GET",  None,        L,     200,   200,   200,   200,    200),
    row("password_change",         "POST", "new-pw",    L,     SAVED, SAVED, SAVED, SAVED,  SAVED),
    row("password_change_done",    "GET",  None,        L,     200,   200,   200,   200,    200),
    row("password_change_done",    "POST", None,        L,     405,   405,   405,   405,    405),
    row("admin:index",             "GET",  None,        A,     200,   200,   200,   200,    200),
    row("admin:index",             "POST", None,        A,     200,   200,   200,   200,    200),
    row("admin:app_list",          "GET",  None,        A,     200,   200,   200,   200,    200),
    row("admin:app_list",          "POST", None,        A,     200,   200,   200,   200,    200),
    row("admin:autocomplete",      "GET",  "owner",     A,     403,   403,   403,   200,    200),
    row("admin:autocomplete",      "GET",  "parent",    A,     200,   200,   200,   200,    200),
    row("admin:autocomplete",      "POST", "parent",    A,     405,   405,   405,   405,    405),
    # 改革办 picks owners (责任人) from the user list: it may list users, view only.
    row(USERS,                     "GET",  None,        L,     403,   403,   403,   200,    200),
    row(USERS,                     "POST", "delete",    L,     403,   403,   403,   200,    SAVED),
    row(M + "changelist",          "POST", "list-edit", L,     200,   200,   200,   SAVED,  SAVED),
    row(M + "change",              "POST", "inlines",   L,     403,   403,   403,   SAVED,  SAVED),
    *_admin_rows("source"),
    *_admin_rows("reformarea"),
    *_admin_rows("measure"),
    *_admin_rows("milestone", lead_edit=SAVED),
    *_admin_rows("responsiblebody"),
    *_admin_rows("progressreport", lead_add=200, lead_add_post=SAVED, lead_edit=SAVED,
                 other_add=200, other_add_post=200),
    *_shown_admin_rows("contribution"),
    *_shown_admin_rows("attachment"),
    *_shown_admin_rows("extensionrequest"),
    *_shown_admin_rows("reminderlog"),
    *_shown_admin_rows("delivery"),
    *_shown_admin_rows("chase"),
    *_key_admin_rows(),
    *_api_rows(),
]
# fmt: on


# --- the world: the seeded plan, the actors, the target objects --------------------------------


@dataclass
class World:
    users: dict[str, Any]
    sessions: dict[str, str]  # actor → session key, logged in once with force_login
    measure: int  # led by the lead liaison's body, co-operated on by others
    milestone: int
    report: int
    lead_body: int
    other_body: int
    area: int  # the target measure's
    spare: dict[str, int] = field(default_factory=dict)  # deletable objects, by model name
    shown: dict[str, int] = field(default_factory=dict)  # rows the admin only shows, by model
    baseline: dict = field(default_factory=dict)  # snapshot(): how every cell finds the database
    fingerprint: tuple | None = None  # the same, as _fingerprint() (PostgreSQL only)

    def target(self, model: str) -> int:
        if model == "source":
            return Source.objects.order_by("pk").first().pk
        if model == "reformarea":
            return self.area
        if model in self.shown:
            return self.shown[model]
        return {
            "measure": self.measure,
            "milestone": self.milestone,
            "responsiblebody": self.lead_body,
            "progressreport": self.report,
        }[model]

    def deletable(self, model: str) -> int:
        return self.spare.get(model) or self.target(model)


def _member(role: str, username: str):
    return UserFactory(username=username, is_staff=True, groups=[Group.objects.get(name=role)])


def _build_world() -> World:
    call_command("import_seeds", seeds_dir=settings.SEEDS_DIR, stdout=io.StringIO())
    lead = _member(roles.LIAISON, "liaison")
    lead_body = ResponsibleBodyFactory(name="企业")
    lead_body.members.add(lead)
    other = _member(roles.LIAISON, "liaison2")
    other_body = ResponsibleBody.objects.get(name="法院")
    other_body.members.add(other)
    users = {
        "anon": None,
        "viewer": _member(roles.VIEWER, "viewer"),
        "lead": lead,
        "other": other,
        "coord": _member(roles.COORDINATOR, "coordinator"),
        "admin": UserFactory(username="root", is_staff=True, is_superuser=True),
    }

    # the plan was adopted at the start of the year: its measures report from January on
    Measure.objects.update(created_at=timezone.make_aware(datetime(2026, 1, 5, 9)))
    measure = Measure.objects.get(rank=18)  # co-operated on by 工匠学院, 职业院校, 职教机构
    measure.lead_body = lead_body
    measure.save_versioned(expected_version=measure.version)  # version 2; version 1 had no lead
    cooperating = set(measure.cooperating_bodies.all())
    assert cooperating and lead_body not in cooperating and other_body not in cooperating
    assert other_body.parent is None and not other_body.children.exists()

    milestone = MilestoneFactory(measure=measure, title="节点（初稿）", due_date=date(2026, 12, 31))
    milestone.title = "完成调研"
    milestone.save_versioned(expected_version=milestone.version)
    report = ProgressReportFactory(
        measure=measure, period="2026-11", author=lead, body=lead_body, done_text="初稿"
    )
    report.done_text = "完成企业走访"
    report.save_versioned(expected_version=report.version)

    first_source = Source.objects.order_by("pk").first()
    cooperating_body = sorted(cooperating, key=lambda body: body.pk)[0]
    shown = {
        "contribution": Contribution.objects.create(
            measure=measure, period="2026-11", body=cooperating_body, text="配合开展调研"
        ).pk,
        "attachment": _attachment(report).pk,
        "extensionrequest": ExtensionRequest.objects.create(
            measure=measure,
            requested_by=lead,
            requested_due_date=date(2027, 6, 30),
            reason="需要协调更多单位",
        ).pk,
        "reminderlog": ReminderLog.objects.create(user=lead, sent_on=date(2026, 11, 24)).pk,
        "delivery": Delivery.objects.create(
            channel=Delivery.Channel.EMAIL,
            address="lead@example.org",
            subject="报告被退回",
            body="请补充",
            created_at=clock.now(),
        ).pk,
        "chase": Chase.objects.create(
            body=lead_body, period="2026-10", by=None, at=clock.now(), measures=1
        ).pk,
        "notice": Notice.objects.create(
            recipient=lead, kind="report_returned", text="退回", created_at=clock.now()
        ).pk,
        "apikey": ApiKey.objects.issue(name="数据平台", federation=federations.root())[0].pk,
    }
    return World(
        users=users,
        sessions=_log_in(users),
        measure=measure.pk,
        milestone=milestone.pk,
        report=report.pk,
        lead_body=lead_body.pk,
        other_body=other_body.pk,
        area=measure.area_id,
        spare={
            "source": SourceFactory(title="待删除的来源").pk,
            "reformarea": ReformAreaFactory(source=first_source, title="待删除的方面").pk,
            "responsiblebody": ResponsibleBodyFactory(name="待撤销单位").pk,
            "user": UserFactory(username="departed").pk,
        },
        shown=shown,
    )


def _attachment(report: ProgressReport) -> Attachment:
    attachment = Attachment(report=report, name="会议纪要.pdf", size=9)
    attachment.file.save("notes.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return attachment


def _log_in(users: dict[str, Any]) -> dict[str, str]:
    sessions = {}
    for actor, user in users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            sessions[actor] = client.session.session_key
    return sessions


def client_as(w: World, actor: str) -> Client:
    """A fresh client with the actor's session (cells that log out or in roll back with it)."""
    client = Client()
    if actor in w.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[actor]
    return client


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The seeded plan with the actors and targets, built once and rolled back at the end."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=hashers, MEDIA_ROOT=media),
        # built an hour before the moment every cell runs at: its logins are still valid
        # then, and a save in a cell changes the rows' time stamps
        frozen(FROZEN_AT - timedelta(hours=1)),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = _build_world()
            built.baseline, built.fingerprint = snapshot(), _fingerprint()
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- the database before and after ------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    names: tuple[str, ...]
    rows: dict[Any, tuple]  # by primary key


def _select(sql: str) -> tuple[list[str], list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [column[0] for column in cursor.description], cursor.fetchall()


def _table(model, *exclude: str) -> Table:
    """The rows as stored (plain SQL: this runs twice for each of several hundred cells)."""
    names, rows = _select(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")
    keep = [i for i, name in enumerate(names) if name not in exclude]
    pk = names.index(model._meta.pk.column)
    return Table(
        tuple(names[i] for i in keep), {row[pk]: tuple(row[i] for i in keep) for row in rows}
    )


def _pairs(relation) -> set[tuple]:
    """The (from, to) pairs of a many-to-many relation."""
    through = relation.through._meta
    columns = [f.column for f in through.fields if f.is_relation]
    qn = connection.ops.quote_name
    _, rows = _select(f"SELECT {', '.join(map(qn, columns))} FROM {qn(through.db_table)}")
    return set(rows)


def _count(model) -> int:
    return _select(f"SELECT COUNT(*) FROM {connection.ops.quote_name(model._meta.db_table)}")[1][0][
        0
    ]


def snapshot() -> dict[str, Any]:
    """Every row a request of this matrix could write (history tables as counts)."""
    return {
        "source": _table(Source),
        "reformarea": _table(ReformArea),
        "measure": _table(Measure),
        "cooperation": _pairs(Measure.cooperating_bodies),  # (measure, body)
        "milestone": _table(Milestone),
        "responsiblebody": _table(ResponsibleBody),
        "membership": _pairs(ResponsibleBody.members),  # (body, user)
        "progressreport": _table(ProgressReport),
        "contribution": _table(Contribution),
        "attachment": _table(Attachment),
        "extensionrequest": _table(ExtensionRequest),
        "reminderlog": _table(ReminderLog),
        "delivery": _table(Delivery),
        "chase": _table(Chase),
        "apikey": _table(ApiKey, "last_used_at"),
        "user": _table(User, "last_login"),
        "group": _table(Group),
        "user_groups": _pairs(User.groups),
        "group_permissions": len(_pairs(Group.permissions)),
        "history": tuple(_count(m.history.model) for m in (Measure, Milestone, ProgressReport)),
    }


def _fingerprint() -> tuple | None:
    """On PostgreSQL, one query that tells whether any row of the snapshot's tables changed.

    A speed-up only: most cells change nothing, and one query replaces the snapshot's thirteen;
    when it differs, the full snapshot says what changed. None on other databases.
    """
    if connection.vendor != "postgresql":
        return None
    qn = connection.ops.quote_name
    models = [Source, ReformArea, Measure, Measure.cooperating_bodies.through, Milestone]
    models += [ResponsibleBody, ResponsibleBody.members.through, ProgressReport, User, Group]
    models += [User.groups.through, Group.permissions.through]
    models += [Contribution, Attachment, ExtensionRequest, ReminderLog, Delivery, Chase, ApiKey]
    models += [m.history.model for m in (Measure, Milestone, ProgressReport)]
    parts = []
    for model in models:
        columns = [
            f.column
            for f in model._meta.local_concrete_fields
            if f.column not in {"last_login", "last_used_at"}
        ]
        values = ", ".join(f"t.{qn(column)}" for column in columns)
        order = qn(model._meta.pk.column)
        parts.append(
            f"(SELECT md5(coalesce(string_agg(ROW({values})::text, '|' ORDER BY t.{order}), ''))"
            f" FROM {qn(model._meta.db_table)} t)"
        )
    return _select("SELECT " + ", ".join(parts))[1][0]


def changes_since_baseline(w: World) -> dict[str, dict]:
    if w.fingerprint is not None and _fingerprint() == w.fingerprint:
        return {}
    return changes(w.baseline, snapshot())


def changes(before: dict, after: dict) -> dict[str, dict]:
    """What differs, table by table: added and removed keys, changed fields by primary key."""
    delta: dict[str, dict] = {}
    for table, old in before.items():
        new = after[table]
        entry: dict[str, Any] = {}
        if isinstance(old, Table):
            added, removed = new.rows.keys() - old.rows.keys(), old.rows.keys() - new.rows.keys()
            changed = {
                pk: {
                    name
                    for name, a, b in zip(old.names, old.rows[pk], new.rows[pk], strict=True)
                    if a != b
                }
                for pk in old.rows.keys() & new.rows.keys()
                if old.rows[pk] != new.rows[pk]
            }
            if changed:
                entry["changed"] = changed
        elif isinstance(old, set):
            added, removed = new - old, old - new
        else:
            added, removed = set(), set()
            if old != new:
                entry["changed"] = (old, new)
        if added:
            entry["added"] = set(added)
        if removed:
            entry["removed"] = set(removed)
        if entry:
            delta[table] = entry
    return delta


# --- what each request sends and what an allowed one must change -------------------------------


@dataclass
class Ctx:
    w: World
    actor: str
    user: Any
    before: dict
    response: Any = None
    client: Client | None = None


@dataclass(frozen=True)
class Payload:
    data: Callable[[World], dict]
    effect: Callable[[Ctx], dict] | None = None  # the exact delta of an allowed POST
    ignore: frozenset[tuple[str, str]] = frozenset()  # (table, field) left out of the comparison
    explains: str | None = None  # what a POST answered with 200 (a form error) must say


def _v(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _is_plan_editor(actor: str) -> bool:
    return actor in {"coord", "admin"}


# The forms of the admin, as a browser posts them.


def _measure_form(w: World, **changes: object) -> dict:
    m = Measure.objects.get(pk=w.measure)
    data = {
        name: _v(getattr(m, name))
        for name in ["ordinal", "title", "description", "start_date", "due_date",
                     "deadline_note", "priority", "rank", "status", "progress"]
    }  # fmt: skip
    data |= {
        "area": m.area_id,
        "parent": _v(m.parent_id),
        "lead_body": _v(m.lead_body_id),
        "owner": _v(m.owner_id),
        "cooperating_bodies": list(m.cooperating_bodies.values_list("pk", flat=True)),
        "loaded_version": m.version,
        "milestones-TOTAL_FORMS": 0,
        "milestones-INITIAL_FORMS": 0,
        "reports-TOTAL_FORMS": 0,
        "reports-INITIAL_FORMS": 0,
    }
    return data | changes


def _milestone_form(w: World, **changes: object) -> dict:
    ms = Milestone.objects.get(pk=w.milestone)
    data = {
        "measure": ms.measure_id,
        "title": ms.title,
        "due_date": _v(ms.due_date),
        "done_on": _v(ms.done_on),
        "loaded_version": ms.version,
    }
    return data | changes


def _report_form(w: World, report: ProgressReport | None = None, **changes: object) -> dict:
    r = report or ProgressReport.objects.get(pk=w.report)
    data = {
        name: _v(getattr(r, name))
        for name in ["period", "progress", "status", "done_text", "problems", "next_steps",
                     "review_state"]
    }  # fmt: skip
    data |= {
        "measure": r.measure_id,
        "author": _v(r.author_id),
        "body": _v(r.body_id),
        "submitted_at_0": "",
        "submitted_at_1": "",
        "loaded_version": r.version,
    }
    return data | changes


def _source_form(w: World, **changes: object) -> dict:
    s = Source.objects.get(pk=w.target("source"))
    names = ["title", "subtitle", "author", "affiliation", "column", "standfirst", "published_on",
             "text", "file_name"]  # fmt: skip
    return {name: _v(getattr(s, name)) for name in names} | changes


def _area_form(w: World, **changes: object) -> dict:
    a = ReformArea.objects.get(pk=w.target("reformarea"))
    data = {
        "source": a.source_id,
        "ordinal": a.ordinal,
        "title": a.title,
        "summary": a.summary,
        "order": a.order,
        "measures-TOTAL_FORMS": 0,
        "measures-INITIAL_FORMS": 0,
    }
    return data | changes


def _body_form(w: World, **changes: object) -> dict:
    b = ResponsibleBody.objects.get(pk=w.lead_body)
    data = {
        "name": b.name,
        "kind": b.kind,
        "parent": _v(b.parent_id),
        "members": list(b.members.values_list("pk", flat=True)),
    }
    return data | changes


def _changed(table: str, pk: int, *names: str) -> dict:
    return {table: {"changed": {pk: set(names)}}}


def _edit_effect(model: str, lead_fields: tuple[str, ...], plan_fields: tuple[str, ...]):
    def effect(ctx: Ctx) -> dict:
        names = plan_fields if _is_plan_editor(ctx.actor) else lead_fields
        return _changed(model, ctx.w.target(model), *names)

    return effect


def _added(model, table: str, **lookup: object) -> Callable[[Ctx], dict]:
    def effect(ctx: Ctx) -> dict:
        return {table: {"added": {model.objects.get(**lookup).pk}}}

    return effect


def _delete_effect(model: str) -> Callable[[Ctx], dict]:
    """The object goes, and with it what the database cascades."""

    def effect(ctx: Ctx) -> dict:
        pk = ctx.w.deletable(model)
        delta = {model: {"removed": {pk}}}
        if model == "measure":
            # the 优先序 closes the gap: every measure below moves up one place
            ranks = _ranks(ctx)
            below = {other: set(RENUMBERED) for other, rank in ranks.items() if rank > ranks[pk]}
            if below:
                delta[model]["changed"] = below
            delta["cooperation"] = {
                "removed": {pair for pair in ctx.before["cooperation"] if pair[0] == pk}
            }
            delta["milestone"] = {"removed": {ctx.w.milestone}}
            delta["progressreport"] = {"removed": {ctx.w.report}}
            for shown in ("contribution", "extensionrequest"):
                delta[shown] = {"removed": {ctx.w.shown[shown]}}
        if model in {"measure", "progressreport"}:
            delta["attachment"] = {"removed": {ctx.w.shown["attachment"]}}
        return delta

    return effect


def _action_delete(w: World, model: str) -> dict:
    pk = w.spare["user"] if model == "user" else w.deletable(model)
    return {"action": "delete_selected", "_selected_action": [pk], "index": 0, "post": "yes"}


def _action_delete_effect(model: str) -> Callable[[Ctx], dict]:
    if model == "user":
        return lambda ctx: {"user": {"removed": {ctx.w.spare["user"]}}}
    return _delete_effect(model)


def _key_added(ctx: Ctx) -> dict:
    key = ApiKey.objects.get(name="服务一张网")
    return {
        "apikey": {"added": {key.pk}},
        "user": {"added": {key.user_id}},
        "user_groups": {"added": {(key.user_id, Group.objects.get(name=roles.VIEWER).pk)}},
        "membership": {"added": {(federations.root_id(), key.user_id)}},
    }


def _report_added(ctx: Ctx, period: str) -> dict:
    report = ProgressReport.objects.get(measure=ctx.w.measure, period=period)
    # Filed for the lead body by whoever filed it, awaiting review.
    assert (report.author, report.body_id) == (ctx.user, ctx.w.lead_body)
    assert report.review_state == ProgressReport.ReviewState.SUBMITTED
    return {"progressreport": {"added": {report.pk}}}


def _inlines(w: World) -> dict:
    ms = Milestone.objects.get(pk=w.milestone)
    return _measure_form(w) | {
        "milestones-TOTAL_FORMS": 1,
        "milestones-INITIAL_FORMS": 1,
        "milestones-0-id": ms.pk,
        "milestones-0-measure": w.measure,
        "milestones-0-title": ms.title,
        "milestones-0-due_date": _v(ms.due_date),
        "milestones-0-done_on": "2026-11-20",
        "milestones-0-loaded_version": ms.version,
        "reports-TOTAL_FORMS": 1,
        "reports-INITIAL_FORMS": 0,
        "reports-0-id": "",
        "reports-0-measure": w.measure,
        "reports-0-period": "2026Q4",
        "reports-0-progress": 50,
        "reports-0-status": "in_progress",
        "reports-0-review_state": "submitted",
        "reports-0-done_text": "召开推进会",
        "reports-0-problems": "",
        "reports-0-next_steps": "",
    }


def _inlines_effect(ctx: Ctx) -> dict:
    # The page's save stamps the measure (version, updated_at) even when no field changed.
    delta = _changed("measure", ctx.w.measure, "version", "updated_at")
    # the reports are shown, not edited: the posted one is not added
    return delta | _changed("milestone", ctx.w.milestone, "done_on", "version")


def _revert(w: World, model: str) -> dict:
    """What the history page of the oldest version posts: its fields and the current version."""
    current = {"measure": Measure, "milestone": Milestone, "progressreport": ProgressReport}[
        model
    ].objects.get(pk=w.target(model))
    old = current.history.order_by("history_id").first().instance
    old.version = current.version
    if model == "measure":
        data = _measure_form(w)
        data |= {name: _v(getattr(old, name)) for name in ["title", "status", "progress"]}
        return data | {"lead_body": _v(old.lead_body_id), "loaded_version": current.version}
    if model == "milestone":
        return _milestone_form(w, title=old.title)
    return _report_form(w, report=old) | {"loaded_version": current.version}


def _ranks(ctx: Ctx) -> dict[int, int]:
    table = ctx.before["measure"]
    at = table.names.index("rank")
    return {pk: row[at] for pk, row in table.rows.items()}


RENUMBERED = {"rank", "version", "updated_at"}  # a measure whose place in the 优先序 changed


def _filer_stamp(ctx: Ctx) -> tuple[str, ...]:
    """A report corrected by someone other than its filer is stamped with the new filer."""
    before = ctx.before["progressreport"]
    author = before.rows[ctx.w.report][before.names.index("author_id")]
    return ("submitted_at",) if author == ctx.user.pk else ("submitted_at", "author_id")


def _moved_up_effect(ctx: Ctx) -> dict:
    """The measure and the one above it swap places (a new version and history each)."""
    ranks = _ranks(ctx)
    above = next(pk for pk, rank in ranks.items() if rank == ranks[ctx.w.measure] - 1)
    return {"measure": {"changed": {ctx.w.measure: set(RENUMBERED), above: set(RENUMBERED)}}}


def _login_effect(ctx: Ctx) -> dict:
    assert ctx.response["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)
    assert int(ctx.client.session["_auth_user_id"]) == ctx.w.users["viewer"].pk
    return {}


def _logout_effect(ctx: Ctx) -> dict:
    assert ctx.response["Location"] == reverse("login")
    assert "_auth_user_id" not in ctx.client.session
    return {}


def _password_effect(ctx: Ctx) -> dict:
    ctx.user.refresh_from_db()
    assert ctx.user.check_password(NEW_PASSWORD)
    return _changed("user", ctx.user.pk, "password")


PAYLOADS: dict[tuple[str, str], Payload] = {
    # site
    ("login", "wrong-pw"): Payload(
        lambda w: {"username": "viewer", "password": "wrong"}, explains="请输入一个正确的"
    ),
    ("login", "right-pw"): Payload(
        lambda w: {"username": "viewer", "password": PASSWORD}, _login_effect
    ),
    ("logout", None): Payload(lambda w: {}, _logout_effect),
    ("password_change", "new-pw"): Payload(
        lambda w: {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        _password_effect,
    ),
    # the site's own screens
    ("tasks:measure_list", "filters"): Payload(
        lambda w: {"light": "red", "sort": "due", "q": "工会", "area": "abc"}
    ),
    ("tasks:timetable", "filters"): Payload(lambda w: {"zoom": "quarter", "light": "green"}),
    ("tasks:lookup_bodies", "search"): Payload(lambda w: {"q": "企业", "page": "2"}),
    ("tasks:lookup_people", "search"): Payload(lambda w: {"q": "viewer"}),
    ("tasks:measure_bulk", "bulk"): Payload(
        lambda w: {
            "bulk-measures": [w.measure],
            f"version-{w.measure}": Measure.objects.get(pk=w.measure).version,
            "bulk-field": "priority",
            "bulk-priority": 1,
        },
        lambda ctx: _changed("measure", ctx.w.measure, "priority", "version", "updated_at"),
    ),
    ("tasks:measure_assign", "assign"): Payload(
        lambda w: {
            "owner": "",
            "lead_body": w.lead_body,
            "cooperating_bodies": list(
                Measure.objects.get(pk=w.measure).cooperating_bodies.values_list("pk", flat=True)
            ),
            "start_date": "",
            "due_date": "2026-12-31",
            "deadline_note": "",
            "priority": 1,
            "loaded_version": Measure.objects.get(pk=w.measure).version,
        },
        lambda ctx: _changed(
            "measure", ctx.w.measure, "due_date", "priority", "version", "updated_at"
        ),
    ),
    ("tasks:measure_progress", "progress"): Payload(
        lambda w: {
            "status": "in_progress",
            "progress": 45,
            "loaded_version": Measure.objects.get(pk=w.measure).version,
        },
        lambda ctx: _changed(
            "measure", ctx.w.measure, "status", "progress", "version", "updated_at"
        ),
    ),
    ("tasks:measure_breakdown", "breakdown"): Payload(
        lambda w: {"breakdown-title": "页面上分解的子举措"},
        _added(Measure, "measure", title="页面上分解的子举措"),
        # the measure takes its figures from its new sub-measure (the roll-up)
        ignore=frozenset(
            ("measure", name)
            for name in (
                "progress",
                "status",
                "below_red_from",
                "below_yellow_from",
                "version",
                "updated_at",
            )
        ),  # fmt: skip
    ),
    ("tasks:milestone_add", "milestone"): Payload(
        lambda w: {"new-title": "页面上加的节点", "new-due_date": "2026-12-20"},
        _added(Milestone, "milestone", title="页面上加的节点"),
    ),
    ("tasks:milestone_update", "done"): Payload(
        lambda w: {
            f"m{w.milestone}-{name}": value
            for name, value in _milestone_form(w, done_on="2026-11-20").items()
            if name != "measure"
        },
        lambda ctx: _changed("milestone", ctx.w.milestone, "done_on", "version"),
    ),
    ("tasks:report_list", "period"): Payload(lambda w: {"period": "2026-11"}),
    ("tasks:ledger_xlsx", "filters"): Payload(lambda w: {"light": "red", "q": "工会"}),
    ("tasks:report_file", "report"): Payload(
        lambda w: {
            "progress": 55,
            "status": "in_progress",
            "done_text": "完成企业走访，召开推进会",
            "problems": "",
            "next_steps": "十二月完成验收",
            "loaded_version": ProgressReport.objects.get(pk=w.report).version,
        },
        lambda ctx: _changed(
            "progressreport",
            ctx.w.report,
            "progress",
            "done_text",
            "next_steps",
            "version",
            *_filer_stamp(ctx),
        ),
    ),
    ("tasks:report_review", "return"): Payload(
        lambda w: {
            "decision": "return",
            "reason": "请补充数据",
            "loaded_version": ProgressReport.objects.get(pk=w.report).version,
        },
        lambda ctx: _changed(
            "progressreport",
            ctx.w.report,
            "review_state",
            "return_reason",
            "reviewed_by_id",
            "reviewed_at",
            "version",
        ),
    ),
    ("tasks:contribution_save", "contribute"): Payload(
        lambda w: {
            "body": Contribution.objects.get(pk=w.shown["contribution"]).body_id,
            "text": "配合完成调研报告",
        },
        lambda ctx: _changed(
            "contribution", ctx.w.shown["contribution"], "text", "author_id", "submitted_at"
        ),
    ),
    ("tasks:extension_request", "extend"): Payload(
        lambda w: {"requested_due_date": "2027-09-30", "reason": "再延期"},
        explains="正等待改革办审批",  # the request already waiting, named in the refusal
    ),
    ("tasks:extension_decide", "approve"): Payload(
        lambda w: {"decision": "approve", "note": ""},
        lambda ctx: (
            _changed(
                "extensionrequest",
                ctx.w.shown["extensionrequest"],
                "state",
                "decided_by_id",
                "decided_at",
            )
            | _changed("measure", ctx.w.measure, "due_date", "version", "updated_at")
        ),
    ),
    ("tasks:priority_move", "move"): Payload(
        lambda w: {"measure": w.measure, "direction": "up"}, _moved_up_effect
    ),
    ("tasks:milestone_delete", "delete"): Payload(
        lambda w: {}, lambda ctx: {"milestone": {"removed": {ctx.w.milestone}}}
    ),
    # 接口密钥: made (with its account, a 领导 of the root federation) and deleted (its account
    # stays, for the history, and can no longer act)
    ("admin:tasks_apikey_add", "key"): Payload(
        lambda w: {"name": "服务一张网", "federation": federations.root_id(), "is_active": "on"},
        lambda ctx: _key_added(ctx),
    ),
    ("admin:tasks_apikey_delete", "confirm"): Payload(
        lambda w: {"post": "yes"},
        lambda ctx: {
            "apikey": {"removed": {ctx.w.shown["apikey"]}},
            "user": {"changed": {User.objects.get(first_name="API：数据平台").pk: {"is_active"}}},
        },
    ),
    # admin outside the tasks models
    ("admin:auth_user_changelist", "delete"): Payload(
        lambda w: _action_delete(w, "user"), _action_delete_effect("user")
    ),
    ("admin:autocomplete", "owner"): Payload(
        lambda w: {"app_label": "tasks", "model_name": "measure", "field_name": "owner"}
    ),
    ("admin:autocomplete", "parent"): Payload(
        lambda w: {"app_label": "tasks", "model_name": "measure", "field_name": "parent"}
    ),
    ("admin:tasks_measure_changelist", "list-edit"): Payload(
        lambda w: {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "form-0-id": w.measure,
            "form-0-owner": "",
            "form-0-due_date": "2027-01-31",  # after its milestone (2026-12-31)
            "form-0-priority": 1,
            "form-0-status": "in_progress",
            "form-0-loaded_version": Measure.objects.get(pk=w.measure).version,
            "_save": "保存",
        },
        lambda ctx: _changed(
            "measure", ctx.w.measure, "due_date", "priority", "status", "version", "updated_at"
        ),
    ),
    ("admin:tasks_measure_change", "inlines"): Payload(_inlines, _inlines_effect),
    # adds
    ("admin:tasks_source_add", "add"): Payload(
        lambda w: _source_form(w, title="新增的来源", file_name="new-source.txt"),
        _added(Source, "source", title="新增的来源"),
    ),
    ("admin:tasks_reformarea_add", "add"): Payload(
        lambda w: _area_form(w, title="新增的方面", order=99),
        _added(ReformArea, "reformarea", title="新增的方面"),
    ),
    ("admin:tasks_measure_add", "add"): Payload(
        lambda w: (
            _measure_form(w, title="新增的举措", rank=Measure.objects.next_rank())
            | {"loaded_version": "", "cooperating_bodies": []}
        ),
        _added(Measure, "measure", title="新增的举措"),
    ),
    ("admin:tasks_milestone_add", "add"): Payload(
        lambda w: _milestone_form(w, title="新增的节点", loaded_version=""),
        _added(Milestone, "milestone", title="新增的节点"),
    ),
    ("admin:tasks_responsiblebody_add", "add"): Payload(
        lambda w: {"name": "新增的单位", "kind": "union", "parent": "", "members": []},
        _added(ResponsibleBody, "responsiblebody", name="新增的单位"),
    ),
    ("admin:tasks_progressreport_add", "add"): Payload(
        lambda w: (
            _report_form(w, period="2026-10", progress=60, done_text="完成试点")
            | {"loaded_version": "", "author": "", "body": ""}
        ),
        lambda ctx: _report_added(ctx, "2026-10"),
        explains="您所在单位不是该举措的牵头单位",  # to the liaison of another body
    ),
    # edits: the lead liaison's share, or the whole plan
    ("admin:tasks_source_change", "edit"): Payload(
        lambda w: _source_form(w, title="改过的来源标题"),
        _edit_effect("source", (), ("title",)),
    ),
    ("admin:tasks_reformarea_change", "edit"): Payload(
        lambda w: _area_form(w, title="改过的方面标题"),
        _edit_effect("reformarea", (), ("title",)),
    ),
    ("admin:tasks_measure_change", "edit"): Payload(
        lambda w: _measure_form(w, title="改过的举措标题", status="in_progress", progress=55),
        _edit_effect(
            "measure",
            ("status", "progress", "version", "updated_at"),
            ("title", "status", "progress", "version", "updated_at"),
        ),
    ),
    ("admin:tasks_milestone_change", "edit"): Payload(
        lambda w: _milestone_form(w, title="改过的节点标题", done_on="2026-11-20"),
        _edit_effect("milestone", ("done_on", "version"), ("title", "done_on", "version")),
    ),
    ("admin:tasks_responsiblebody_change", "edit"): Payload(
        lambda w: _body_form(w, name="企业（改名）"),
        _edit_effect("responsiblebody", (), ("name",)),
    ),
    ("admin:tasks_progressreport_change", "edit"): Payload(
        lambda w: _report_form(w, progress=45, done_text="完成两家企业试点"),
        # a correction is filed again: by whoever corrects it, now, awaiting review
        _edit_effect(
            "progressreport",
            ("progress", "done_text", "version", "submitted_at"),
            ("progress", "done_text", "version", "submitted_at", "author_id"),
        ),
    ),
}
for _model in TASKS_MODELS:
    PAYLOADS[(f"admin:tasks_{_model}_delete", "confirm")] = Payload(
        lambda w: {"post": "yes"}, _delete_effect(_model)
    )
    PAYLOADS[(f"admin:tasks_{_model}_changelist", "delete")] = Payload(
        lambda w, model=_model: _action_delete(w, model), _action_delete_effect(_model)
    )
SHOWN = ("contribution", "attachment", "extensionrequest", "reminderlog", "delivery", "chase")
for _model in SHOWN:
    PAYLOADS[(f"admin:tasks_{_model}_changelist", "delete")] = Payload(
        lambda w, model=_model: _action_delete(w, model), _delete_effect(_model)
    )
    PAYLOADS[(f"admin:tasks_{_model}_delete", "confirm")] = Payload(
        lambda w: {"post": "yes"}, _delete_effect(_model)
    )
for _model in VERSIONED:
    PAYLOADS[(f"admin:tasks_{_model}_simple_history", "revert")] = Payload(
        lambda w, model=_model: _revert(w, model)
    )


# --- URLs ---------------------------------------------------------------------------------------


def url_for(key: str, w: World) -> str:
    if key.startswith("api:"):
        kind, _dash, view = key.removeprefix("api:").rpartition("-")
        if view != "detail":
            return reverse(key)
        return reverse(
            key,
            args=[
                {
                    "federation": federations.root_id(),
                    "body": w.lead_body,
                    "source": w.target("source"),
                    "area": w.area,
                    "measure": w.measure,
                    "report": w.report,
                    "extension-request": w.shown["extensionrequest"],
                    "attachment": w.shown["attachment"],
                }[kind]
            ],
        )
    if key.startswith("admin/tasks/"):  # the unnamed /admin/tasks/<model>/<pk>/ redirect
        model = key.split("/")[2]
        return f"/admin/tasks/{model}/{w.target(model)}/"
    if key.startswith("admin:tasks_"):
        model, view = key.removeprefix("admin:tasks_").split("_", 1)
        if view in {"changelist", "add"}:
            return reverse(key)
        if view == "delete":
            return reverse(key, args=[w.deletable(model)])
        if view == "simple_history":
            pk = w.target(model)
            manager = {"measure": Measure, "milestone": Milestone}.get(model, ProgressReport)
            oldest = manager.history.filter(id=pk).order_by("history_id").first()
            return reverse(key, args=[pk, oldest.history_id])
        return reverse(key, args=[w.target(model)])
    if key == "admin:app_list":
        return reverse(key, kwargs={"app_label": "tasks"})
    if key in {
        "tasks:measure_detail",
        "tasks:measure_assign",
        "tasks:measure_progress",
        "tasks:measure_cascade",
        "tasks:measure_breakdown",
        "tasks:measure_weights",
        "tasks:milestone_add",
    }:
        return reverse(key, args=[w.measure])
    if key in {"tasks:milestone_update", "tasks:milestone_delete"}:
        return reverse(key, args=[w.milestone])
    if key == "tasks:source_detail":
        return reverse(key, args=[w.target("source")])
    if key in {"tasks:report_file", "tasks:contribution_save"}:
        return reverse(key, args=[w.measure]) + "?period=2026-11"
    if key in {"tasks:extension_request", "tasks:measure_close"}:
        return reverse(key, args=[w.measure])
    if key == "tasks:report_review":
        return reverse(key, args=[w.report])
    if key == "tasks:attachment_download":
        return reverse(key, args=[w.shown["attachment"]])
    if key == "tasks:extension_decide":
        return reverse(key, args=[w.shown["extensionrequest"]])
    if key == "tasks:notice_open":
        return reverse(key, args=[w.shown["notice"]])
    if key == "tasks:chase_body":
        return reverse(key, args=[w.lead_body])
    if key in {"tasks:period_report_print", "tasks:period_report_xlsx"}:
        return reverse(key, args=["2026-11"])
    if key == "favicon.ico":
        return "/favicon.ico"
    return reverse(key)


# --- the cells ----------------------------------------------------------------------------------


def _cells() -> list:
    params = []
    for r in MATRIX:
        for actor, expected in zip(ACTORS, r.cells, strict=True):
            ident = f"{r.key} {r.method}{' ' + r.payload if r.payload else ''} [{actor}]"
            if isinstance(expected, Suspect):
                if expected.meanwhile is not None:
                    params.append(pytest.param(r, actor, _expect(expected.meanwhile), id=ident))
                xfail = pytest.mark.xfail(strict=True, reason=expected.reason)
                params.append(
                    pytest.param(r, actor, _expect(expected.expected), id=ident + " rule",
                                 marks=[xfail])
                )  # fmt: skip
            else:
                params.append(pytest.param(r, actor, _expect(expected), id=ident))
    return params


def _expect(cell: Expect | int) -> Expect:
    return cell if isinstance(cell, Expect) else Expect(cell)


def _check(ctx: Ctx, r: Row, url: str, expected: Expect, delta: dict) -> None:
    response = ctx.response
    if response.streaming:  # a file: read it, so that it is produced (and closed)
        response.content_bytes = b"".join(response.streaming_content)
        body = ""
    else:
        body = response.content.decode(errors="replace")[:1500]
        if response.status_code == 200 and expected.status != 200:  # a form with errors
            page = response.content.decode(errors="replace")
            errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)
            body = " | ".join(errors) or body
    assert response.status_code == expected.status, (response.status_code, body)
    if expected.login:
        page, _, after = response["Location"].partition("?next=")
        assert page == expected.login
        assert unquote(after).startswith(url)
    if response.status_code == 403:  # the site's 403 page, with its reason
        assert 'class="refusal"' in response.content.decode(errors="replace")
    payload = PAYLOADS.get((r.key, r.payload))
    if r.method == "POST" and response.status_code == 200 and payload and payload.explains:
        assert payload.explains in response.content.decode()
    if expected.saved:
        assert payload is not None and payload.effect is not None, "a SAVED cell needs an effect"
        delta = {table: entry for table, entry in delta.items() if table != "history"}
        for table, name in payload.ignore:
            for names in delta.get(table, {}).get("changed", {}).values():
                names.discard(name)
        assert _without_stamps(delta) == _without_stamps(payload.effect(ctx))
    else:
        assert delta == {}, "nothing may change"


def _without_stamps(delta: dict) -> dict:
    """A change's effect, leaving out the time a row last changed (`updated_at`, for the API's
    sync: a milestone or an attachment stamps the measure or report it belongs to; checked in
    tests/test_api.py)."""
    result = {}
    for table, entry in delta.items():
        entry = dict(entry)
        if isinstance(entry.get("changed"), dict):
            changed = {pk: set(names) - {"updated_at"} for pk, names in entry["changed"].items()}
            entry["changed"] = {pk: names for pk, names in changed.items() if names}
            if not entry["changed"]:
                del entry["changed"]
        if entry:
            result[table] = entry
    return result


@pytest.mark.parametrize(("r", "actor", "expected"), _cells())
def test_matrix(world, r: Row, actor: str, expected: Expect):
    client = client_as(world, actor)
    user = world.users[actor] and User.objects.get(pk=world.users[actor].pk)  # fresh each time
    url = url_for(r.key, world)
    payload = PAYLOADS.get((r.key, r.payload)) if r.method == "POST" or r.payload else None
    data = payload.data(world) if payload else {}
    # Every cell starts from the same database (the one before it was rolled back), so the
    # snapshot taken once with the world is the "before" of every cell.
    ctx = Ctx(world, actor, user, before=world.baseline, client=client)
    ctx.response = client.get(url, data) if r.method == "GET" else client.post(url, data)
    _check(ctx, r, url, expected, changes_since_baseline(world))


# --- every URL of the project has its rows ------------------------------------------------------


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        else:
            assert isinstance(pattern, URLPattern)
            route = prefix + str(pattern.pattern)
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name, route
            else:
                yield route, route


def project_url_keys() -> set[str]:
    """The project's own URLs, and of the admin its index and the tasks app's model pages."""
    keys = set()
    for key, route in _walk(get_resolver().url_patterns):
        if route.startswith("admin/"):
            if key in {"admin:index", "admin:app_list"} or route.startswith("admin/tasks/"):
                keys.add(key)
        else:
            keys.add(key)
    return keys


def test_every_url_has_rows_for_get_and_post():
    keys = project_url_keys()
    # The walk finds what it should: a sanity check on the walk itself.
    assert {"tasks:dashboard", "tasks:measure_list", "login", "logout", "favicon.ico"} <= keys
    assert {"admin:index", "admin:tasks_measure_change", "admin:tasks_source_delete"} <= keys
    assert not {key for key in keys if key.startswith("admin:auth_")}
    covered = {(r.key, r.method) for r in MATRIX}
    wanted = {(key, method) for key in keys for method in ("GET", "POST")}
    missing = sorted(f"{key} {method}" for key, method in wanted - covered)
    assert missing == []


def test_matrix_rows_are_well_formed():
    for r in MATRIX:
        assert r.method in {"GET", "POST"}
        if r.payload is not None:
            assert (r.key, r.payload) in PAYLOADS, r
        if any(getattr(cell, "saved", False) for cell in r.cells):
            assert PAYLOADS.get((r.key, r.payload)) and PAYLOADS[(r.key, r.payload)].effect, r
    assert len({(r.key, r.method, r.payload) for r in MATRIX}) == len(MATRIX)


# --- the snapshot sees every write -------------------------------------------------------------

WRITES: dict[str, Callable[[World], object]] = {
    "source": lambda w: Source.objects.filter(pk=w.target("source")).update(column="改"),
    "reformarea": lambda w: ReformArea.objects.filter(pk=w.area).update(summary="改"),
    "measure": lambda w: Measure.objects.filter(pk=w.measure).update(progress=7),
    "cooperation": lambda w: Measure.objects.get(pk=w.measure).cooperating_bodies.clear(),
    "milestone": lambda w: Milestone.objects.filter(pk=w.milestone).update(done_on=date.today()),
    "responsiblebody": lambda w: ResponsibleBody.objects.filter(pk=w.other_body).update(
        kind="social"
    ),
    "membership": lambda w: ResponsibleBody.objects.get(pk=w.other_body).members.clear(),
    "progressreport": lambda w: ProgressReport.objects.filter(pk=w.report).update(problems="改"),
    "user": lambda w: User.objects.filter(pk=w.users["viewer"].pk).update(first_name="改"),
    "group": lambda w: Group.objects.create(name="新组"),
    "user_groups": lambda w: w.users["viewer"].groups.clear(),
    "group_permissions": lambda w: Group.objects.get(name=roles.VIEWER).permissions.clear(),
    "history": lambda w: Measure.history.filter(id=w.measure).order_by("history_id")[0].delete(),
}


@pytest.mark.parametrize("table", list(WRITES))
def test_a_write_to_any_table_is_seen(world, table):
    assert changes_since_baseline(world) == {}
    WRITES[table](world)
    assert table in changes_since_baseline(world)


def test_a_new_login_is_not_a_change(world):
    User.objects.filter(pk=world.users["viewer"].pk).update(last_login=timezone.now())
    assert changes_since_baseline(world) == {}


# --- found while building the matrix -----------------------------------------------------------


def test_a_milestone_marked_done_makes_an_older_form_stale(world):
    """The lead liaison marks a milestone done on the measure page; the office, from the
    milestone page it opened before, moves the due date: that save must be refused as stale."""
    loaded = _milestone_form(world)  # the office opens the milestone page
    liaison = client_as(world, "lead")
    done = PAYLOADS[("tasks:milestone_update", "done")].data(world)
    url = reverse("tasks:milestone_update", args=[world.milestone])
    assert liaison.post(url, done).status_code == 302
    assert Milestone.objects.get(pk=world.milestone).done_on == date(2026, 11, 20)

    office = client_as(world, "coord")
    url = reverse("admin:tasks_milestone_change", args=[world.milestone])
    office.post(url, loaded | {"due_date": "2027-01-31"})
    milestone = Milestone.objects.get(pk=world.milestone)
    assert (milestone.done_on, milestone.due_date) == (date(2026, 11, 20), date(2026, 12, 31))


@pytest.mark.parametrize("field_name", ["lead_body", "area"])
def test_autocomplete_pages_are_ordered(world, field_name):
    query = {"app_label": "tasks", "model_name": "measure", "field_name": field_name}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client_as(world, "coord").get(reverse("admin:autocomplete"), query)
    assert response.status_code == 200
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []


ROLELESS_REFUSED = [
    "/measures/",
    "/admin/tasks/measure/",
    "/admin/tasks/measure/add/",
    "/admin/tasks/progressreport/",
]


@pytest.mark.parametrize("url", ROLELESS_REFUSED)
def test_user_without_a_role_is_refused_with_the_reason(world, client, url):
    client.force_login(UserFactory(username="nobody", is_staff=True))
    response = client.get(url)
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()


def test_user_without_a_role_writes_nothing(world, client):
    client.force_login(UserFactory(username="nobody", is_staff=True))
    before = snapshot()
    response = client.post(
        reverse("admin:tasks_measure_change", args=[world.measure]),
        _measure_form(world, status="done", progress=100),
    )
    assert response.status_code == 403
    assert changes(before, snapshot()) == {}


def test_user_without_a_role_is_refused_the_admin_index(world, client):
    client.force_login(UserFactory(username="nobody", is_staff=True))
    assert client.get(reverse("admin:index")).status_code == 403
