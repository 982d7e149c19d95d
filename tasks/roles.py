"""The four roles of DESIGN §2, as Django groups named exactly so."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

ADMIN = "系统管理员"
COORDINATOR = "改革办"
LIAISON = "责任单位联络员"
VIEWER = "领导"

DESCRIPTIONS = {
    ADMIN: _("IT staff: everything, in Django admin too."),
    COORDINATOR: _("Reform office: plans areas and measures, assigns them, reviews every report."),
    LIAISON: _("Body liaison: sees everything; updates and reports on its own body's measures."),
    VIEWER: _("Leader: reads the dashboard, task book, reports and exports."),
}

ALL = (ADMIN, COORDINATOR, LIAISON, VIEWER)


def people(role: str) -> QuerySet:
    """The active people in a role: told, reminded and chased. The accounts API keys act
    through (`tasks.models.api`) hold a role to be asked the same questions, but nobody reads
    their notices."""
    return get_user_model().objects.filter(is_active=True, groups__name=role, api_key__isnull=True)
