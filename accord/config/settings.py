"""One settings module, driven by the environment.

ACCORD_HOME     where the embedded database, secret key and outgoing mail live
                (default ./accord-data).
DATABASE_URL    e.g. postgres://user@127.0.0.1:5432/accord; unset = SQLite in ACCORD_HOME.
ACCORD_DEBUG    "1" for development.
ACCORD_ALLOWED_HOSTS   comma-separated; default localhost only.
ACCORD_EMAIL_URL       "console", "memory", "file" (default: ACCORD_HOME/sent-mail) or "smtp://host:port".
ACCORD_CURRENCY        the currency of a new compensation policy when none is given (default EUR).
ACCORD_DASHBOARD_FRESH_SECONDS  how old the dashboard page's figures may be (default 300).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
ACCORD_HOME = Path(os.environ.get("ACCORD_HOME", "accord-data")).resolve()
ACCORD_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("ACCORD_SECRET_KEY"):
        return key
    # Generated once per installation so sessions survive restarts without a
    # secret ever living in the repository.
    path = ACCORD_HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("ACCORD_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("ACCORD_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "django_countries",
    "django_tasks_db",
    "accord.core",
    "accord.people",
    "accord.campaigns",
    "accord.definitions",
    "accord.crm",
    "accord.routing",
    "accord.notifications",
    "accord.reports",
    "accord.imports",
    "accord.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "accord.config.urls"
WSGI_APPLICATION = "accord.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accord.web.context_processors.navigation",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=600, conn_health_checks=True)
    }
    DATABASES["default"].setdefault("TEST", {})
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ACCORD_HOME / "accord.sqlite3",
            "OPTIONS": {
                # WAL lets readers proceed while one writer commits; IMMEDIATE takes the
                # write lock at BEGIN, so two racing writers queue (up to the timeout)
                # instead of failing half-way with "database is locked".
                # mmap_size: pages read through a memory map of the file instead of one
                # read() call each into a 2 MB cache — what reports reading hundreds of
                # thousands of rows by key over a large history spend most on (attribution
                # journeys, wins feed: about a third of their CPU). It is address space, not
                # memory; SQLite caps it at its compile-time maximum (2 GB by default).
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    f" PRAGMA mmap_size={int(os.environ.get('ACCORD_SQLITE_MMAP_BYTES', 2**31))};"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not :memory:, so tests can use several threads (connections).
            "TEST": {"NAME": str(ACCORD_HOME / "test-accord.sqlite3")},
            # Reuse connections: opening one (and its PRAGMAs) cost as much as a request.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = ACCORD_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # collectstatic is optional; whitenoise warns if it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Static files are served straight from the installed packages: no collectstatic step
# is needed to run the demo or the tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ACCORD_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

_email = os.environ.get("ACCORD_EMAIL_URL", "file")
if _email == "console":
    _mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
elif _email == "memory":
    _mailer = {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
elif _email.startswith("smtp://"):
    _host, _, _port = _email.removeprefix("smtp://").partition(":")
    _mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": _host, "port": int(_port or 25)},
    }
else:
    _mailer = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(ACCORD_HOME / "sent-mail")},
    }
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = os.environ.get("ACCORD_FROM_EMAIL", "accord@localhost")
ACCORD_CURRENCY = os.environ.get("ACCORD_CURRENCY", "EUR").upper()
# The dashboard page shows figures computed at most this many seconds ago (older ones are
# shown while the worker computes them again); the API and command line compute them live.
ACCORD_DASHBOARD_FRESH_SECONDS = int(os.environ.get("ACCORD_DASHBOARD_FRESH_SECONDS", "300"))
# Shared by the web processes and the worker of one machine: the dashboard's snapshots.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(ACCORD_HOME / "cache"),
    }
}

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ACCORD_LOG_LEVEL", "WARNING")},
}
