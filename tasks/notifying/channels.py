"""Sending one delivery by its channel: an e-mail, or a post to a group robot.

WeCom (企业微信) and DingTalk (钉钉) group robots take the same text message, a JSON body
`{"msgtype": "text", "text": {"content": …}}` posted to the robot's address (which holds its
key), and answer `{"errcode": 0, …}` when it was accepted."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage, mailers

WEBHOOK_TIMEOUT = 5  # seconds: a robot that does not answer is tried again later


class DeliveryFailed(Exception):
    """The channel refused the message or could not be reached; the text says why."""


def send_email(address: str, subject: str, body: str) -> None:
    try:
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        mailers.default.send_messages([message])
    except Exception as error:  # SMTP and socket errors alike: kept for the next try
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from None


def post_to_robot(url: str, text: str) -> None:
    data = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False)
    request = urllib.request.Request(
        url,
        data=data.encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
            answer = response.read(10_000)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from None
    try:
        code = json.loads(answer.decode("utf-8")).get("errcode", 0)
    except (ValueError, AttributeError):
        code = 0  # a robot that answers in another shape but with 200: taken as sent
    if code:
        raise DeliveryFailed(answer.decode("utf-8", "replace")[:300])
