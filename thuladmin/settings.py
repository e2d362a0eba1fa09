"""Settings for thuladmin, read from the environment (and an optional `.env` file).

Every setting is documented in `.env.example`. The defaults give the embedded set-up a new user
tries first: SQLite, a local-memory cache and the built-in Thulium sandbox.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# `.env` holds local settings (`make run` writes one); ENV_FILE="" skips it (the tests do).
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE:
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or in .env) before starting with "
            "DEBUG off; `make run` writes a random one into .env for local use."
        )
    SECRET_KEY = "insecure-development-only-key"  # noqa: S105 - only ever used with DEBUG on

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "thuladmin.accounts",
    "thuladmin.audit",
    "thuladmin.sandbox",
    "campaigns",
    "customers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "thuladmin.urls"
WSGI_APPLICATION = "thuladmin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "thuladmin.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and db_workers share one SQLite file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://thuladmin")}

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "campaigns:index"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Warsaw")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

# --- Thulium -----------------------------------------------------------------------------------
# With no THULIUM_URL the built-in sandbox (served by this process under /sandbox/api/) stands in
# for Thulium. Production must set THULIUM_URL; the sandbox is never turned on silently there.
THULIUM_URL = env.str("THULIUM_URL", default="")
THULIUM_USER = env.str("THULIUM_USER", default="sandbox" if not THULIUM_URL else "")
THULIUM_PASSWORD = env.str("THULIUM_PASSWORD", default="sandbox" if not THULIUM_URL else "")
THULIUM_CONNECT_TIMEOUT = env.float("THULIUM_CONNECT_TIMEOUT", default=5.0)
THULIUM_READ_TIMEOUT = env.float("THULIUM_READ_TIMEOUT", default=30.0)
THULIUM_CA_BUNDLE = env.str("THULIUM_CA_BUNDLE", default="")
THULIUM_MAX_RETRIES = env.int("THULIUM_MAX_RETRIES", default=4)
THULIUM_RETRY_BUDGET_SECONDS = env.float("THULIUM_RETRY_BUDGET_SECONDS", default=60.0)
THULIUM_BACKOFF_SECONDS = env.float("THULIUM_BACKOFF_SECONDS", default=0.5)
THULIUM_POOL_SIZE = env.int("THULIUM_POOL_SIZE", default=8)
THULIUM_STATUSES_CACHE_SECONDS = env.int("THULIUM_STATUSES_CACHE_SECONDS", default=60)

SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=not THULIUM_URL)
if SANDBOX_ENABLED and not DEBUG and "SANDBOX_ENABLED" not in env.ENVIRON:
    raise ImproperlyConfigured(
        "No THULIUM_URL is set, so the built-in sandbox would stand in for Thulium, but DEBUG is "
        "off. Set THULIUM_URL (and THULIUM_USER, THULIUM_PASSWORD) for a real Thulium, or set "
        "SANDBOX_ENABLED=true to run the sandbox on purpose."
    )
# Where the client finds the sandbox: this very process, so the port must match the server's.
SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8000/sandbox/api/")
# Fault injection, for demos, tests and benchmarks (see thuladmin/sandbox/faults.py).
SANDBOX_LATENCY_MS = env.int("SANDBOX_LATENCY_MS", default=0)
SANDBOX_ERROR_RATE = env.float("SANDBOX_ERROR_RATE", default=0.0)
SANDBOX_RATE_LIMIT_RATE = env.float("SANDBOX_RATE_LIMIT_RATE", default=0.0)
SANDBOX_RETRY_AFTER_SECONDS = env.int("SANDBOX_RETRY_AFTER_SECONDS", default=1)
SANDBOX_SLOW_RATE = env.float("SANDBOX_SLOW_RATE", default=0.0)
SANDBOX_SLOW_MS = env.int("SANDBOX_SLOW_MS", default=2000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Password of the demo accounts `manage.py demo_setup` creates (`make run` generates one).
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="")
