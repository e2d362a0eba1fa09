"""The client against real sockets: what goes on the wire, and the real shapes of failures.

`responses` replaces the transport, so it cannot show what urllib3 finally writes to the socket
or which exceptions a reset, a refusal or a stalled body really raise. A tiny local server can.
"""

from __future__ import annotations

import base64
import socket
import struct
import threading
import traceback
from collections.abc import Callable

import pytest

from tests.thulium.helpers import PASSWORD, USER, make_client
from thuladmin.thulium import errors
from thuladmin.thulium.client import RetryPolicy, build_session

Handler = Callable[[socket.socket, "WireServer"], None]


class WireServer:
    """Serves one request per connection, each connection with the next handler (the last
    repeats), and keeps the raw request line and headers of every request."""

    def __init__(self, handlers: list[Handler], port: int = 0) -> None:
        self.handlers = handlers
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.connections = 0
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", port))
        self.sock.settimeout(0.05)
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            handler = self.handlers[min(self.connections, len(self.handlers) - 1)]
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn, handler), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket, handler: Handler) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            headers = dict(line.split(": ", 1) for line in head[1:])
            self.requests.append((head[0], headers))
            handler(conn, self)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.acceptor.join(timeout=5)
        for thread in self.threads:
            thread.join(timeout=5)


def answer(status: int, body: bytes = b"", content_type: str = "application/json") -> Handler:
    def handle(conn: socket.socket, server: WireServer) -> None:
        conn.sendall(
            f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )

    return handle


def reset_connection(conn: socket.socket, server: WireServer) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def stall_before_headers(conn: socket.socket, server: WireServer) -> None:
    server.stop.wait(5)


def stall_in_body(conn: socket.socket, server: WireServer) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"
    )
    server.stop.wait(5)


@pytest.fixture
def serve():
    servers: list[WireServer] = []

    def start(*handlers: Handler, port: int = 0) -> WireServer:
        server = WireServer(list(handlers), port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def wire_client(fake_time):
    def build(url: str, **kwargs):
        session = build_session()
        session.trust_env = False  # no proxy from the environment between us and the server
        return make_client(fake_time, base_url=url, session=session, **kwargs)

    return build


def target(request_line: str) -> str:
    _method, path, version = request_line.split(" ")
    assert version == "HTTP/1.1"
    return path


def test_batch_url_on_the_wire_is_phone_deletion_url(serve, wire_client):
    server = serve(answer(200, b'{"441": [{"http_status": 200, "status": "REMOVED"}]}'))
    api = wire_client(server.url).with_language("pl")
    numbers = ["441", "+48 600", "ząb&x=1"]
    report = api.records_delete_by_phone("00001", numbers, search_in_additional_numbers=True)

    assert report.results["441"][0].status == "REMOVED"
    ((request_line, headers),) = server.requests
    expected = api.phone_deletion_url("00001", numbers, search_in_additional_numbers=True)
    assert request_line.startswith("DELETE ")
    assert target(request_line) == expected.removeprefix(server.url.removesuffix("/api/"))
    assert target(request_line) == (
        "/api/batch/outbounds/00001/records?phone_number%5B%5D=441"
        "&phone_number%5B%5D=%2B48%20600&phone_number%5B%5D=z%C4%85b%26x%3D1"
        "&search_in_additional_numbers=true"
    )
    assert headers["Accept"] == "application/json"
    assert headers["Accept-Language"] == "pl"
    assert "Content-Type" not in headers
    assert (
        headers["Authorization"]
        == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    )


def test_customer_batch_url_on_the_wire(serve, wire_client):
    server = serve(answer(200, b'{"13": {"http_status": 204}}'))
    api = wire_client(server.url)
    api.customers_delete([13, 14])
    ((request_line, _),) = server.requests
    assert target(request_line) == "/api/batch/customers?customer_id%5B%5D=13&customer_id%5B%5D=14"
    assert api.customer_deletion_url([13, 14]).endswith(target(request_line))


def test_odd_identifier_on_the_wire_is_one_segment(serve, wire_client):
    server = serve(answer(204))
    api = wire_client(server.url)
    api.record_update("00001", "ząb ?#%..", changes={"status_id": "3"})
    ((request_line, headers),) = server.requests
    assert request_line.startswith("PUT ")
    assert target(request_line) == (
        "/api/outbounds/00001/records_by_identifier/z%C4%85b%20%3F%23%25.."
    )
    assert headers["Content-Type"] == "application/json; charset=utf-8"


def test_utf8_password_on_the_wire(serve, wire_client):
    server = serve(answer(200, b"[]"))
    api = wire_client(server.url, password="hasło")
    api.campaign_stats()
    ((_, headers),) = server.requests
    assert base64.b64decode(headers["Authorization"].removeprefix("Basic ")) == (
        f"{USER}:hasło".encode()
    )


def test_real_connection_refused_is_retried_then_unavailable(fake_time, wire_client):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    api = wire_client(f"http://127.0.0.1:{port}/api/", retry=RetryPolicy(max_retries=2))
    with pytest.raises(errors.Unavailable) as info:
        api.records_delete_by_phone("00001", ["600111222"])
    assert type(info.value) is errors.Unavailable
    assert len(fake_time.sleeps) == 2
    text = "".join(traceback.format_exception(info.value))
    assert PASSWORD not in text


def test_real_refusal_then_success_is_not_maybe_applied(serve, fake_time, wire_client):
    # Nothing listens on the first attempt; the server starts while the client backs off.
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]

    def sleep_then_start(seconds: float) -> None:
        fake_time.sleep(seconds)
        serve(answer(200, b"{}"), port=port)

    api = wire_client(f"http://127.0.0.1:{port}/api/", sleep=sleep_then_start)
    report = api.records_delete_by_phone("00001", ["441"])
    assert report.maybe_applied_earlier is False
    assert len(fake_time.sleeps) == 1


def test_real_reset_then_success_is_maybe_applied(serve, fake_time, wire_client):
    server = serve(reset_connection, answer(200, b"{}"))
    api = wire_client(server.url)
    report = api.records_delete_by_phone("00001", ["441"])
    assert report.maybe_applied_earlier is True
    assert server.connections == 2
    assert len(fake_time.sleeps) == 1


def test_real_503_then_success(serve, fake_time, wire_client):
    server = serve(answer(503, b"busy", "text/plain"), answer(200, b"{}"))
    report = wire_client(server.url).records_delete_by_phone("00001", ["441"])
    assert report.maybe_applied_earlier is False
    assert server.connections == 2


@pytest.mark.parametrize("stall", [stall_before_headers, stall_in_body])
def test_real_read_timeout_is_not_retried(serve, fake_time, wire_client, stall):
    server = serve(stall, answer(200, b"{}"))
    api = wire_client(server.url, read_timeout=0.2)
    with pytest.raises(errors.Timeout):
        api.records_delete_by_phone("00001", ["441"])
    assert server.connections == 1
    assert fake_time.sleeps == []
