"""What the JSON API (`tasks/api/`) keeps: the keys of the systems that call it, and the
deletions a system copying the plan must hear of.

An API key acts through an account of its own, made with the key: a member of the key's
federation, in the role 领导 (read-only) or, for a key granted write, 责任单位联络员 — so that
every question the API asks of `tasks.permissions` is the page's own question, asked of that
account: a key sees its federation's subtree, and a write key files the reports of the measures
its federation's bodies lead and asks for their extensions, as their liaison would.

`Deletion` is a tombstone: one row per source, area, body, measure, report or extension request
deleted, on every path (a queryset's delete included, through the `post_delete` signal), so that
`/api/v1/deletions/?updated_since=` tells a copy what to remove. Milestones and attachments are
part of their measure and report: a change to them marks the row they belong to as changed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _

from tasks import clock, roles
from tasks.models.plan import Measure, Milestone, ReformArea, ResponsibleBody, Source
from tasks.models.reporting import Attachment, ExtensionRequest, ProgressReport

KEY_HEADER_PREFIX = "Api-Key"
PREFIX_BYTES = 4  # eight hex digits, shown in the admin to tell keys apart
USED_AT_GRAIN = timedelta(minutes=1)  # last_used_at is written at most once a minute


def _digest(secret: str) -> str:
    # The secret is 256 random bits: a fast hash is as safe as a slow one here, and a call
    # checks it in microseconds.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def issue(self, *, name: str, federation: ResponsibleBody, write: bool = False):
        """A new key: (the ApiKey, the key in full). The key is shown this once; only its
        digest is kept."""
        key = ApiKey(name=name.strip(), federation=federation, can_write=write)
        secret = key.new_secret()
        key.full_clean(exclude=["user"])
        key.save()
        return key, f"{key.prefix}.{secret}"

    def authenticate(self, presented: str) -> ApiKey | None:
        """The active key whose full text this is, or None."""
        prefix, dot, secret = presented.strip().partition(".")
        if not dot or not prefix or not secret or len(presented) > 200:
            return None
        key = self.select_related("user").filter(prefix=prefix, is_active=True).first()
        if key is None or not hmac.compare_digest(key.digest, _digest(secret)):
            return None
        now = clock.now()
        if key.last_used_at is None or now - key.last_used_at >= USED_AT_GRAIN:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return key


class ApiKey(models.Model):
    """接口密钥: one per system calling the API (the 职工之家 APP, a portal, a data platform)."""

    name = models.CharField(
        _("name"), max_length=100, unique=True, help_text=_("The system that uses the key.")
    )
    federation = models.ForeignKey(
        ResponsibleBody,
        on_delete=models.PROTECT,
        related_name="api_keys",
        verbose_name=_("federation"),
        help_text=_("The key reads this federation's plan and the plans below it."),
    )
    can_write = models.BooleanField(
        _("may write"),
        default=False,
        help_text=_(
            "File and correct reports and ask for extensions, for the measures led by the "
            "federation's bodies. Without it the key only reads."
        ),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("A key that is not active is refused.")
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_key",
        editable=False,
        verbose_name=_("account"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            self._save_account()
            super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.federation_id is not None:
            tree = ResponsibleBody.objects.tree()
            if self.federation_id not in tree.federations:
                raise ValidationError(
                    {
                        "federation": _(
                            "“%(name)s” is not a federation. Choose a 工会 of the organisation "
                            "tree: the root, or a 工会 below it."
                        )
                        % {"name": tree.names.get(self.federation_id, self.federation_id)}
                    }
                )

    def new_secret(self) -> str:
        """Give the key a new secret (the old one stops working once saved); returns it."""
        secret = secrets.token_urlsafe(32)
        self.prefix = secrets.token_hex(PREFIX_BYTES)
        self.digest = _digest(secret)
        return secret

    def _save_account(self) -> None:
        """The account the key acts through: a member of its federation, read-only (领导) or a
        liaison (write); never able to log in to the site."""
        if not self.prefix:
            self.new_secret()
        user = self.user if self.user_id else get_user_model()(username=f"api-{self.prefix}")
        user.first_name = f"API：{self.name}"[:150]
        user.is_active = self.is_active
        user.is_staff = False
        user.set_unusable_password()
        user.save()
        self.user = user
        role = roles.LIAISON if self.can_write else roles.VIEWER
        user.groups.set([Group.objects.get_or_create(name=role)[0]])
        user.bodies.set([self.federation_id])


class Deletion(models.Model):
    """A tombstone: which row of the plan was deleted, when, and in whose plan."""

    class Kind(models.TextChoices):
        SOURCE = "source", _("source")
        AREA = "area", _("reform area")
        BODY = "body", _("responsible body")
        MEASURE = "measure", _("measure")
        REPORT = "report", _("progress report")
        EXTENSION_REQUEST = "extension_request", _("extension request")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    object_id = models.BigIntegerField(_("id"))
    # a plain id: the federation may be gone too; None for a body (the tree is everyone's)
    federation_id = models.BigIntegerField(_("federation"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), db_index=True)

    class Meta:
        verbose_name = _("deletion")
        verbose_name_plural = _("deletions")
        ordering = ["deleted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


def _plan_of(instance: models.Model) -> int | None:
    if isinstance(instance, ResponsibleBody):
        return None
    if hasattr(instance, "federation_id"):
        return instance.federation_id
    if "measure" in instance._state.fields_cache:
        return instance.measure.federation_id
    return (
        Measure.objects.filter(pk=instance.measure_id)
        .values_list("federation_id", flat=True)
        .first()
    )


DELETION_KINDS = {
    Source: Deletion.Kind.SOURCE,
    ReformArea: Deletion.Kind.AREA,
    ResponsibleBody: Deletion.Kind.BODY,
    Measure: Deletion.Kind.MEASURE,
    ProgressReport: Deletion.Kind.REPORT,
    ExtensionRequest: Deletion.Kind.EXTENSION_REQUEST,
}


def _record_deletion(sender: type, instance: models.Model, **kwargs: object) -> None:
    Deletion.objects.create(
        kind=DELETION_KINDS[sender],
        object_id=instance.pk,
        federation_id=_plan_of(instance),
        deleted_at=clock.now(),
    )


def _touch_measure(sender: type, instance: Milestone, **kwargs: object) -> None:
    Measure.objects.filter(pk=instance.measure_id).update(updated_at=clock.now())


def _touch_report(sender: type, instance: Attachment, **kwargs: object) -> None:
    ProgressReport.objects.filter(pk=instance.report_id).update(updated_at=clock.now())


def _touch_cooperating(sender: type, instance: object, action: str, **kwargs: object) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Measure):
        Measure.objects.filter(pk=instance.pk).update(updated_at=clock.now())


for _model in DELETION_KINDS:
    post_delete.connect(_record_deletion, sender=_model, dispatch_uid=f"deletion.{_model.__name__}")
for _event, _signal in (("saved", post_save), ("deleted", post_delete)):
    _signal.connect(_touch_measure, sender=Milestone, dispatch_uid=f"touch.milestone.{_event}")
    _signal.connect(_touch_report, sender=Attachment, dispatch_uid=f"touch.attachment.{_event}")
m2m_changed.connect(
    _touch_cooperating,
    sender=Measure.cooperating_bodies.through,
    dispatch_uid="touch.cooperating",
)
