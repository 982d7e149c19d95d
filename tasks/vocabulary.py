"""Words the site shows that come from its libraries without a Chinese translation.

django-axes (the login protection) has no Chinese catalogue, and some of Django 6.1's newest
strings are not in Django's yet. Listed here with the libraries' own message ids, they are
extracted into the project's catalogue (`make messages`), which Django reads before the
libraries' own: the admin's 登录保护 section, its columns and filters are then Chinese too.
Nothing here is called; `tasks.apps` imports the module so that it is part of the app.
"""

from django.utils.translation import gettext_noop as _
from django.utils.translation import ngettext_lazy

DJANGO = [
    _("- Select an option -"),
    # Django's own wording ("确保该变量包含不超过…") reads like a programmer's: said plainly
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    _("Search"),
    _("Filter by %(field_name)s"),
]

AXES = [
    _("access attempt"),
    _("access attempts"),
    _("Access Attempt"),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("access failure"),
    _("access failures"),
    _("access log"),
    _("access logs"),
    _("Access lock out"),
    _("Attempt Remaining"),
    _("Attempt Time"),
    _("Clean up expired attempts"),
    _("Expires At"),
    _("Failed Logins"),
    _("Form Data"),
    _("GET Data"),
    _("HTTP Accept"),
    _("IP Address"),
    _("Locked Out"),
    _("Logout Time"),
    _("Meta Data"),
    _("Not set"),
    _("Path"),
    _("POST Data"),
    _("Session key hash (sha256)"),
    _("The time when access attempt expires and is no longer valid."),
    _("User Agent"),
    _("Username"),
]
