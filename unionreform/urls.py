from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tasks.views.common import favicon

# Logging in and out, and changing one's own password. No password reset by e-mail: accounts
# are given out and their passwords reset by the system administrator in the admin (an
# intranet may have no mail server, and a mailbox someone else reads would be a way into the
# account). docs/DEPLOY.md, "Accounts and passwords".
accounts = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("accounts/", include(accounts)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tasks.api.urls")),
    path("favicon.ico", favicon),
    path("", include("tasks.urls")),
]

# The site's error pages, in the user's language (tasks/views/common.py); the 400 handler
# answers 413 for a request too large. 500: Django's own handler, which renders
# templates/500.html without the database or a logged-in user.
handler400 = "tasks.views.common.bad_request"
handler403 = "tasks.views.common.permission_denied"
handler404 = "tasks.views.common.page_not_found"
