"""python manage.py grant_role USER ROLE [--body NAME …] [--revoke] — give or take a role."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks import roles
from tasks.management.base import TranslatedCommand
from tasks.models import ResponsibleBody

ALIASES = {
    "admin": roles.ADMIN,
    "coordinator": roles.COORDINATOR,
    "liaison": roles.LIAISON,
    "viewer": roles.VIEWER,
}


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Give a user a role (系统管理员, 改革办, 责任单位联络员, 领导 — or admin, coordinator, "
        "liaison, viewer), and for a liaison the bodies it acts for; --revoke takes them away."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role")
        parser.add_argument(
            "--body",
            action="append",
            default=[],
            metavar="NAME",
            help=_("A responsible body the liaison acts for (repeat for several)."),
        )
        parser.add_argument("--revoke", action="store_true", help=_("Take the role away."))

    @transaction.atomic
    def handle(
        self,
        *args: object,
        username: str,
        role: str,
        body: list[str],
        revoke: bool,
        **options: object,
    ) -> None:
        group_name = ALIASES.get(role.lower(), role)
        if group_name not in roles.ALL:
            raise CommandError(
                _("Unknown role “%(role)s”. Use one of: %(roles)s.")
                % {
                    "role": role,
                    "roles": "、".join(roles.ALL) + " (admin, coordinator, liaison, viewer)",
                }
            )
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(
                _(
                    "There is no user “%(username)s”. Create the account first (in the admin, or "
                    "with python manage.py createsuperuser)."
                )
                % {"username": username}
            ) from None
        bodies = list(ResponsibleBody.objects.filter(name__in=body))
        missing = sorted(set(body) - {b.name for b in bodies})
        if missing:
            raise CommandError(
                _(
                    "No responsible body is named %(names)s. Check the spelling in the admin "
                    "(责任单位)."
                )
                % {"names": "、".join(missing)}
            )
        if group_name == roles.LIAISON and not revoke and not bodies and not user.bodies.exists():
            raise CommandError(
                _("A liaison acts for a body: name it with --body (for example --body 市总工会).")
            )
        group = Group.objects.get(name=group_name)
        if revoke:
            user.groups.remove(group)
            for item in bodies:
                item.members.remove(user)
            self.stdout.write(
                _("%(username)s no longer has the role %(role)s.")
                % {"username": username, "role": group_name}
            )
            return
        user.groups.add(group)
        for item in bodies:
            item.members.add(user)
        if not user.is_staff:
            user.is_staff = True  # the admin is part of every role's work
            user.save(update_fields=["is_staff"])
        acting = "、".join(user.bodies.order_by("name").values_list("name", flat=True)) or "—"
        self.stdout.write(
            self.style.SUCCESS(
                _("%(username)s now has the role %(role)s; acts for: %(bodies)s.")
                % {"username": username, "role": group_name, "bodies": acting}
            )
        )
