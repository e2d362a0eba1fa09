"""The app as production runs it: gunicorn, DEBUG off, collected static files behind whitenoise.

Checks what only a real deployment shows: hashed static files with long cache headers, the CSP
and HSTS headers, the login page rendering with its hashed assets, and `/healthz`.
"""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.core.management import call_command

from tests.production.helpers import (
    GUNICORN,
    PYTHON,
    ROOT,
    child_database_url,
    free_port,
    process_env,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

THULIUM_PASSWORD = "gunicorn-test-password"
SECRET_KEY = "gunicorn-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    """`collectstatic` with the production storage (hashed, compressed names and a manifest)."""
    root = tmp_path_factory.mktemp("staticfiles")
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_env(root, port=0, database_url="sqlite:///unused.sqlite3"),
        check=True,
        timeout=300,
    )
    return root


def _env(static_root: Path, *, port: int, database_url: str) -> dict[str, str]:
    return process_env(
        DEBUG="false",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(static_root),
        STATICFILES_BACKEND=None,  # the production default: whitenoise's manifest storage
        WHITENOISE_USE_FINDERS=None,
        SECURE_COOKIES=None,
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SANDBOX_ENABLED="true",
        THULIUM_URL="",
        THULIUM_USER="sandbox",
        THULIUM_PASSWORD=THULIUM_PASSWORD,
        SANDBOX_URL=f"http://127.0.0.1:{port}/sandbox/api/",
        SANDBOX_IN_PROCESS="true",  # production's default (the suite's own process says false)
        # A page that waited on the sandbox would say so in a few seconds, not 30.
        THULIUM_READ_TIMEOUT="5",
        LOG_LEVEL="INFO",
    )


@pytest.fixture
def server(static_root, tmp_path):
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(
        [
            GUNICORN,
            "thuladmin.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",  # sync workers, each of which answers the sandbox for its own pages
            "--limit-request-line",
            "8190",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=_env(static_root, port=port, database_url=child_database_url()),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(base + "/healthz", timeout=5).status_code in (200, 503)
        except requests.Timeout:
            return False  # up, but busy: ask again
        except requests.ConnectionError:
            return process.poll() is not None  # stop waiting if it died

    try:
        assert wait_for(up, timeout=60)
        assert process.poll() is None, log.seek(0) or log.read()
        yield base, static_root, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_gunicorn_serves_static_files_csp_healthz_and_the_login_page(server):
    base, static_root, log = server
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    htmx = manifest["vendor/htmx-2.0.11/htmx.min.js"]
    assert htmx != "vendor/htmx-2.0.11/htmx.min.js", "a hashed name"

    # Static files: whitenoise serves the hashed name, compressed, cached for ever.
    response = requests.get(f"{base}/static/{htmx}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "htmx" in response.text[:2000]
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["Content-Encoding"] == "gzip"
    assert requests.get(f"{base}/static/vendor/nothing-here.js").status_code == 404

    # The login page renders, with the hashed assets and a strict CSP.
    response = requests.get(f"{base}/accounts/login/")
    assert response.status_code == 200
    assert f"/static/{htmx}" in response.text
    assert f"/static/{manifest['vendor/pico-2.1.1/pico.min.css']}" in response.text
    assert "<form" in response.text
    csp = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split("; ")}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers, "HSTS only over HTTPS"

    # Behind a proxy that ended TLS: HSTS, and cookies marked Secure.
    response = requests.get(f"{base}/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "secure" in response.headers["Set-Cookie"].lower()

    # /healthz: public JSON, everything up (Thulium is the sandbox on this same server).
    response = requests.get(f"{base}/healthz")
    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "ok"
    assert {name: check["status"] for name, check in health["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "worker": "missing",
        "thulium": "ok",
    }
    assert THULIUM_PASSWORD not in response.text
    assert SECRET_KEY not in response.text

    # DEBUG is off: an unknown page is the site's own 404, not Django's debug page.
    response = requests.get(f"{base}/no-such-page/")
    assert response.status_code in (302, 404)
    assert "Django" not in response.text

    # One JSON log line per request, from the same process.
    log.seek(0)
    lines = [json.loads(line) for line in log if line.startswith("{")]
    requests_logged = [line for line in lines if line.get("event") == "request"]
    assert any(line["path"] == "/healthz" and line["status"] == 200 for line in requests_logged)
    assert any(line.get("event") == "thulium_call" for line in lines)
    for line in lines:
        assert THULIUM_PASSWORD not in json.dumps(line)


CONCURRENT_PAGES = 8


def _logged_in(base: str, *, username: str, password: str) -> dict[str, str]:
    """A browser's cookies, logged in through the login form (the server has its own
    SECRET_KEY, so a session made in this process would not hold there). The cookies are
    marked Secure, which `requests` would keep from plain HTTP: they are passed by hand."""
    page = requests.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    cookies = dict(page.cookies)
    answer = requests.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": password},
        cookies=cookies,
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[-2000:]
    return {**cookies, **dict(answer.cookies)}


def test_eight_supervisors_reading_the_sandbox_at_once_are_answered_in_normal_time(
    server, supervisor, capsys
):
    """Two sync workers, eight record pages at once, each asking the sandbox for a page of
    records. Served over HTTP by the same two workers, they waited on each other until the read
    timeout (30 s each in production); answered in-process, they do not. Timings are printed,
    not asserted: a page that timed out shows Thulium's timeout message instead of records."""
    base, _static_root, log = server
    call_command("sandbox_seed", "--records", "300", "--customers", "5", stdout=io.StringIO())
    cookies = _logged_in(base, username=supervisor.username, password="pw-supervisor")

    def open_page(number: int) -> tuple[float, requests.Response]:
        started = time.monotonic()
        response = requests.get(
            f"{base}/campaigns/00001/records/?page={number % 3 + 1}",
            cookies=cookies,
            timeout=60,
        )
        return time.monotonic() - started, response

    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENT_PAGES) as pool:
        results = list(pool.map(open_page, range(CONCURRENT_PAGES)))
    wall = time.monotonic() - started

    with capsys.disabled():
        print(
            f"\n{CONCURRENT_PAGES} concurrent record pages on 2 sync workers: wall {wall:.2f} s, "
            "each " + ", ".join(f"{seconds:.2f}" for seconds, _ in sorted(results)) + " s"
        )
    for _seconds, response in results:
        assert response.status_code == 200, log.seek(0) or log.read()[-3000:]
        assert "did not answer" not in response.text
        assert "/campaigns/00001/records/" in response.text
        assert response.text.count("<tr") > 10, "a page of records"
