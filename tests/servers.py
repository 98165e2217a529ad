"""The product's own processes, run in threads of the test: the ASGI server and the ACD clock."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import uvicorn
from channels.layers import channel_layers
from django.db import connection

from saas.acd import clock


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def asgi_server():
    """uvicorn serving the product's application (HTTP and websockets) on a free port; yields the port."""
    port = _free_port()
    # The channel layer is a process-wide singleton whose receive lock binds to the event loop that waits
    # on it. The server thread runs a loop of its own and may stop mid-receive, so it gets a fresh layer
    # and leaves none behind; otherwise the server and the communicator tests trip over each other's lock.
    channel_layers.backends.clear()
    server = uvicorn.Server(uvicorn.Config("saas.asgi:application", host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
        channel_layers.backends.clear()


@contextlib.contextmanager
def acd_clock():
    """The ACD's clock (`saas acd_clock`) running in a thread until the block ends."""
    stop = threading.Event()

    def tick():
        try:
            clock.run(stop)
        finally:
            connection.close()

    thread = threading.Thread(target=tick)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)
