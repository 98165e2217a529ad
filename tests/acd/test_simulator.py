"""The call-traffic simulator: its random draws, its callers' patience, and a short run against the real
product (uvicorn with the product's ASGI application, the ACD clock, the real channel layer)."""

from __future__ import annotations

import asyncio
import math
import random
import statistics

import pytest
from django.db import connection

from saas.acd.models import AgentState, AgentStatus, GatewayIntegration, Reservation
from saas.acd.simulator import checks
from saas.acd.simulator.distributions import Behaviour, arrival_gaps, exponential, lognormal
from saas.acd.simulator.gateway import SimulatedGateway
from saas.acd.simulator.run import NAME, Simulation, event_loop_runner, forget, prepare, streams
from saas.acd.simulator.stats import Stats
from saas.agents.models import Agent
from tests.servers import acd_clock, asgi_server

# --- Draws ------------------------------------------------------------------------------------------------


def test_poisson_arrivals_come_at_the_asked_rate_with_poisson_spread():
    # given
    rng, rate, seconds = random.Random(11), 4.0, 5000

    # when: the calls falling in each second of a long run
    per_second = [0] * seconds
    moment = 0.0
    for gap in arrival_gaps(rng, rate):
        moment += gap
        if moment >= seconds:
            break
        per_second[int(moment)] += 1

    # then: a Poisson count has its variance equal to its mean
    mean = statistics.fmean(per_second)
    assert mean == pytest.approx(rate, rel=0.03)
    assert statistics.pvariance(per_second) == pytest.approx(mean, rel=0.1)


def test_talk_times_are_log_normal_with_the_asked_mean_and_spread():
    # given
    rng = random.Random(12)

    # when
    draws = [lognormal(rng, 180, 90) for _ in range(50_000)]

    # then
    assert statistics.fmean(draws) == pytest.approx(180, rel=0.03)
    assert statistics.pstdev(draws) == pytest.approx(90, rel=0.06)
    assert min(draws) > 0
    assert statistics.median(draws) < statistics.fmean(draws)  # skewed to the right, as talk times are


def test_patience_is_exponential_and_zero_means_endless():
    # given
    rng = random.Random(13)

    # when
    draws = [Behaviour(patience_mean=30).patience(rng) for _ in range(50_000)]

    # then: an exponential's standard deviation equals its mean
    assert statistics.fmean(draws) == pytest.approx(30, rel=0.03)
    assert statistics.pstdev(draws) == pytest.approx(30, rel=0.05)
    assert Behaviour(patience_mean=0).patience(rng) == math.inf
    assert exponential(rng, 0) == 0.0


def test_a_seeded_behaviour_repeats_itself():
    # given
    behaviour = Behaviour()

    # when
    first = [(behaviour.talk(rng), behaviour.hold(rng)) for rng in [random.Random(5)] for _ in range(20)]
    second = [(behaviour.talk(rng), behaviour.hold(rng)) for rng in [random.Random(5)] for _ in range(20)]

    # then
    assert first == second


# --- Callers' patience, against a stand-in for the product's end of the gateway socket -----------------------


class ProductEnd:
    """The product's side of the gateway websocket, as the simulated gateway sees it: every event is
    taken (receipt "applied"), nothing is routed unless the test says so."""

    def __init__(self, gateway: SimulatedGateway):
        self.gateway = gateway
        self.events: list[dict] = []
        self.open = asyncio.Event()
        self.open.set()
        self.socket = object()
        self.closed_for_good = None

    async def send(self, message: dict) -> None:
        self.events.append(message)
        self.gateway._received({"type": "receipt", "event_id": message["event_id"], "outcome": "applied"})

    def kinds_of(self, call_id: str) -> list[str]:
        return [event["type"] for event in self.events if event["call_id"] == call_id]


def _gateway(behaviour: Behaviour) -> tuple[SimulatedGateway, ProductEnd, Stats]:
    stats = Stats()
    gateway = SimulatedGateway(host="acme.localhost", address=("127.0.0.1", 1), key="-", behaviour=behaviour,
                               rng=random.Random(3), stats=stats)
    product = ProductEnd(gateway)
    gateway.links = [product]
    return gateway, product, stats


def test_callers_nobody_answers_hang_up_when_their_patience_runs_out():
    # given: impatient callers, and a product that routes nothing
    gateway, product, stats = _gateway(Behaviour(patience_mean=0.05))

    async def offer_and_wait():
        calls = [gateway.offer(queue="售后服务", access_number="4008208820", caller="13800138000") for _ in range(10)]
        await gateway.finish(timeout=5)
        return calls

    # when
    calls = asyncio.run(offer_and_wait())

    # then
    assert stats.counts["abandoned"] == 10
    assert all(product.kinds_of(call.id) == ["call.offered", "call.abandoned"] for call in calls)


