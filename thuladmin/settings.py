"""Settings for thuladmin, read from the environment (and an optional `.env` file).

Every setting is documented in `.env.example`. The defaults give the embedded set-up a new user
tries first: SQLite, a local-memory cache and the built-in Thulium sandbox.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
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
    SECRET_KEY = "insecure-development-only-key"

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
    "csp",
    # Before django_tasks_db, on purpose: `manage.py db_worker` is then thuladmin.bulk's, which
    # extends and replaces django-tasks-db's (Django takes a command from the first app that has
    # it). A system check fails if this order is lost (thuladmin/bulk/checks.py).
    "thuladmin.bulk",
    "django_tasks",
    "django_tasks_db",
    "thuladmin.accounts",
    "thuladmin.audit",
    "thuladmin.sandbox",
    "thuladmin.health",
    "campaigns",
    "customers",
]

MIDDLEWARE = [
    # First, so its one log line per request times everything and sees the final status.
    "thuladmin.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A body too large to read gets a page saying so and what to do (not a bare 400).
    "thuladmin.limits.RequestSizeLimitMiddleware",
    "thuladmin.limits.AdminQueryStringMiddleware",
    # Django's LoginRequiredMiddleware, with a whole-page login for htmx requests.
    "thuladmin.accounts.middleware.LoginRequiredMiddleware",
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
                "thuladmin.bulk.attention.attention_mark",
            ],
            # A campaign's label, "00001 · name", for the core's templates and the apps' alike:
            # the core has no template tags of its own (see the module's docstring).
            "libraries": {"campaign_labels": "thuladmin.campaign_labels"},
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if env.str("SANDBOX_DATABASE_URL", default=""):
    DATABASES["sandbox"] = env.db("SANDBOX_DATABASE_URL")
    DATABASE_ROUTERS = ["thuladmin.sandbox.routers.SandboxRouter"]
# How long a SQLite writer waits for the write lock before "database is locked". Every write
# transaction is kept short (bulk drafts are written in batches), so this is a safety margin.
SQLITE_TIMEOUT_SECONDS = env.float("SQLITE_TIMEOUT_SECONDS", default=20.0)
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.sqlite3":
        # WAL (readers never wait for the writer), a busy timeout (a writer waits for the lock),
        # and BEGIN IMMEDIATE for every atomic block (a transaction takes the write lock when it
        # starts, so it waits there rather than failing half-way when it first writes): the
        # web process and the db_workers share one SQLite file.
        _database.setdefault("OPTIONS", {}).update(
            {
                "timeout": SQLITE_TIMEOUT_SECONDS,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests run runners in threads and a live server: an in-memory database with a shared cache
    # would fail them with "table is locked", so the test database is a file too.
    # One file per test process, so parallel runs do not share it.
    DATABASES["default"].setdefault(
        "TEST", {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
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
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- HTTPS and browser protections ----------------------------------------------------------------
# HSTS tells browsers to use HTTPS only; SecurityMiddleware sends it on HTTPS responses only.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Off by default: TLS usually ends at a proxy, which redirects to HTTPS itself.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Load balancers probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a TLS-terminating proxy, the header it sets to "https" (e.g. X-Forwarded-Proto), so
# Django knows the request was secure. Only set it if the proxy always sets or strips it.
_PROXY_SSL_HEADER = env.str("SECURE_PROXY_SSL_HEADER", default="")
if _PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")

# Content Security Policy (django-csp): only this site's own scripts, styles and images. The
# templates have no inline script or style, and htmx (vendored) is configured to need neither
# (see the htmx-config meta tag in base.html). Pico CSS draws its icons with data: SVGs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Login throttling (django-axes) -------------------------------------------------------------
# After AXES_FAILURE_LIMIT failed logins for one username from one address, that pair is locked
# out for AXES_COOLOFF_MINUTES (a friendly page says so); a successful login resets the count.
# Locking the pair, not the address alone, keeps a whole call centre behind one NAT logged in.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as django-axes requires
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before checking it
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15.0) / 60  # a float: hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False
# Behind reverse proxies (a load balancer, nginx) every connection comes from the nearest proxy:
# set how many there are, and the client's address is read from X-Forwarded-For instead.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "thuladmin.accounts.client_ip.client_ip_address"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Warsaw")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where `manage.py collectstatic` gathers static files for whitenoise to serve.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default="") or BASE_DIR / "staticfiles")
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
# With the sandbox standing in for Thulium these are also the credentials it accepts. Only with
# DEBUG on (a local try-out) do they default to sandbox/sandbox; see SANDBOX_ENABLED below.
_LOCAL_SANDBOX_DEFAULT = "sandbox" if DEBUG and not THULIUM_URL else ""
THULIUM_USER = env.str("THULIUM_USER", default=_LOCAL_SANDBOX_DEFAULT)
THULIUM_PASSWORD = env.str("THULIUM_PASSWORD", default=_LOCAL_SANDBOX_DEFAULT)
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
if SANDBOX_ENABLED and not DEBUG and not (THULIUM_USER and THULIUM_PASSWORD):
    # The sandbox answers anyone who reaches this server: a well-known password would let them
    # read and delete its data.
    raise ImproperlyConfigured(
        "The sandbox is switched on with DEBUG off, but THULIUM_USER and THULIUM_PASSWORD are not "
        "both set. Set them (a long random password) in the environment or in .env: the sandbox "
        "accepts only those credentials, and with DEBUG off there is no default."
    )
# Where the client finds the sandbox. By default each process (web or worker) answers it itself,
# in threads of its own, whatever serves it (thuladmin/sandbox/transport.py): only the URL's path
# matters then. SANDBOX_IN_PROCESS=false calls it over HTTP, for a sandbox served on its own.
SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8000/sandbox/api/")
SANDBOX_IN_PROCESS = env.bool("SANDBOX_IN_PROCESS", default=True)
# Fault injection, for demos, tests and benchmarks (see thuladmin/sandbox/faults.py).
SANDBOX_LATENCY_MS = env.int("SANDBOX_LATENCY_MS", default=0)
SANDBOX_ERROR_RATE = env.float("SANDBOX_ERROR_RATE", default=0.0)
SANDBOX_RATE_LIMIT_RATE = env.float("SANDBOX_RATE_LIMIT_RATE", default=0.0)
SANDBOX_RETRY_AFTER_SECONDS = env.int("SANDBOX_RETRY_AFTER_SECONDS", default=1)
SANDBOX_SLOW_RATE = env.float("SANDBOX_SLOW_RATE", default=0.0)
SANDBOX_SLOW_MS = env.int("SANDBOX_SLOW_MS", default=2000)
# Simulated agents' calls a minute, across the sandbox's active campaigns: records change status,
# call date and next call date as in a working campaign (thuladmin/sandbox/calls.py). 0: off.
SANDBOX_CALLS_PER_MINUTE = env.float("SANDBOX_CALLS_PER_MINUTE", default=0.0)
# After this many failed logins to the sandbox API from one client address, that address's wrong
# credentials get 429 for SANDBOX_LOGIN_COOLOFF_MINUTES; the right ones always pass, so a stranger
# cannot lock the dashboard out. Counted in the cache: shared by all workers with Redis.
SANDBOX_LOGIN_FAILURE_LIMIT = env.int("SANDBOX_LOGIN_FAILURE_LIMIT", default=10)
SANDBOX_LOGIN_COOLOFF_MINUTES = env.float("SANDBOX_LOGIN_COOLOFF_MINUTES", default=15.0)

# --- Bulk deletions -----------------------------------------------------------------------------
BULK_MAX_ITEMS = env.int("BULK_MAX_ITEMS", default=100_000)
# Longest request URL sent to Thulium; batch endpoints carry their items in the query string.
BULK_URL_BUDGET_BYTES = env.int("BULK_URL_BUDGET_BYTES", default=7000)
BULK_PARALLEL_REQUESTS = env.int("BULK_PARALLEL_REQUESTS", default=4)
# Requests in flight to Thulium at once, from all bulk jobs on all workers (shared through the
# cache, so across machines with Redis); 0 for no limit. A runner's slots are freed as soon as it
# is declared dead (BULK_RUNNER_STALE_SECONDS), before its chunks are taken over. A slot is also
# a lease renewed by its holder's heartbeat: one held by a caller without a runner (a records
# list, a snapshot sync) in a process that died frees itself after BULK_CONCURRENCY_LEASE_SECONDS.
BULK_MAX_CONCURRENT_REQUESTS = env.int("BULK_MAX_CONCURRENT_REQUESTS", default=4)
BULK_CONCURRENCY_LEASE_SECONDS = env.float("BULK_CONCURRENCY_LEASE_SECONDS", default=30.0)
# Requests to Thulium in any one second (a moving window, not per clock second), from every
# caller: shared across processes and machines with a Redis cache, kept in that Redis; with any
# other cache, per process. Whole requests: 2.5 counts as 2, 0.5 as one every 2 s; 0, no limit.
BULK_REQUESTS_PER_SECOND = env.float("BULK_REQUESTS_PER_SECOND", default=10.0)
# The window counted is a second and this much: a request reaches Thulium some time after it is
# counted, by an amount that varies with the load and the network (over 0.1 s on a busy 2-core
# machine), and Thulium must not see more than the limit in any second. It costs throughput
# while the limit binds: 10 per 1.2 s is 8.3 a second. Lower it for a steady network and
# unloaded workers.
BULK_RATE_MARGIN_SECONDS = env.float("BULK_RATE_MARGIN_SECONDS", default=0.2)
BULK_CHUNK_MAX_ATTEMPTS = env.int("BULK_CHUNK_MAX_ATTEMPTS", default=3)
BULK_CHUNK_BACKOFF_SECONDS = env.float("BULK_CHUNK_BACKOFF_SECONDS", default=2.0)
BULK_HEARTBEAT_SECONDS = env.float("BULK_HEARTBEAT_SECONDS", default=2.0)
# A runner silent for this long is taken for dead and its chunks are taken over.
# With the watchdog's sweep every BULK_SWEEP_SECONDS, a killed worker's job is taken over about
# BULK_RUNNER_STALE_SECONDS + BULK_SWEEP_SECONDS + a second after the kill.
BULK_RUNNER_STALE_SECONDS = env.float("BULK_RUNNER_STALE_SECONDS", default=10.0)
BULK_SWEEP_SECONDS = env.float("BULK_SWEEP_SECONDS", default=2.0)
# From this many items on, the supervisor types the campaign id to confirm.
BULK_TYPED_CONFIRMATION_THRESHOLD = env.int("BULK_TYPED_CONFIRMATION_THRESHOLD", default=1000)
# --- Campaign snapshots (a local copy of a campaign's records, for search) -------------------
# Pages of GET outbounds/:id/records in flight at once for one sync (under the shared limits).
SNAPSHOT_PARALLEL_REQUESTS = env.int("SNAPSHOT_PARALLEL_REQUESTS", default=4)
# A sync holds its campaign's read lease (one read of a campaign at a time, on every node) for
# this long after its last progress: one that wrote nothing for this long is taken for dead, and
# the next request to read the campaign takes the lease over and starts a new one.
SNAPSHOT_STALE_SECONDS = env.float("SNAPSHOT_STALE_SECONDS", default=300.0)
# Campaign reads (snapshot syncs) one user may have queued or running at once; above it, a
# request to read another campaign is refused (joining a read already under way is not).
CAMPAIGN_READS_PER_USER = env.int("CAMPAIGN_READS_PER_USER", default=3)
# The campaign copy keeps itself current while in use: a campaign opened (its page, records
# list, a record or a search) in the last CAMPAIGN_COPY_ACTIVE_MINUTES is refreshed every
# CAMPAIGN_COPY_REFRESH_SECONDS by reading only the records called or added since the last
# refresh; one nobody opened is left alone (and gets its daily full read once idle).
CAMPAIGN_COPY_ACTIVE_MINUTES = env.float("CAMPAIGN_COPY_ACTIVE_MINUTES", default=30.0)
CAMPAIGN_COPY_REFRESH_SECONDS = env.float("CAMPAIGN_COPY_REFRESH_SECONDS", default=60.0)
# A snapshot younger than this is "fresh": an identifier missing from it is said so.
SNAPSHOT_FRESH_SECONDS = env.float("SNAPSHOT_FRESH_SECONDS", default=24 * 60 * 60)
# How long the campaign page's per-status record counts are kept in the cache.
STATUS_COUNTS_CACHE_SECONDS = env.int("STATUS_COUNTS_CACHE_SECONDS", default=60)
# How phone numbers are stored in Thulium: "national" drops a +48/0048 prefix, "as_typed" keeps it.
PHONE_NUMBER_FORMAT = env.str("PHONE_NUMBER_FORMAT", default="national")
# Where the call centre dials (ISO 3166 code): numbers valid here are sent in national form; any
# other (another country's, a digit too many or too few) is held back as suspicious.
PHONE_NUMBER_REGION = env.str("PHONE_NUMBER_REGION", default="PL").upper()
# A pasted list, or an uploaded file, may be up to 5 MB (the bulk forms say so next to the
# field); the form fields of a request (the pasted list among them) up to 6 MB, so a list just
# over its limit still reaches the form; a whole request body (files included) up to 12 MB.
# Beyond the last two, thuladmin.limits answers with a page that explains the limits.
BULK_MAX_INPUT_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
REQUEST_BODY_MAX_BYTES = 12 * 1024 * 1024

# --- Health and logs -----------------------------------------------------------------------------
# Each db_worker records a heartbeat this often; /healthz calls a worker stale after the other.
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=5.0)
WORKER_HEARTBEAT_STALE_SECONDS = env.float("WORKER_HEARTBEAT_STALE_SECONDS", default=30.0)
# /healthz asks Thulium (GET outbounds/stats) at most this often, waiting at most this long.
HEALTHZ_THULIUM_CACHE_SECONDS = env.int("HEALTHZ_THULIUM_CACHE_SECONDS", default=30)
HEALTHZ_THULIUM_TIMEOUT_SECONDS = env.float("HEALTHZ_THULIUM_TIMEOUT_SECONDS", default=3.0)

# "json": one JSON object a line, for log collectors (the default with DEBUG off); "plain": text.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "thuladmin.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Password of the demo accounts `manage.py demo_setup` creates (`make run` generates one).
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="")
