"""What `python3 dev.py run|test` does once inside the virtual environment."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys

from saas.embedded import ensure_services, stop_services
from saas.i18n import compile_catalogs

PYTHON = sys.executable


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "-m", "saas.manage", *args], check=True)


def _stop_on_sigterm() -> None:
    """SIGTERM (a service manager, `kill`) stops everything as Ctrl-C does."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def run() -> int:
    _stop_on_sigterm()
    started = ensure_services()
    port = os.environ.get("PORT", "8000")
    processes: list[subprocess.Popen] = []
    try:
        compile_catalogs()
        manage("migrate_fleet")
        manage("seed_demo", "--port", port)
        processes = [
            subprocess.Popen([PYTHON, "-m", "uvicorn", "saas.asgi:application",
                              "--host", os.environ.get("HOST", "127.0.0.1"), "--port", port]),
            subprocess.Popen([PYTHON, "-m", "celery", "-A", "saas", "worker", "--loglevel", "INFO",
                              "--concurrency", "2", "--hostname", "worker@%h"]),
            subprocess.Popen([PYTHON, "-m", "celery", "-A", "saas", "beat", "--loglevel", "INFO"]),
        ]
        print(f"\n  Platform console: http://localhost:{port}/   Tenants: http://acme.localhost:{port}/ "
              f"http://bpo.localhost:{port}/\n  Ctrl-C stops everything.\n", flush=True)
        while all(process.poll() is None for process in processes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                processes[0].wait(timeout=1)
        return next((process.returncode for process in processes if process.returncode), 0)
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        stop_services(started)


CHROMIUM = "/usr/bin/chromium"


def ensure_browser() -> None:
    """The browser tests drive Debian's Chromium (Playwright never downloads one here). Install it
    with its CJK fonts when missing and apt can; otherwise those tests skip and say why."""
    if os.path.exists(CHROMIUM) or not shutil.which("apt-get") or os.geteuid() != 0:
        return
    print("· installing Debian's chromium and CJK fonts for the browser tests", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=environment)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-noto-cjk"],
                   check=False, env=environment)


def test(pytest_args: list[str]) -> int:
    started = ensure_services()
    ensure_browser()
    try:
        compile_catalogs()
        # Importing `saas` (for the embedded services) set DJANGO_SETTINGS_MODULE to the product's
        # settings; pytest would take it over its own ini setting.
        os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
        return subprocess.call([PYTHON, "-m", "pytest", *pytest_args])
    finally:
        stop_services(started)


def bench(arguments: list[str]) -> int:
    started = ensure_services()
    # Redis databases of its own: a demo worker must never see a benchmark's tenants.
    os.environ["SAAS_REDIS_DB_OFFSET"] = "12"
    try:
        return subprocess.call([PYTHON, "-m", "saas.manage", "bench", *arguments])
    finally:
        stop_services(started)


def main() -> None:
    command, *rest = sys.argv[1:] or ["run"]
    commands = {"run": lambda: run(), "test": lambda: test(rest), "bench": lambda: bench(rest)}
    sys.exit(commands[command]())


if __name__ == "__main__":
    main()
