"""python manage.py create_demo_users — one demo account per role (DEBUG only)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from tasks import roles
from tasks.models import ResponsibleBody

# Demo-only credentials, documented in the README. Never created with DEBUG off.
DEMO_PASSWORD = "gonghui2026"
DEMO_ACCOUNTS = [
    # username, display name, role, superuser
    ("admin", "系统管理员（演示）", roles.ADMIN, True),
    ("gaigeban", "改革办（演示）", roles.COORDINATOR, False),
    ("lianluoyuan", "责任单位联络员（演示）", roles.LIAISON, False),
    ("lingdao", "领导（演示）", roles.VIEWER, False),
]


class Command(BaseCommand):
    help = _("Create one demo account per role (only with DEBUG on). Existing accounts are kept.")

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
        # The liaison acts for the body named in most measures.
        body = (
            ResponsibleBody.objects.annotate(
                n=Count("cooperating_measures", distinct=True)
                + Count("led_measures", distinct=True)
            )
            .order_by("-n", "name")
            .first()
        )
        for username, name, role, superuser in DEMO_ACCOUNTS:
            if User.objects.filter(username=username).exists():
                self.stdout.write(
                    _("  = %(username)s already exists, left as it is") % {"username": username}
                )
                continue
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=name,
                is_staff=True,
                is_superuser=superuser,
            )
            user.groups.add(Group.objects.get(name=role))
            if role == roles.LIAISON and body is not None:
                body.members.add(user)
            self.stdout.write(
                _("  + %(username)s (%(role)s), password %(password)s")
                % {"username": username, "role": role, "password": DEMO_PASSWORD}
            )
