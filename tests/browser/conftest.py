"""Browser tests: Playwright drives Debian's chromium against the live server and the sandbox.

Every test here is marked `browser` (run them alone with `pytest -m browser`) and saves a
screenshot of its final page under var/screenshots/ (git-ignored), named after the test and
the language, so the journeys can be looked at in both languages after a run
(BROWSER_SCREENSHOTS=0 skips them; a failing test still gets pytest-playwright's own).

Nothing downloads a browser: chromium comes from apt (`apt-get install chromium`; `.ci/run`
installs it when missing). CHROMIUM_PATH points at another binary.
"""

from __future__ import annotations

import os

# pytest-playwright keeps an asyncio loop running in the test thread, which makes Django's
# database calls raise SynchronousOnlyOperation; the tests are plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import io
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from playwright.sync_api import BrowserContext, Page, expect

from thuladmin.accounts.roles import Role
from thuladmin.thulium import reset_client

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
LANGUAGES = ("en", "pl")
# The browser's own language, which shapes its date inputs: a Polish supervisor's is Polish.
BROWSER_LOCALES = {"en": "en-GB", "pl": "pl-PL"}
PASSWORD = "Browser-test-pw-1"
TAKE_SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS", "1") != "0"

# Short timeouts: every page here answers in milliseconds; a wait of seconds is a failure.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) "
            "or set CHROMIUM_PATH; the browser tests never download a browser."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": LAPTOP,
        "timezone_id": "Europe/Warsaw",
        "accept_downloads": True,
    }


@pytest.fixture
def sandbox(live_server, settings):
    """The sandbox, seeded (300 records, campaign 00001's fixtures), served by the live server,
    with the client pointed at it and no latency, faults or rate limit."""
    call_command("sandbox_seed", "--records", "300", "--customers", "40", stdout=io.StringIO())
    settings.THULIUM_URL = ""
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_URL = live_server.url + "/sandbox/api/"
    settings.THULIUM_USER = settings.THULIUM_PASSWORD = "sandbox"
    settings.THULIUM_MAX_RETRIES = 1
    settings.THULIUM_BACKOFF_SECONDS = 0.01
    settings.SANDBOX_LATENCY_MS = 0
    settings.SANDBOX_ERROR_RATE = 0.0
    settings.SANDBOX_RATE_LIMIT_RATE = 0.0
    settings.SANDBOX_SLOW_RATE = 0.0
    settings.BULK_REQUESTS_PER_SECOND = 0
    settings.BULK_CHUNK_BACKOFF_SECONDS = 0
    reset_client()
    yield live_server
    reset_client()


def _user(django_user_model, username: str, role: Role):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def supervisor(django_user_model):
    return _user(django_user_model, "ewa.supervisor", Role.SUPERVISORS)


@pytest.fixture
def admin_member(django_user_model):
    return _user(django_user_model, "adam.admin", Role.ADMINS)


@pytest.fixture(params=LANGUAGES)
def lang(request) -> str:
    return request.param


@dataclass
class Browse:
    """One browser tab on the live server, in one language, with helpers the journeys share."""

    page: Page
    base_url: str
    lang: str
    name: str
    shots: list[Path] = field(default_factory=list)

    @property
    def context(self) -> BrowserContext:
        return self.page.context

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        return self.page.goto(self.url(path))

    def login(self, user) -> None:
        """Log in without the form (the login journey has its own test): a session cookie."""
        client = Client()
        client.force_login(user)
        self.context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                    "url": self.base_url,
                }
            ]
        )

    def shot(self, suffix: str = "") -> Path:
        """A full-page screenshot: var/screenshots/<test>[-<suffix>]-<lang>.png.

        With BROWSER_SCREENSHOTS=0 (`make test`) the picture is not taken: it is a third of a
        journey's time, and only a person looks at it (`make screenshots` takes them all)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stem = "-".join(part for part in (self.name, suffix, self.lang) if part)
        path = SCREENSHOTS / f"{stem}.png"
        if TAKE_SCREENSHOTS:
            self.page.screenshot(path=path, full_page=True)
        self.shots.append(path)
        return path

    def assert_no_horizontal_overflow(self) -> None:
        """Nothing wider than the window: no sideways scrolling, no cut-off controls."""
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            widest = self.page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > innerWidth)
                    .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
            )
            self.shot("overflow")
            raise AssertionError(f"{self.page.url} is {overflow}px wider than the window: {widest}")


def _language_cookie(base_url: str, lang: str) -> dict:
    return {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base_url}


def _test_name(request) -> str:
    return re.sub(r"^test_", "", request.node.originalname).replace("_", "-")


@pytest.fixture
def browse(sandbox, new_context, request) -> Iterator[Browse]:
    """A tab in the test's language (`lang` when the test is parametrized with it, else
    English), in a browser set to that language, whose final page is saved as a screenshot
    when the test ends."""
    lang = request.getfixturevalue("lang") if "lang" in request.fixturenames else "en"
    context = new_context(locale=BROWSER_LOCALES[lang])
    context.add_cookies([_language_cookie(sandbox.url, lang)])
    page = context.new_page()
    tab = Browse(page=page, base_url=sandbox.url, lang=lang, name=_test_name(request))
    yield tab
    if not tab.shots and not page.is_closed():
        tab.shot()


@pytest.fixture
def browse_without_js(sandbox, new_context, request) -> Iterator[Browse]:
    """Like `browse`, with JavaScript off: htmx never loads, the plain forms must carry."""
    context = new_context(java_script_enabled=False, locale=BROWSER_LOCALES["en"])
    context.add_cookies([_language_cookie(sandbox.url, "en")])
    tab = Browse(page=context.new_page(), base_url=sandbox.url, lang="en", name=_test_name(request))
    yield tab
    if not tab.shots:
        tab.shot()


class Worker:
    """`db_worker` in a thread of the test process: django-tasks-db's own loop, which runs the
    queued `bulk_job_run` tasks as a worker process would (signals are the process's only)."""

    def __init__(self) -> None:
        self._worker = DatabaseWorker(
            queue_names=["default"],
            interval=0.1,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="browser-tests",
            excluded_queue_names=[],
        )
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def _loop(self) -> None:
        try:
            self._worker.run()
        except BaseException as error:  # reported by the fixture, not lost in the thread
            self.error = error
        finally:
            connection.close()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="browser-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._worker.running = False
        if self._thread is not None:
            self._thread.join(timeout=30)


@pytest.fixture
def worker(sandbox) -> Iterator[Worker]:
    """A worker the test starts when it wants jobs to run (`worker.start()`), so it can first
    see a confirmed job wait, then watch its results arrive."""
    standing_by = Worker()
    yield standing_by
    standing_by.stop()
    if standing_by.error is not None:
        raise standing_by.error


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting")
        time.sleep(0.05)
