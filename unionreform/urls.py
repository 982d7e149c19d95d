from django.contrib import admin
from django.urls import include, path

from tasks.views.common import favicon

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path("", include("tasks.urls")),
]

handler403 = "tasks.views.common.permission_denied"
