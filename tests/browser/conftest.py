"""A real ASGI server (uvicorn, the product's application) on the test database, and headless Debian
Chromium driven by Playwright. Skipped, saying why, where Chromium is not installed."""

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from saas.launcher import CHROMIUM

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian's chromium is missing (python3 dev.py test installs it as root)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def site(committed):
    # Not named `live_server`: pytest-django would switch on transactional_db for it, whose flush
    # empties every table the session's demo data lives in.
    """`site("acme")` → "http://acme.localhost:<port>": Chromium resolves *.localhost itself."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config("saas.asgi:application", host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield lambda slug: f"http://{'' if slug == 'platform' else slug + '.'}localhost:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, so Django takes the test's own
    # ORM calls (setting up, checking the database) for calls from async code. They are not.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
        ])
        yield browser.new_page(viewport={"width": 1280, "height": 900})
        browser.close()
