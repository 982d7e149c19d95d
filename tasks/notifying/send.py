"""A change told to the people it concerns, and its deliveries sent once the change commits.

`notify` writes, in the change's own transaction, one in-app notice per person (never to the
person who made the change) and the deliveries it calls for: an e-mail to each person who has
an address and wants this kind by e-mail, a post to the group robot of each body concerned.
Nothing is sent before the change commits (`transaction.on_commit`), and the request does not
wait for a mail server or a robot: the deliveries go out in a thread of their own (or inline,
`TASKS_NOTICE_DELIVERY = "inline"`, as the tests run). A delivery that fails stays pending,
is logged, and is tried again by the next `send_reminders`, up to MAX_ATTEMPTS times."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tasks import clock
from tasks.models import Delivery, Measure, Notice, Profile, ResponsibleBody
from tasks.notifying.channels import DeliveryFailed, post_to_robot, send_email

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# a delivery this young is left to the thread sending it; older pending ones are retried
RETRY_AFTER = timedelta(minutes=2)


def site_name() -> str:
    return _("Union reform task tracker")


def notify(
    kind: str,
    *,
    text: str,
    url: str = "",
    recipients: Iterable[AbstractBaseUser | None] = (),
    bodies: Iterable[ResponsibleBody | None] = (),
    measure: Measure | None = None,
    by: AbstractBaseUser | None = None,
) -> list[Notice]:
    """Tell `recipients` (and the group robots of `bodies`) that `text` happened."""
    now = clock.now()
    people = {
        user.pk: user
        for user in recipients
        if user is not None and user.is_active and (by is None or user.pk != by.pk)
    }
    notices = Notice.objects.bulk_create(
        Notice(recipient=user, kind=kind, measure=measure, text=text[:500], url=url, created_at=now)
        for user in people.values()
    )
    profiles = {p.user_id: p for p in Profile.objects.filter(user_id__in=list(people))}
    subject = f"【{site_name()}】{text}"[:200]
    link = f"{settings.TASKS_SITE_URL.rstrip('/')}{url}" if url else ""
    deliveries = [
        Delivery(
            channel=Delivery.Channel.EMAIL,
            address=user.email,
            subject=subject,
            body="\n\n".join(filter(None, [text, link])),
            created_at=now,
        )
        for pk, user in people.items()
        if user.email and (pk not in profiles or profiles[pk].wants_email(kind))
    ]
    robots = {body.webhook_url for body in bodies if body is not None and body.webhook_url}
    deliveries += [
        Delivery(
            channel=Delivery.Channel.WEBHOOK,
            address=address,
            subject=subject,
            body="\n".join(filter(None, [subject, link])),
            created_at=now,
        )
        for address in sorted(robots)
    ]
    if deliveries:
        created = Delivery.objects.bulk_create(deliveries)
        ids = [delivery.pk for delivery in created]
        transaction.on_commit(lambda: dispatch(ids))
    return notices


def dispatch(ids: list[int]) -> None:
    """Send these deliveries without holding up the request that made them."""
    if settings.TASKS_NOTICE_DELIVERY == "inline":
        deliver(ids)
        return
    threading.Thread(target=_deliver_in_thread, args=(ids,), daemon=True).start()


def _deliver_in_thread(ids: list[int]) -> None:
    try:
        deliver(ids)
    except Exception:  # never lost: still pending, retried by send_reminders
        log.exception("sending notices %s failed", ids)
    finally:
        connection.close()


def deliver(ids: Iterable[int]) -> tuple[int, int]:
    """Send the pending deliveries among `ids`; returns (sent, failed this time)."""
    sent = failed = 0
    for delivery in Delivery.objects.filter(pk__in=list(ids), state=Delivery.State.PENDING):
        # claimed by counting the attempt: a second sender finds the count moved and skips it
        claimed = Delivery.objects.filter(
            pk=delivery.pk, state=Delivery.State.PENDING, attempts=delivery.attempts
        ).update(attempts=F("attempts") + 1)
        if not claimed:
            continue
        attempts = delivery.attempts + 1
        try:
            if delivery.channel == Delivery.Channel.EMAIL:
                send_email(delivery.address, delivery.subject, delivery.body)
            else:
                post_to_robot(delivery.address, delivery.body)
        except DeliveryFailed as error:
            failed += 1
            gave_up = attempts >= MAX_ATTEMPTS
            log.warning(
                "delivery %s (%s to %s) failed, attempt %d%s: %s",
                delivery.pk,
                delivery.channel,
                delivery.address,
                attempts,
                ", given up" if gave_up else "",
                error,
            )
            Delivery.objects.filter(pk=delivery.pk).update(
                last_error=str(error)[:500],
                state=Delivery.State.FAILED if gave_up else Delivery.State.PENDING,
            )
            continue
        sent += 1
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.SENT, sent_at=clock.now(), last_error=""
        )
    return sent, failed


def retry_pending() -> tuple[int, int]:
    """Send again what is still pending (a mail server that was down, a robot that did not
    answer): `send_reminders` calls this first."""
    stale = clock.now() - RETRY_AFTER
    ids = Delivery.objects.filter(state=Delivery.State.PENDING, created_at__lt=stale).values_list(
        "pk", flat=True
    )
    return deliver(list(ids))
