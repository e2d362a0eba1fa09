"""Shared pieces of the Thulium client tests: a fake clock, a client factory, fake failures."""

from __future__ import annotations

import base64
import random

import requests
from urllib3.exceptions import (
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from thuladmin.thulium.client import RetryPolicy, ThuliumClient

BASE = "https://acme.thulium.com/api/"
USER = "api_user"
PASSWORD = "s3cret-pass"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


class FakeTime:
    """A monotonic clock that only moves when the client sleeps (or a test moves it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_client(
    fake_time: FakeTime, *, retry: RetryPolicy | None = None, **kwargs
) -> ThuliumClient:
    options = {
        "base_url": BASE,
        "username": USER,
        "password": PASSWORD,
        "sleep": fake_time.sleep,
        "clock": fake_time.clock,
        "rng": random.Random(0),
        **kwargs,
    }
    if retry is not None:
        options["retry"] = retry
    return ThuliumClient(**options)


# What requests raises for each kind of network failure (checked against real sockets in
# test_wire.py), so `responses` can raise the same objects.


def refused() -> requests.exceptions.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/api/", reason=reason))


def reset() -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    )


def connect_timeout() -> requests.exceptions.ConnectTimeout:
    return requests.exceptions.ConnectTimeout("Connection to acme.thulium.com timed out.")


def read_timeout() -> requests.exceptions.ReadTimeout:
    return requests.exceptions.ReadTimeout("Read timed out. (read timeout=30)")


def body_read_timeout() -> requests.exceptions.ConnectionError:
    """A timeout while reading the body: requests reports it as a ConnectionError."""
    return requests.exceptions.ConnectionError(ReadTimeoutError(None, "/api/", "Read timed out."))
