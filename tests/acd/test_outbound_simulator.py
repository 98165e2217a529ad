"""The call-traffic simulator's calls out: the gateway carries out `dial_out` (outbound.dialled, then
answered and ended, or failed), simulated agents dial out while ready; and a short run against the real
product with every kind of call the KPIs count."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace

import pytest
from django.db import connection

from saas.acd.models import NOT_CONNECTED, AgentState, AgentStateEvent, AgentStatus, Call, CallStatus
from saas.acd.simulator import checks
from saas.acd.simulator.distributions import NOT_CONNECTED_SHARES, Behaviour
from saas.acd.simulator.run import Simulation, event_loop_runner, forget, prepare, streams
from saas.agents.models import Agent

from .test_simulator import QUICK, SIMULATED, _gateway, server  # noqa: F401 (server: a fixture)

QUICKLY_OUT = Behaviour(outbound_ring_mean=0.1, talk_mean=0.2, talk_sd=0.1)


DIAL_OUT = {"id": "dial-1", "type": "dial_out", "extension": "8001", "number": "13900139000"}
# The agent's hang-up from the desktop: no call id, as the agent holds no reservation on a call out.
HANG_UP = {"id": "hang-up-1", "type": "hangup", "extension": "8001"}


def _dial(gateway, *, hang_up_in: str = "") -> None:
    """The product's `dial_out` for extension 8001; with `hang_up_in` (a phase of the call), the agent
    hangs up once the call is in it."""
    async def run():
        gateway._received(DIAL_OUT)
        while hang_up_in and hang_up_in not in {call.phase for call in gateway.calls.values()}:
            await asyncio.sleep(0.01)
        if hang_up_in:
            gateway._received(HANG_UP)
        await gateway.finish(timeout=5)

    asyncio.run(run())


def test_a_dial_out_that_connects_is_dialled_answered_and_ended():
    # given
    gateway, product, stats = _gateway(replace(QUICKLY_OUT, outbound_connect_probability=1))

    # when
    _dial(gateway)

    # then
    [dialled, *rest] = product.events
    assert (dialled["type"], dialled["extension"], dialled["number"]) == ("outbound.dialled", "8001", "13900139000")
    assert [event["type"] for event in rest] == ["outbound.answered", "outbound.ended"]
    assert rest[-1]["hung_up_by"] == "caller"  # nobody simulated sits at 8001: the called party ends it
    assert {event["call_id"] for event in product.events} == {dialled["call_id"]}
    assert (stats.counts["dialled"], stats.counts["outbound connected"]) == (1, 1)
    assert gateway.busy == {} and gateway.outbound == {}


def test_a_dial_out_that_does_not_connect_fails_with_a_reason():
    # given
    gateway, product, stats = _gateway(replace(QUICKLY_OUT, outbound_connect_probability=0))

    # when
    _dial(gateway)

    # then
    assert [event["type"] for event in product.events] == ["outbound.dialled", "outbound.failed"]
    assert product.events[-1]["reason"] in NOT_CONNECTED
    assert stats.counts[f"outbound {product.events[-1]['reason']}"] == 1


def test_an_agent_who_hangs_up_while_it_rings_gives_up_on_a_call_that_would_have_connected():
    # given: the called party would answer, after a minute
    gateway, product, _ = _gateway(Behaviour(outbound_connect_probability=1, outbound_ring_mean=60))

    # when
    _dial(gateway, hang_up_in="dialling")

    # then
    assert [(event["type"], event.get("reason")) for event in product.events] == [
        ("outbound.dialled", None), ("outbound.failed", "no_answer")]


def test_an_agent_who_hangs_up_while_talking_ends_the_call_out():
    # given: the called party answers at once and would talk for a minute
    gateway, product, _ = _gateway(Behaviour(outbound_connect_probability=1, outbound_ring_mean=0.05, talk_mean=60,
                                             talk_sd=1))

    # when
    _dial(gateway, hang_up_in="talking")

    # then
    assert [(event["type"], event.get("hung_up_by")) for event in product.events] == [
        ("outbound.dialled", None), ("outbound.answered", None), ("outbound.ended", "agent")]


def test_a_refused_dial_goes_no_further():
    # given: the product refuses the dial (a caller's ring reached the agent first)
    gateway, product, stats = _gateway(QUICKLY_OUT)

    async def refuse(message: dict) -> None:
        product.events.append(message)
        gateway._received({"type": "receipt", "event_id": message["event_id"], "outcome": "refused",
                           "code": "agent_state_conflict"})

    product.send = refuse

    # when
    _dial(gateway)

    # then
    assert [event["type"] for event in product.events] == ["outbound.dialled"]
    assert (stats.counts["dial_out_refused"], stats.counts["dialled"], stats.errors["agent_state_conflict"]) == (
        1, 0, 1)
    assert gateway.busy == {}


def test_no_call_out_starts_once_the_run_winds_down():
    # given
    gateway, product, _ = _gateway(QUICKLY_OUT)

    async def dial_while_finishing():
        finishing = asyncio.get_running_loop().create_task(gateway.finish(timeout=1))
        await asyncio.sleep(0)
        gateway._received(DIAL_OUT)
        await finishing

    # when
    asyncio.run(dial_while_finishing())

    # then
    assert product.events == []


def test_a_restarted_gateway_ends_the_calls_out_an_earlier_run_left():
    # given
    gateway, product, _ = _gateway(QUICKLY_OUT)
    orphans = [("sim-a-out-1", CallStatus.DIALLING, "outbound"), ("sim-a-out-2", CallStatus.CONNECTED, "outbound"),
               ("sim-a-3", CallStatus.CONNECTED, "inbound")]

    # when
    asyncio.run(gateway.hang_up_orphans(orphans))

    # then
    assert [(event["call_id"], event["type"], event.get("reason") or event.get("hung_up_by")) for event in
            product.events] == [("sim-a-out-1", "outbound.failed", "failed"),
                                ("sim-a-out-2", "outbound.ended", "system"), ("sim-a-3", "call.ended", "caller")]


def test_calls_out_connect_and_fail_in_the_asked_shares():
    # given
    behaviour, rng = Behaviour(outbound_connect_probability=0.7), random.Random(31)

    # when
    outcomes = [behaviour.outbound_outcome(rng) for _ in range(50_000)]

    # then: 70 % answered; the other 30 % split 70/20/10: 10,500, 3,000 and 1,500 of 50,000
    assert outcomes.count("answered") == pytest.approx(35_000, rel=0.02)
    for reason, share in NOT_CONNECTED_SHARES.items():
        assert outcomes.count(reason) == pytest.approx(50_000 * 0.3 * share, rel=0.1)


def test_a_ready_agent_dials_out_at_the_asked_rate():
    # given: 360 calls out an hour while ready is one every 10 s on average
    behaviour, rng = Behaviour(dial_out_per_hour=360), random.Random(32)

    # when
    waits = [behaviour.dial_out_after(rng) for _ in range(20_000)]

    # then
    assert sum(waits) / len(waits) == pytest.approx(10, rel=0.05)


# --- A short run against the real product -------------------------------------------------------------------

EVERYTHING = replace(QUICK, blocked_probability=0.15, ivr_completed_probability=0.15, ivr_mean=0.3,
                     dial_out_per_hour=3600, outbound_ring_mean=0.3)


def test_a_short_simulation_produces_blocked_ivr_and_outbound_calls_and_loses_none(live_acme, server):  # noqa: F811
    # given: three simulated agents who dial out about once a second while ready, and two calls a second
    setup = prepare(tenant="acme", usernames=SIMULATED)
    simulation = Simulation(setup, address=("127.0.0.1", server),
                            streams=streams(setup.routes, per_queue={"售后服务": 2.0}), behaviour=EVERYTHING, seed=8)

    # when
    try:
        with event_loop_runner() as runner:
            runner.run(simulation.run(asyncio.Event(), duration=5, drain=30))
    finally:
        forget(setup)

    # then: every call the gateway reported is stored and finished (or waiting), of each kind
    connection.set_tenant(live_acme)
    prefix = f"sim-{simulation.gateway.tag}-"
    counts = simulation.stats.counts
    reported = counts["offered"] + counts["blocked"] + counts["ivr_completed"] + counts["dialled"]
    assert counts["blocked"] >= 1 and counts["ivr_completed"] >= 1 and counts["dialled"] >= 1, counts
    assert checks.lost_calls(prefix, offered=reported) == []
    assert sum(checks.call_statuses(prefix).values()) == reported
    assert checks.overlapping_reservations(prefix) == [] and simulation.stats.double_assignments == []
    calls = Call.objects.filter(gateway_call_id__startswith=prefix)
    assert calls.filter(status=CallStatus.BLOCKED).count() == counts["blocked"]
    assert calls.filter(status=CallStatus.IVR_COMPLETED).count() == counts["ivr_completed"]
    outbound = calls.filter(direction=Call.Direction.OUTBOUND)
    assert outbound.count() == counts["dialled"]
    assert set(outbound.values_list("status", flat=True)) <= {CallStatus.ENDED, *NOT_CONNECTED}
    assert outbound.filter(status=CallStatus.ENDED, answered_at__isnull=False).count() == \
        counts["outbound connected"]
    # each call out was its agent's time on a call
    agents = Agent.objects.filter(user__username__in=SIMULATED)
    assert not outbound.exclude(agent__in=agents).exists()
    assert AgentStateEvent.objects.filter(call__in=outbound, state=AgentState.ON_CALL).count() == outbound.count()
    assert set(AgentStatus.objects.filter(agent__in=agents).values_list("state", flat=True)) == {
        AgentState.LOGGED_OUT}
