"""The embedded PostgreSQL and Redis: first start, reuse, and recovery after a crash."""

import os
import signal

import psutil
import psycopg
import pytest
import redis

from saas import embedded


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("embedded")
    yield path
    embedded.stop_services(["postgres", "redis"], path)


def _psql(url: str, sql: str):
    # DATABASE_URL form → libpq form: the socket folder is the percent-encoded host.
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    with psycopg.connect(host=unquote(parts.hostname), user="postgres", dbname=parts.path.lstrip("/"),
                         autocommit=True) as connection:
        return connection.execute(sql).fetchall() if sql.lstrip().upper().startswith("SELECT") else \
            connection.execute(sql)


def _kill_hard(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    psutil.Process(pid).wait(5)


def test_postgres_keeps_its_data_across_a_restart(data_dir):
    # given
    server = embedded.postgres(data_dir)
    url = server.start()
    _psql(url, "CREATE TABLE IF NOT EXISTS kept (value text); INSERT INTO kept VALUES ('first start')")

    # when
    server.stop()
    assert server.running_pid() is None
    url = server.start()

    # then
    assert _psql(url, "SELECT value FROM kept") == [("first start",)]


def test_postgres_recovers_after_being_killed(data_dir):
    # given
    server = embedded.postgres(data_dir)
    url = server.start()
    _psql(url, "CREATE TABLE IF NOT EXISTS crash (value int); INSERT INTO crash VALUES (42)")
    _kill_hard(server.running_pid())

    # when: the stale postmaster.pid is still on disk
    assert server.pid_file.exists()
    url = server.start()

    # then
    assert server.running_pid() is not None
    assert _psql(url, "SELECT value FROM crash") == [(42,)]


def test_postgres_ignores_a_pid_file_naming_another_process(data_dir):
    # given: a pid file naming a live process that is not postgres (this test's own)
    server = embedded.postgres(data_dir)
    server.stop()
    server.pid_file.write_text(f"{os.getpid()}\n{data_dir}\n")

    # when
    url = server.start()

    # then
    assert server.running_pid() != os.getpid()
    assert _psql(url, "SELECT 1") == [(1,)]


def test_redis_reuses_a_running_server_and_its_data(data_dir):
    # given
    server = embedded.redis_server(data_dir)
    first = redis.Redis.from_url(server.start())
    first.set("greeting", "你好")
    pid = server.running_pid()

    # when
    again = redis.Redis.from_url(server.start())

    # then
    assert server.running_pid() == pid
    assert again.get("greeting").decode() == "你好"


def test_redis_recovers_after_being_killed_with_its_data(data_dir):
    # given
    server = embedded.redis_server(data_dir)
    client = redis.Redis.from_url(server.start())
    client.set("survivor", "yes")
    _kill_hard(server.running_pid())
    assert server.socket.exists(), "a crash leaves the socket file behind"

    # when
    client = redis.Redis.from_url(server.start())

    # then
    assert client.get("survivor") == b"yes"


def test_ensure_services_only_starts_what_the_environment_does_not_name(data_dir, monkeypatch):
    # given
    monkeypatch.setenv("DATABASE_URL", "postgres://elsewhere/db")
    monkeypatch.delenv("REDIS_URL", raising=False)
    embedded.redis_server(data_dir).stop()

    # when
    started = embedded.ensure_services(data_dir)

    # then
    assert started == ["redis"]
    assert os.environ["DATABASE_URL"] == "postgres://elsewhere/db"
    assert os.environ["REDIS_URL"] == embedded.redis_server(data_dir).url
