"""Accounts in the admin: users named by their full names, groups and permissions in the
reader's language.

Django stores a permission's name in English when it creates it ("Can add log entry") and shows
it as stored; here each is worded from its action and its model's translated name instead. The
people lists say 是/否 in words where Django draws an icon whose text is English.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tasks import permissions
from tasks.models import ApiKey, Profile, ResponsibleBody
from tasks.models.versioning import person

User = get_user_model()

ACTIONS = {
    "add": _("Can add %(thing)s"),
    "change": _("Can change %(thing)s"),
    "delete": _("Can delete %(thing)s"),
    "view": _("Can view %(thing)s"),
}


def permission_label(permission: Permission) -> str:
    """应用 | 对象 | 可以新增对象: a permission as a reader of the site's language reads it."""
    model = permission.content_type.model_class()
    if model is None:  # a model that no longer exists
        return permission.name
    tracked = getattr(model, "instance_type", None)  # a history table keeps another model's
    if tracked is not None:
        thing = gettext("history of %(thing)s") % {"thing": _model_name(tracked)}
    else:
        thing = _model_name(model)
    action, _sep, _rest = permission.codename.partition("_")
    wording = ACTIONS.get(action)
    named = wording % {"thing": thing} if wording else permission.name
    return f"{model._meta.app_config.verbose_name} | {thing} | {named}"


def _model_name(model: type) -> str:
    """A model's name; for the table behind a many-to-many field, the field's."""
    owner = model._meta.auto_created
    if owner:
        for field in owner._meta.many_to_many:
            if field.remote_field.through is model:
                return gettext("%(model)s: %(field)s") % {
                    "model": owner._meta.verbose_name,
                    "field": field.verbose_name,
                }
    return str(model._meta.verbose_name)


class PermissionChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class TranslatedPermissions:
    """The permission pickers of a group or a user, worded in the reader's language."""

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name in {"permissions", "user_permissions"}:
            kwargs["form_class"] = PermissionChoices
            kwargs.setdefault("queryset", Permission.objects.select_related("content_type"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


admin.site.unregister(User)
admin.site.unregister(Group)


class ProfileInline(admin.StackedInline):
    """How the person is reached: a phone for the office, which notices come by e-mail."""

    model = Profile
    can_delete = False
    fields = ["phone"]
    verbose_name_plural = _("contact")


@admin.register(User)
class UserAdmin(TranslatedPermissions, DjangoUserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "full_name", "email", "staff", "active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering = ["first_name", "username"]

    # Read only (the reform office looks people up), yes and no in words: Django draws an
    # icon whose text is English.
    SHOWN_AS_WORDS = {"is_active": "active", "is_staff": "staff", "is_superuser": "superuser"}

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [
            (
                name,
                {**options, "fields": [self.SHOWN_AS_WORDS.get(f, f) for f in options["fields"]]},
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list:
        shown = super().get_readonly_fields(request, obj)
        return [*shown, *self.SHOWN_AS_WORDS.values()]

    @admin.display(description=_("superuser status"), ordering="is_superuser")
    def superuser(self, user: Any) -> str:
        return _yes_no(user.is_superuser)

    @admin.display(description=_("name"), ordering="first_name")
    def full_name(self, user: Any) -> str:
        return person(user)

    @admin.display(description=_("works in the admin"), ordering="is_staff")
    def staff(self, user: Any) -> str:
        return _yes_no(user.is_staff)

    @admin.display(description=_("active"), ordering="is_active")
    def active(self, user: Any) -> str:
        return _yes_no(user.is_active)


@admin.register(Group)
class GroupAdmin(TranslatedPermissions, DjangoGroupAdmin):
    pass


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """接口密钥: made and withdrawn by the system administrator. The key is shown once, when
    it is made (or renewed); only its digest is kept."""

    list_display = [
        "name",
        "federation",
        "writes",
        "active",
        "prefix",
        "created_at",
        "last_used_at",
    ]
    list_filter = ["can_write", "is_active"]
    search_fields = ["name", "prefix"]
    fields = [
        "name",
        "federation",
        "can_write",
        "is_active",
        "prefix",
        "created_at",
        "last_used_at",
    ]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    actions = ["renew"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_manage_users(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_manage_users(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "federation":
            kwargs["queryset"] = ResponsibleBody.objects.filter(
                pk__in=ResponsibleBody.objects.tree().federations
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        secret = None if change else obj.new_secret()
        super().save_model(request, obj, form, change)
        if secret:
            self._show_once(request, obj, secret)

    def delete_model(self, request: HttpRequest, obj: ApiKey) -> None:
        """A deleted key's account stays (the history names it) but can no longer act."""
        user = obj.user
        super().delete_model(request, obj)
        user.is_active = False
        user.save(update_fields=["is_active"])

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for key in queryset:
            self.delete_model(request, key)

    @admin.action(description=_("Renew the selected keys (the old keys stop working)"))
    def renew(self, request: HttpRequest, queryset: Any) -> None:
        for key in queryset:
            secret = key.new_secret()
            key.save()
            self._show_once(request, key, secret)

    def _show_once(self, request: HttpRequest, key: ApiKey, secret: str) -> None:
        self.message_user(
            request,
            gettext("The key of “%(name)s”, shown this once — copy it now: %(key)s")
            % {"name": key.name, "key": f"{key.prefix}.{secret}"},
            messages.WARNING,
        )

    @admin.display(description=_("may write"), ordering="can_write")
    def writes(self, key: ApiKey) -> str:
        return _yes_no(key.can_write)

    @admin.display(description=_("active"), ordering="is_active")
    def active(self, key: ApiKey) -> str:
        return _yes_no(key.is_active)