def test_a_caller_ringing_at_a_persons_desktop_hangs_up_when_nobody_answers_in_time():
    # given: a call routed to an extension no simulated agent sits at (a person's), who does not answer
    gateway, product, stats = _gateway(Behaviour(patience_mean=0.5))

    async def offer_route_and_wait():
        call = gateway.offer(queue="售后服务", access_number="4008208820", caller="13800138000")
        await asyncio.sleep(0.01)
        gateway._received({"id": "c1", "type": "route", "call_id": call.id, "extension": "8001"})
        await gateway.finish(timeout=10)
        return call

    # when
    call = asyncio.run(offer_route_and_wait())

    # then
    assert product.kinds_of(call.id) == ["call.offered", "call.ringing", "call.abandoned"]
    assert stats.counts["abandoned"] == 1 and stats.counts["answered"] == 0
    assert len(stats.routing) == 1


def test_a_call_routed_to_a_busy_extension_is_counted_as_a_double_assignment():
    # given: two waiting callers with endless patience
    gateway, product, stats = _gateway(Behaviour(patience_mean=0))

    async def route_both_to_one_extension():
        first = gateway.offer(queue="售后服务", access_number="4008208820", caller="13800138000")
        second = gateway.offer(queue="售后服务", access_number="4008208820", caller="13900139000")
        await asyncio.sleep(0.01)
        gateway._received({"id": "c1", "type": "route", "call_id": first.id, "extension": "8001"})
        gateway._received({"id": "c2", "type": "route", "call_id": second.id, "extension": "8001"})
        gateway._received({"id": "c2", "type": "route", "call_id": second.id, "extension": "8001"})  # heard twice
        await gateway.finish(timeout=0.2)

    # when
    asyncio.run(route_both_to_one_extension())

    # then: the second call is one double assignment, its repeat is not another
    assert len(stats.double_assignments) == 1 and "8001" in stats.double_assignments[0]


# --- A short run against the real product -------------------------------------------------------------------

QUICK = Behaviour(answer_delay_mean=0.2, talk_mean=0.6, talk_sd=0.3, hold_probability=0.3, hold_mean=0.3,
                  agent_hangup_probability=0.5, after_call_work_mean=0.3, patience_mean=4,
                  callback_probability=0, break_probability=0)
SIMULATED = ("acme-agent02", "acme-agent03", "acme-agent04")


@pytest.fixture
def server(live_acme):
    """uvicorn serving the product's ASGI application in a thread, and the ACD clock in another; the port."""
    with asgi_server() as port, acd_clock():
        yield port
    connection.set_tenant(live_acme)
    GatewayIntegration.objects.filter(name=NAME).delete()


def test_a_short_simulation_loses_no_call_and_never_gives_anyone_two_calls(live_acme, server):
    # given: three simulated agents and two calls a second to 售后服务 (a wrap-up code required)
    setup = prepare(tenant="acme", usernames=SIMULATED)
    simulation = Simulation(setup, address=("127.0.0.1", server),
                            streams=streams(setup.routes, per_queue={"售后服务": 2.0}), behaviour=QUICK, seed=7)

    # when
    try:
        with event_loop_runner() as runner:
            runner.run(simulation.run(asyncio.Event(), duration=4, drain=30))
    finally:
        forget(setup)

    # then: every call offered is in the database, finished or waiting, and reservations never overlap
    connection.set_tenant(live_acme)
    prefix = f"sim-{simulation.gateway.tag}-"
    offered = simulation.stats.counts["offered"]
    assert offered >= 2 and simulation.stats.counts["answered"] >= 1
    assert checks.lost_calls(prefix, offered=offered) == []
    assert checks.overlapping_reservations(prefix) == []
    assert simulation.stats.double_assignments == []
    assert sum(checks.call_statuses(prefix).values()) == offered
    # the agents did what a person at the desktop does: a wrap-up code for every answered call, then log out
    answered = Reservation.objects.filter(call__gateway_call_id__startswith=prefix, answered_at__isnull=False)
    assert answered.exists() and not answered.filter(wrap_up_code__isnull=True).exists()
    agents = Agent.objects.filter(user__username__in=SIMULATED)
    assert set(AgentStatus.objects.filter(agent__in=agents).values_list("state", flat=True)) == {
        AgentState.LOGGED_OUT}
