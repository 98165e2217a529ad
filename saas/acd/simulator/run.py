"""A simulation from start to end: what it needs from the database (`prepare`, done before the event loop
starts), the run itself (`Simulation.run`: agents log in, calls arrive by queue, then the calls in
progress end and the agents log out), and tidying up (`forget`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django_tenants.utils import tenant_context
from rich.console import Console
from rich.live import Live

from saas.acd.integrations import (
    do_create_gateway_integration,
    do_rotate_gateway_token,
    do_update_gateway_integration,
)
from saas.acd.models import FINISHED, AgentSession, Call, GatewayIntegration
from saas.acd.simulator.agents import SimulatedAgent
from saas.acd.simulator.distributions import Behaviour, arrival_gaps, callers
from saas.acd.simulator.gateway import CALL_PREFIX, SimulatedGateway
from saas.acd.simulator.stats import Stats
from saas.agents.models import Agent
from saas.numbers.models import NumberRoute
from saas.seats.models import Seat
from tenants.models import Client

logger = logging.getLogger(__name__)

NAME = "话务模拟器"  # the gateway integration the simulator connects as (call-traffic simulator)
CALLERS = 5000  # the pool callers are drawn from: some call again, as in real traffic
CONNECTING_AT_ONCE = 25  # desktops opened together while the simulated agents log in
READY_SECONDS = 120  # how long the agents may take to log in and get ready


class SimulationError(Exception):
    pass


@dataclass(frozen=True)
class Stream:
    """Calls of one queue: Poisson arrivals at `rate` a second to the numbers routed to it."""

    queue: str
    numbers: tuple[str, ...]
    rate: float


@dataclass
class Setup:
    """What a simulation needs from the database: the tenant's host, the gateway's key, the routed
    numbers and the agents to play, each with a session of their own."""

    tenant: Client
    host: str
    key: str
    routes: dict[str, tuple[str, ...]]  # queue → the access numbers routed to it
    agents: list[tuple[str, str]]  # (username, session key)
    without_seat: list[str] = field(default_factory=list)  # agents left out: fewer free seats than agents
    orphans: list[tuple[str, str, str]] = field(default_factory=list)  # an earlier run's unfinished calls


def prepare(*, tenant: str, host: str = "", agents: int | None = None, agents_except: tuple[str, ...] = (),
            usernames: tuple[str, ...] = ()) -> Setup:
    """Read the tenant, connect the simulator as its gateway (a fresh key for the simulator's integration),
    and sign in the agents to play: `usernames` if given, else every active agent but `agents_except`
    (the first `agents` of them by employee number)."""
    client = Client.objects.filter(slug=tenant, status=Client.Status.ACTIVE, ready=True).first()
    if client is None:
        raise SimulationError(f"no active tenant {tenant!r}")
    host = host or client.domains.order_by("-is_primary").values_list("domain", flat=True).first()
    with tenant_context(client):
        key = _gateway_key()
        routes: dict[str, list[str]] = {}
        for queue, number in NumberRoute.objects.filter(queue__active=True).values_list("queue__name",
                                                                                        "number__number"):
            routes.setdefault(queue, []).append(number)
        chosen = Agent.objects.select_related("user").filter(user__is_active=True).order_by("employee_number")
        chosen = chosen.filter(user__username__in=usernames) if usernames else chosen.exclude(
            user__username__in=agents_except)
        chosen = list(chosen[:agents] if agents is not None else chosen)
        seats = _seats_for(chosen)
        orphans = list(Call.objects.filter(gateway_call_id__startswith=CALL_PREFIX).exclude(
            status__in=FINISHED).values_list("gateway_call_id", "status", "direction"))
        return Setup(tenant=client, host=host, key=key, routes={queue: tuple(n) for queue, n in routes.items()},
                     agents=[(agent.user.username, _session_for(agent.user)) for agent in chosen[:seats]],
                     without_seat=[agent.user.username for agent in chosen[seats:]], orphans=orphans)


def _gateway_key() -> str:
    integration = GatewayIntegration.objects.filter(name=NAME).first()
    if integration is None:
        return do_create_gateway_integration(actor=None, name=NAME)[1]
    if not integration.active:
        do_update_gateway_integration(actor=None, integration=integration, active=True)
    return do_rotate_gateway_token(actor=None, integration=integration)


def _seats_for(agents: list[Agent]) -> int:
    """How many of `agents` can be logged in: active seats nobody else holds."""
    others = AgentSession.objects.filter(ended_at__isnull=True).exclude(agent__in=agents)
    return min(len(agents), Seat.objects.filter(status=Seat.Status.ACTIVE).exclude(
        pk__in=others.values("seat_id")).count())


def _session_for(user) -> str:
    """A session of the tenant's schema signed in as `user`, as the login page would make it."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def forget(setup: Setup) -> None:
    """Delete the agents' sessions (the agents logged out at the end of the run)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    with tenant_context(setup.tenant):
        for _, session_key in setup.agents:
            store(session_key).delete()


def streams(routes: dict[str, tuple[str, ...]], *, per_queue: dict[str, float] | None = None,
            rate: float | None = None) -> list[Stream]:
    """Per queue rates as given (queues no number is routed to are left out: see `unrouted`), or one
    rate split evenly over every routed number."""
    if per_queue:
        chosen = [Stream(queue, routes[queue], per_queue[queue]) for queue in per_queue
                  if queue in routes and per_queue[queue] > 0]
        if not chosen:
            raise SimulationError(f"no number is routed to {', '.join(per_queue)} (routed: {', '.join(routes)})")
        return chosen
    total = sum(len(numbers) for numbers in routes.values())
    if not total:
        raise SimulationError("no access number is routed to a queue")
    return [Stream(queue, numbers, (rate or 0) * len(numbers) / total) for queue, numbers in routes.items()
            if rate]


def unrouted(per_queue: dict[str, float], routes: dict[str, tuple[str, ...]]) -> list[str]:
    """The queues asked for that no number is routed to (an admin may have routed it elsewhere)."""
    return sorted(set(per_queue) - set(routes))


def parse_rates(text: str) -> dict[str, float]:
    """"售后服务=0.2,会员专线=0.05" → {"售后服务": 0.2, "会员专线": 0.05} (calls a second)."""
    rates = {}
    for part in filter(None, (item.strip() for item in text.split(","))):
        queue, _, value = part.rpartition("=")
        try:
            rates[queue.strip()] = float(value)
        except ValueError:
            raise SimulationError(f"{part!r} is not QUEUE=CALLS_PER_SECOND") from None
        if not queue.strip() or rates[queue.strip()] < 0:
            raise SimulationError(f"{part!r} is not QUEUE=CALLS_PER_SECOND")
    return rates


class Simulation:
    def __init__(self, setup: Setup, *, address: tuple[str, int], streams: list[Stream], behaviour: Behaviour,
                 seed: int | None = None, connections: int = 1):
        self.setup, self.address, self.streams, self.behaviour = setup, address, streams, behaviour
        self.rng = random.Random(seed)
        self.stats = Stats()
        self.gateway = SimulatedGateway(host=setup.host, address=address, key=setup.key, behaviour=behaviour,
                                        rng=self.rng, stats=self.stats, connections=connections)
        # Callers, and the customers agents call back: the same people.
        self.callers = callers(random.Random(self.rng.random()), CALLERS)
        self.agents = [SimulatedAgent(username=username, session_key=key, cookie_name=settings.SESSION_COOKIE_NAME,
                                      host=setup.host, address=address, behaviour=behaviour, rng=self.rng,
                                      gateway=self.gateway, stats=self.stats, customers=self.callers)
                       for username, key in setup.agents]
        self.unfinished = 0  # calls still in progress when the drain was over, ended by the simulator
        self.offering_seconds = 0.0

    def agent_states(self) -> Counter:
        return Counter(agent.state for agent in self.agents)

    async def run(self, stop: asyncio.Event, *, duration: float | None = None, drain: float = 60,
                  on_start: Callable[[], None] | None = None, on_offered: Callable[[], None] | None = None) -> None:
        """Log the agents in, offer calls until `duration` is over or `stop` is set, let the calls in
        progress end (at most `drain` seconds; none after `stop`), then log the agents out. `on_start`
        and `on_offered` are called when the offering starts and ends."""
        await self.gateway.start()
        try:
            await self.gateway.hang_up_orphans(self.setup.orphans)
            await self._agents_ready(stop)
            if on_start:
                on_start()
            started = time.monotonic()
            offering = [asyncio.get_running_loop().create_task(self._offer(stream, random.Random(self.rng.random())))
                        for stream in self.streams]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), duration)
            for task in offering:
                task.cancel()
            self.offering_seconds = time.monotonic() - started
            if on_offered:
                on_offered()
            self.unfinished = await self.gateway.finish(0 if stop.is_set() else drain)
        finally:
            await asyncio.gather(*(agent.stop() for agent in self.agents), return_exceptions=True)
            await self.gateway.stop()

    async def _agents_ready(self, stop: asyncio.Event) -> None:
        for first in range(0, len(self.agents), CONNECTING_AT_ONCE):
            batch = self.agents[first:first + CONNECTING_AT_ONCE]
            for agent in batch:
                agent.start()
            await asyncio.wait_for(asyncio.gather(*(agent.ready.wait() for agent in batch)), READY_SECONDS)
            if stop.is_set():
                return
        refused = [agent for agent in self.agents if agent.gave_up]
        if refused and len(refused) == len(self.agents):
            raise SimulationError(f"no simulated agent could log in: {refused[0].username}: {refused[0].gave_up}")

    async def _offer(self, stream: Stream, rng: random.Random) -> None:
        due = time.monotonic()
        for gap in arrival_gaps(rng, stream.rate):
            due += gap
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            self.gateway.offer(queue=stream.queue, access_number=rng.choice(stream.numbers),
                               caller=rng.choice(self.callers))


@contextlib.asynccontextmanager
async def live_display(simulation: Simulation, *, console: Console, title: str):
    """A live table of the simulation (calls by outcome, agents by state, latencies) while the block runs."""
    with Live(console=console, refresh_per_second=2) as live:
        async def refresh():
            while True:
                live.update(simulation.stats.table(title=title, live=simulation.gateway.live(),
                                                   agents=simulation.agent_states()))
                await asyncio.sleep(0.5)

        task = asyncio.get_running_loop().create_task(refresh())
        try:
            yield
        finally:
            task.cancel()
            live.update(simulation.stats.table(title=title, live=simulation.gateway.live(),
                                               agents=simulation.agent_states()))


def event_loop_runner() -> asyncio.Runner:
    """uvloop when installed (uvicorn[standard] brings it): the simulator's sockets are many."""
    try:
        import uvloop
    except ImportError:
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)
