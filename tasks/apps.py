from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Reform task book")

    def ready(self) -> None:
        from django.db.models import fields

        from tasks import vocabulary  # noqa: F401 — the libraries' words, in our catalogue
        from tasks.models.plan import assigned
        from tasks.notifying.events import on_assigned

        assigned.connect(on_assigned, dispatch_uid="tasks.notifying.assigned")

        # The empty choice of a select (Django 6.1's new wording, not yet in its Chinese
        # catalogue): the same message id, so that the selects made before this ran read it
        # from ours too.
        fields.BLANK_CHOICE_LABEL = _("- Select an option -")
