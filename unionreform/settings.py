"""Settings for the union reform task tracker.

Everything that differs between a laptop and a server comes from ``DJANGO_*`` environment
variables (and ``DATABASE_URL``); the defaults are safe for development only. The README has
the full table.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from unionreform.env import cache_from, env_addresses, env_bool, env_int, env_list, storage_from

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG=0 there is no default key: "
            "set DJANGO_SECRET_KEY to a long random string (python -c "
            '"import secrets; print(secrets.token_urlsafe(50))").'
        )
    SECRET_KEY = "development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "unionreform.apps.AdminConfig",  # django.contrib.admin with the project's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by the app (no CDN)
    "simple_history",
    "unionreform.apps.AxesConfig",  # django-axes, named in Chinese in the admin
    "tasks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # a cookie holding NUL or bytes that are not UTF-8 is dropped before the session reads it
    "unionreform.middleware.UnreadableCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # unionreform/middleware.py: nothing shown to a logged-in user is kept in the browser's
    # cache; input with NUL or bytes that are not UTF-8, or too large, is refused before any
    # view reads it; a change that met someone else's on the same rows answers 409
    "unionreform.middleware.NoStoreMiddleware",
    "unionreform.middleware.ReadableInputMiddleware",
    "unionreform.middleware.ConflictMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "unionreform.urls"
WSGI_APPLICATION = "unionreform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite next to the code unless DATABASE_URL names another database
# (sqlite:///path/to/file.sqlite3 or postgres://user:password@host:5432/name).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction begins, so two writers queue instead of one
    # failing halfway (SQLite has one writer at a time).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No just-in-time compilation: it pays off for long analytical queries, not for a screen's
    # short ones, which the planner's large estimates for the period table's subqueries pushed
    # into compiling for half a second each time. Options given in the URL (?options=-c …) are
    # kept, and so is a jit setting among them.
    connection_options = DATABASES["default"].setdefault("OPTIONS", {})
    if "jit=" not in connection_options.get("options", ""):
        given = connection_options.get("options", "")
        connection_options["options"] = f"{given} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while an account or address is locked
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins are throttled per account and per address, each with its own limit
# (unionreform/throttling.py): 5 failures for a username, from anywhere, pause that username;
# 50 from one address, over all usernames, pause that address (one office behind one NAT
# address mistyping now and then is not paused); for 15 minutes. A success forgives the
# account's own failures.
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
TASKS_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "unionreform.throttling.AccountAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tasks.views.common.locked_out"
AXES_CLIENT_IP_CALLABLE = "unionreform.middleware.client_address"
AXES_VERBOSE = False
# Behind a reverse proxy (DJANGO_SECURE_PROXY_SSL_HEADER=1) the client's address is read from
# X-Forwarded-For, and only on a connection from one of these proxies (addresses or networks;
# gunicorn.conf.py gives gunicorn the same list unless FORWARDED_ALLOW_IPS is set, and this
# list is FORWARDED_ALLOW_IPS unless DJANGO_TRUSTED_PROXIES is set). Otherwise the
# connection's own address counts, whatever the headers say.
TASKS_TRUSTED_PROXIES = (
    env_addresses("DJANGO_TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS", default="127.0.0.1,::1")
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False)
    else []
)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tasks:after_login"  # a liaison lands on its 待办, others on the dashboard
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 8 * 60 * 60)

# A request larger than this is refused with 413 before it is read (nginx's
# client_max_body_size in docs/DEPLOY.md is the same 50 MB); form text alone (the files of a
# multipart form aside) at most Django's DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB.
TASKS_REQUEST_MAX_BYTES = env_int("DJANGO_REQUEST_MAX_BYTES", 50 * 1024 * 1024)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (report attachments) go through Django's storage API: the local disk
# (DJANGO_MEDIA_ROOT) by default; DJANGO_STORAGE=s3 puts them in an S3-compatible object store
# (a 政务云's OSS, Ceph, MinIO), which several app servers share (docs/DEPLOY.md).
STORAGES = {
    "default": storage_from(os.environ),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# WhiteNoise serves static files from the app itself (no CDN: intranets may have no internet).
# In development it reads them straight from the source folders; in production from
# STATIC_ROOT after `manage.py collectstatic`.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

# The cache (the dashboard's figures, the API's rate limits): this process's memory unless
# DJANGO_CACHE_URL names a Redis or Valkey server (redis://host:6379/0), which several app
# servers must share (docs/DEPLOY.md).
CACHES = {"default": cache_from(os.environ)}

# Mail: the console in development, SMTP (configured by environment) otherwise.
EMAIL_BACKEND_PATH = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": env_int("DJANGO_EMAIL_PORT", 25),
        "username": os.environ.get("DJANGO_EMAIL_HOST_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# HTTPS hardening is on whenever DEBUG is off; a deployment behind a TLS-terminating proxy
# keeps it and sets DJANGO_SECURE_PROXY_SSL_HEADER=1.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preloading is a promise, for the whole domain and every subdomain, to be served over HTTPS
# only, kept in browsers for months after it is withdrawn: opt in with
# DJANGO_SECURE_HSTS_PRELOAD=1. While it is off, check --deploy's reminder of it is silenced.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: everything from this server, no inline script, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# History is shown to every role; restoring an old version would bypass the field rules.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Everything to stderr (journald). A refused request (400, 403, 404, 409, 413) is one line
# (logger tasks.access: who, what, why), and Django's own lines for the other 4xx are made one
# line too (RefusalLogFilter: no traceback); a server error (500) keeps its traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "unionreform.middleware.RefusalLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refusals"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # through the root's handler only (Django's default sends them to its own as well)
        "django": {"handlers": [], "level": "INFO"},
        "axes": {"level": "WARNING"},
        "tasks.access": {"level": "INFO"},
    },
}

# The traffic light (红黄绿灯): yellow when due within this many days; red when progress lags
# the share of time elapsed by more than this many percentage points.
TASKS_DUE_SOON_DAYS = env_int("DJANGO_DUE_SOON_DAYS", 14)
# The federation a new install's plan belongs to, made when the tree has no 工会 at its root
# (DESIGN §7); with a tree, its root 工会 is chosen instead.
TASKS_ROOT_FEDERATION = os.environ.get("DJANGO_ROOT_FEDERATION", "总工会")
TASKS_BEHIND_MARGIN = env_int("DJANGO_BEHIND_MARGIN", 25)
TASKS_PAGE_SIZE = env_int("DJANGO_PAGE_SIZE", 50)
# The dashboard's plan-wide figures are kept this long at most (any change to a measure made
# through the app refreshes them at once).
TASKS_DASHBOARD_CACHE_SECONDS = env_int("DJANGO_DASHBOARD_CACHE_SECONDS", 60)

# The reporting cycle: monthly or quarterly reports, due on this day of the following month.
TASKS_REPORT_PERIOD = os.environ.get("DJANGO_REPORT_PERIOD", "month")
if TASKS_REPORT_PERIOD not in {"month", "quarter"}:
    raise ImproperlyConfigured("DJANGO_REPORT_PERIOD must be month or quarter.")
TASKS_REPORT_DEADLINE_DAY = env_int("DJANGO_REPORT_DEADLINE_DAY", 5)
# The site's address, for links in reminder e-mails (https://tasks.example.org).
TASKS_SITE_URL = os.environ.get("DJANGO_SITE_URL", "")
# Notices go out after the change commits, in a thread of their own ("thread") so that no
# request waits for a mail server or a group robot; "inline" sends them in the committing
# request (the tests do, to see them sent).
TASKS_NOTICE_DELIVERY = os.environ.get("DJANGO_NOTICE_DELIVERY", "thread")
if TASKS_NOTICE_DELIVERY not in {"thread", "inline"}:
    raise ImproperlyConfigured("DJANGO_NOTICE_DELIVERY must be thread or inline.")
# Report attachments: at most this many bytes each, of these kinds.
TASKS_ATTACHMENT_MAX_BYTES = env_int("DJANGO_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
TASKS_ATTACHMENT_EXTENSIONS = env_list(
    "DJANGO_ATTACHMENT_EXTENSIONS", "pdf,doc,docx,xls,xlsx,wps,et,jpg,jpeg,png,txt,zip"
)
# Policy documents uploaded for import (/import/, import_document): at most this many bytes.
TASKS_DOCUMENT_MAX_BYTES = env_int("DJANGO_DOCUMENT_MAX_BYTES", 5 * 1024 * 1024)

# Where `manage.py import_seeds` reads the seed documents from.
SEEDS_DIR = Path(os.environ.get("DJANGO_SEEDS_DIR", BASE_DIR / "seeds"))

# The JSON API (/api/v1/, tasks/api/, README "The API"): keys or the site's session (with its
# CSRF check), the task book's own filters, pages by cursor, errors as JSON with a stable code.
# Each key (or signed-in user) may make DJANGO_API_RATE calls (number/second|minute|hour|day).
TASKS_API_RATE = os.environ.get("DJANGO_API_RATE", "600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tasks.api.access.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tasks.api.access.CanView"],
    "DEFAULT_THROTTLE_CLASSES": ["tasks.api.access.PerClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": TASKS_API_RATE},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "tasks.api.paging.SyncCursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tasks.api.errors.handle",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "工会改革任务台账 API",
    "DESCRIPTION": (
        "读取改革方案、举措及其进展，提交进展报告和延期申请。"
        "Send a key as `Authorization: Api-Key <key>`; the README explains keys and scopes."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["tasks.api.access.CanView"],  # the schema for callers only
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tasks.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MeasureStatusEnum": "tasks.models.plan.Measure.Status",
        "ReviewStateEnum": "tasks.models.reporting.ProgressReport.ReviewState",
        "ExtensionStateEnum": "tasks.models.reporting.ExtensionRequest.State",
    },
}
