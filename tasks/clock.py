"""Today and now: the one place the app reads the time.

Views, models, reporting, reminders and commands ask here, never the system clock directly, so
that a test freezes time for all of them at once (time-machine, `tests/conftest.py`).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    """This instant, time-zone aware."""
    return timezone.now()


def today() -> date:
    """Today's date in the site's time zone (TIME_ZONE, Asia/Shanghai)."""
    return timezone.localdate(now())
