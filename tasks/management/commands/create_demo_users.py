"""python manage.py create_demo_users — one demo account per role (DEBUG only)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks import roles
from tasks.management.base import TranslatedCommand
from tasks.models import ResponsibleBody

# Demo-only credentials, documented in the README. Never created with DEBUG off.
DEMO_PASSWORD = "gonghui2026"
DEMO_ACCOUNTS = [
    # username, display name, role, superuser, staff. Only the accounts whose work is done in
    # the admin are staff: the liaison and the viewer work in the app's pages alone.
    ("admin", "系统管理员（演示）", roles.ADMIN, True, True),
    ("gaigeban", "改革办（演示）", roles.COORDINATOR, False, True),
    ("lianluoyuan", "责任单位联络员（演示）", roles.LIAISON, False, False),
    ("lingdao", "领导（演示）", roles.VIEWER, False, False),
]


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Create one demo account per role (only with DEBUG on). Existing accounts are kept."
    )

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError(
                _(
                    "Demo accounts are only created with DJANGO_DEBUG=1; on a server, create real "
                    "accounts with createsuperuser and the admin."
                )
            )
        User = get_user_model()
        # The liaison acts for the body that leads most measures, so that it has reports to
        # file. Right after import_seeds no body leads any: create_demo_plan gives it its body.
        body = (
            ResponsibleBody.objects.annotate(n=Count("led_measures"))
            .filter(n__gt=0)
            .order_by("-n", "name")
            .first()
        )
        for username, name, role, superuser, staff in DEMO_ACCOUNTS:
            if User.objects.filter(username=username).exists():
                self.stdout.write(
                    _("  = %(username)s already exists, left as it is") % {"username": username}
                )
                continue
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=name,
                is_staff=staff,
                is_superuser=superuser,
            )
            user.groups.add(Group.objects.get(name=role))
            self.stdout.write(
                _("  + %(username)s (%(role)s), password %(password)s")
                % {"username": username, "role": role, "password": DEMO_PASSWORD}
            )
            if role == roles.LIAISON:
                if body is not None:
                    body.members.add(user)
                    self.stdout.write(
                        _("    %(username)s acts for %(body)s")
                        % {"username": username, "body": body}
                    )
                else:
                    self.stdout.write(
                        _(
                            "    %(username)s acts for no body yet: no body leads a measure "
                            "(create_demo_plan gives it one)"
                        )
                        % {"username": username}
                    )
