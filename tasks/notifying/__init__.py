"""Telling people what changed for them: in the app (`Notice`), by e-mail and to a body's
WeCom/DingTalk group robot (`Delivery`), after the change commits.

- `events`: one function per change (a report filed, returned or accepted; an extension
  decided; a measure assigned; a late body chased), called by the function making the change.
- `send`: `notify` (the notices and deliveries, in the change's transaction), `deliver` and
  `retry_pending` (what `send_reminders` sends again).
- `channels`: an e-mail, a post to a group robot.
"""

from tasks.notifying import events
from tasks.notifying.send import deliver, notify, retry_pending

__all__ = ["deliver", "events", "notify", "retry_pending"]
