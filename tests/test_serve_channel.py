"""`serve`'s waitress channel: the I/O loop leaves small output of a running request to its worker.

The rule is checked on a real channel over a socket pair; the end-to-end tests run a real waitress
server in this process with the same channel, so that the cases the rule must not break (a large
answer to a slow reader, which needs the loop; small answers, keep-alive, and waitress's own JSON
errors) are served through it.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import waitress
from waitress.adjustments import Adjustments

from clearanalytics.serve_channel import SPIN_FREE_BYTES, channel_class, install_channel

CHUNK = b"x" * 65536
LARGE_CHUNKS = 400  # 26 MB: past waitress's outbuf high watermark (16 MB), where the worker waits for the loop


@pytest.fixture
def channel():
    ours, theirs = socket.socketpair()
    server = type("Server", (), {"adj": Adjustments(), "active_channels": {}, "pull_trigger": lambda self: None})()
    made = channel_class()(server, ours, ("127.0.0.1", 1), Adjustments(), map={})
    yield made
    ours.close()
    theirs.close()


def test_small_output_of_a_running_request_is_not_polled_for(channel):
    channel.requests = [object()]
    channel.total_outbufs_len = 200
    assert channel.writable() is False  # the worker sends it: polling for it made the loop spin


def test_the_loop_still_sends_large_output_leftovers_and_closes(channel):
    channel.requests = [object()]
    channel.total_outbufs_len = SPIN_FREE_BYTES
    assert channel.writable()  # a slow reader of a large answer: the worker waits for the loop
    channel.total_outbufs_len = 200
    channel.requests = []
    assert channel.writable()  # the request is done: what is left is the loop's
    channel.requests = [object()]
    channel.will_close = True
    assert channel.writable()


def _app(environ, start_response) -> Iterator[bytes]:
    if environ["PATH_INFO"] == "/large":
        size = str(len(CHUNK) * LARGE_CHUNKS)
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", size)])
        return (CHUNK for _ in range(LARGE_CHUNKS))
    body = environ["PATH_INFO"].encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def served():
    server = waitress.create_server(_app, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True)
    install_channel(server)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port
    server.close()


def test_a_large_answer_to_a_slow_reader_arrives_whole(served):
    with socket.create_connection(("127.0.0.1", served), timeout=30) as sock:
        sock.sendall(b"GET /large HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        time.sleep(1.0)  # the answer fills the socket and waitress's buffer before we read
        received = bytearray()
        while chunk := sock.recv(1 << 20):
            received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert len(body) == len(CHUNK) * LARGE_CHUNKS
    assert hashlib.sha256(body).digest() == hashlib.sha256(CHUNK * LARGE_CHUNKS).digest()


def test_small_answers_on_one_kept_alive_connection(served):
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=10)
    try:
        for n in range(200):
            connection.request("GET", f"/page/{n}")
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, f"/page/{n}".encode())
    finally:
        connection.close()


def test_waitress_own_errors_stay_json(served):
    with socket.create_connection(("127.0.0.1", served), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):  # head and body may come in two segments; the server closes
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"application/json" in answer
    assert b'"message"' in answer
