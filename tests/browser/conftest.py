"""A real ASGI server (uvicorn, the product's application) on the test database, and headless Debian
Chromium driven by Playwright. Skipped, saying why, where Chromium is not installed."""

from pathlib import Path

import pytest

from saas.launcher import CHROMIUM
from tests.servers import asgi_server

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian's chromium is missing (python3 dev.py test installs it as root)")


@pytest.fixture
def site(committed):
    # Not named `live_server`: pytest-django would switch on transactional_db for it, whose flush
    # empties every table the session's demo data lives in.
    """`site("acme")` → "http://acme.localhost:<port>": Chromium resolves *.localhost itself."""
    with asgi_server() as port:
        yield lambda slug: f"http://{'' if slug == 'platform' else slug + '.'}localhost:{port}"


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
