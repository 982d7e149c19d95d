"""Every model of the app, re-exported: `from tasks.models import Measure`.

- `versioning`: Versioned (rows that count their saves), StaleEdit, the conflict message;
- `plan`: Source, ReformArea, ResponsibleBody, Measure (with its QuerySet), Milestone;
- `reporting`: ProgressReport, Contribution, Attachment, ExtensionRequest, ReminderLog;
- `notifying`: Notice, Delivery, Chase, Profile;
- `api`: ApiKey (a system calling the API), Deletion (what the API's sync reports deleted).
"""

from tasks.models.api import ApiKey, Deletion
from tasks.models.notifying import Chase, Delivery, Notice, Profile
from tasks.models.plan import (
    CLOSED_STATUSES,
    Light,
    Measure,
    MeasureQuerySet,
    Milestone,
    ReformArea,
    ResponsibleBody,
    Source,
)
from tasks.models.reporting import (
    Attachment,
    Contribution,
    ExtensionRequest,
    ProgressReport,
    ReminderLog,
    attachment_path,
)
from tasks.models.versioning import StaleEdit, Versioned

__all__ = [
    "CLOSED_STATUSES",
    "ApiKey",
    "Attachment",
    "Chase",
    "Contribution",
    "Deletion",
    "Delivery",
    "ExtensionRequest",
    "Light",
    "Measure",
    "MeasureQuerySet",
    "Milestone",
    "Notice",
    "ProgressReport",
    "Profile",
    "ReformArea",
    "ReminderLog",
    "ResponsibleBody",
    "Source",
    "StaleEdit",
    "Versioned",
    "attachment_path",
]
