"""What `python3 dev.py run|test` does once inside the virtual environment."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request

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


# The demo's light traffic: a few calls a minute to acme's queues, taken by every acme agent but the
# demo's person at the desk (docs/simulator.md).
SIMULATED_TRAFFIC = ("--rate-per-queue", "售后服务=0.04,会员专线=0.02", "--agents-except", "acme-agent")


def _start(*args: str) -> subprocess.Popen:
    # A session of its own: Ctrl-C reaches the launcher only, which stops the children in order (the
    # simulator first, while the server can still take its agents' logouts).
    return subprocess.Popen([PYTHON, *args], start_new_session=True)


def _serving(host: str, port: str) -> bool:
    """The ASGI server answers on acme's host (degraded or not: the simulator needs no Celery)."""
    address = "127.0.0.1" if host in ("0.0.0.0", "") else host
    request = urllib.request.Request(f"http://{address}:{port}/api/v1/health/", headers={"Host": "acme.localhost"})
    try:
        with urllib.request.urlopen(request, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _simulator(host: str, port: str) -> subprocess.Popen | None:
    if os.environ.get("SIMULATE", "1") == "0":
        return None
    own = os.environ.get("SIMULATE_ARGS", "")
    traffic = f"as SIMULATE_ARGS says ({own})" if own else (
        "a few calls a minute to 售后服务 and 会员专线, every acme agent but acme-agent simulated")
    print(f"  话务模拟器 · call-traffic simulator running on acme: {traffic}.\n  SIMULATE=0 switches it off, "
          "SIMULATE_ARGS='--rate 0.2 …' changes it (`.venv/bin/saas simulate_calls --help`).\n", flush=True)
    return _start("-m", "saas.manage", "simulate_calls", "--tenant", "acme",
                  *(shlex.split(own) if own else SIMULATED_TRAFFIC), "--server", host, "--port", port, "--quiet")


def run() -> int:
    _stop_on_sigterm()
    started = ensure_services()
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    processes: list[subprocess.Popen] = []
    simulator: subprocess.Popen | None = None
    try:
        compile_catalogs()
        manage("migrate_fleet")
        manage("seed_demo", "--port", port)
        processes = [
            _start("-m", "uvicorn", "saas.asgi:application", "--host", host, "--port", port),
            _start("-m", "celery", "-A", "saas", "worker", "--loglevel", "INFO", "--concurrency", "2",
                   "--hostname", "worker@%h"),
            _start("-m", "celery", "-A", "saas", "beat", "--loglevel", "INFO"),
            _start("-m", "saas.manage", "acd_clock"),
        ]
        print(f"\n  Platform console: http://localhost:{port}/   Tenants: http://acme.localhost:{port}/ "
              f"http://bpo.localhost:{port}/\n  Ctrl-C stops everything.\n", flush=True)
        simulating = os.environ.get("SIMULATE", "1") != "0"
        while all(process.poll() is None for process in processes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                processes[0].wait(timeout=1)
            if simulating and simulator is None and _serving(host, port):
                simulator = _simulator(host, port)
        return next((process.returncode for process in processes if process.returncode), 0)
    except KeyboardInterrupt:
        return 0
    finally:
        # The simulator first: it ends its calls and logs its agents out through the running server.
        _stop([simulator] if simulator else [], timeout=20)
        _stop(processes, timeout=15)
        stop_services(started)


def _stop(processes: list[subprocess.Popen], *, timeout: float) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()


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
