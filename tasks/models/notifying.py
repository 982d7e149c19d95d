"""What tells people that something changed for them: a notice in the app, its deliveries by
e-mail and to a group robot, a 催报 (a chase of a late body), and each person's contact and
choice of e-mails."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """Something that changed for one person: shown in the app until read."""

    class Kind(models.TextChoices):
        REPORT_FILED = "report_filed", _("A report was filed")
        REPORT_RETURNED = "report_returned", _("A report was returned")
        REPORT_ACCEPTED = "report_accepted", _("A report was accepted")
        EXTENSION_DECIDED = "extension_decided", _("An extension was decided")
        MEASURE_ASSIGNED = "measure_assigned", _("A measure was assigned")
        CHASED = "chased", _("A report is chased (催报)")
        HANDED_DOWN = "handed_down", _("A measure was handed down (下达)")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    measure = models.ForeignKey(
        "tasks.Measure",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("measure"),
    )
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_unread")]

    def __str__(self) -> str:
        return self.text


class Delivery(models.Model):
    """One message to send by a channel (an e-mail to a person, a post to a body's group
    robot): written with the change, sent after it commits, retried by `send_reminders`
    until sent or given up."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Group robot (WeCom / DingTalk)")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Given up")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    address = models.CharField(_("address"), max_length=500)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["state"], name="delivery_state")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}"


class Chase(models.Model):
    """催报: the office reminded a late body of its reports for a period (who, whom, when)."""

    body = models.ForeignKey(
        "tasks.ResponsibleBody",
        on_delete=models.CASCADE,
        related_name="chases",
        verbose_name=_("body"),
    )
    period = models.CharField(_("period"), max_length=7)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("chased by"),
    )
    at = models.DateTimeField(_("chased at"))
    measures = models.PositiveIntegerField(_("late measures"), default=0)

    class Meta:
        verbose_name = _("chase (催报)")
        verbose_name_plural = _("chases (催报)")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.body} {self.period}"


class Profile(models.Model):
    """How a person is reached: a phone number for the office to call, and which notices
    also come by e-mail (every kind unless chosen otherwise)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email_kinds = models.JSONField(
        _("notices by e-mail"),
        default=list,
        blank=True,
        help_text=_("The kinds of notice also sent by e-mail."),
    )
    email_chosen = models.BooleanField(_("e-mail choice made"), default=False)

    class Meta:
        verbose_name = _("contact and notices")
        verbose_name_plural = _("contacts and notices")

    def __str__(self) -> str:
        return str(self.user)

    def wants_email(self, kind: str) -> bool:
        return kind in self.email_kinds if self.email_chosen else True
