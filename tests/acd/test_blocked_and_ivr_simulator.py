"""The call-traffic simulator's callers who never reach the ACD: a busy tone (`call.blocked`), or served
by the IVR (`call.ivr_completed`); and the command's defaults, which the demo's light simulation runs."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime

import pytest

from saas.acd.management.commands.simulate_calls import BEHAVIOUR_OPTIONS, Command
from saas.acd.simulator.distributions import COMMAND_DEFAULTS, Behaviour

from .test_simulator import _gateway


def _offer_and_finish(gateway, count: int) -> list:
    async def run():
        calls = [gateway.offer(queue="售后服务", access_number="4008208820", caller=f"1380013{n:04d}")
                 for n in range(count)]
        await gateway.finish(timeout=5)
        return calls

    return asyncio.run(run())


def test_callers_who_meet_a_busy_tone_are_reported_blocked_and_never_offered():
    # given: a gateway whose lines are always full
    gateway, product, stats = _gateway(Behaviour(blocked_probability=1))

    # when
    calls = _offer_and_finish(gateway, 5)

    # then
    assert all(product.kinds_of(call.id) == ["call.blocked"] for call in calls)
    assert {(event["caller"], event["access_number"]) for event in product.events} == {
        (call.caller, "4008208820") for call in calls}
    assert (stats.counts["blocked"], stats.counts["offered"]) == (5, 0)


def test_callers_served_by_the_ivr_are_reported_when_they_hang_up_there_with_their_entry_time():
    # given: every caller finishes in the IVR after about 0.2 s
    gateway, product, stats = _gateway(Behaviour(ivr_completed_probability=1, ivr_mean=0.2))

    # when
    calls = _offer_and_finish(gateway, 4)

    # then
    assert all(product.kinds_of(call.id) == ["call.ivr_completed"] for call in calls)
    for event in product.events:
        entered_at, at = datetime.fromisoformat(event["entered_at"]), datetime.fromisoformat(event["at"])
        assert 0 < (at - entered_at).total_seconds() < 5
    assert (stats.counts["ivr_completed"], stats.counts["offered"]) == (4, 0)


def test_the_shares_are_drawn_as_asked_and_a_share_of_nought_draws_nothing():
    # given
    behaviour, rng = Behaviour(blocked_probability=0.02, ivr_completed_probability=0.15), random.Random(21)

    # when
    blocked = sum(behaviour.blocks(rng) for _ in range(50_000))
    in_ivr = sum(behaviour.ends_in_ivr(rng) for _ in range(50_000))
    untouched = random.Random(22)
    state = untouched.getstate()
    for draw in (Behaviour().blocks, Behaviour().ends_in_ivr, Behaviour().dial_out_after):
        draw(untouched)

    # then: 2 % and 15 % of 50,000 are 1,000 and 7,500; without them a seeded run repeats as before
    assert blocked == pytest.approx(1000, rel=0.1) and in_ivr == pytest.approx(7500, rel=0.05)
    assert untouched.getstate() == state


def test_the_command_and_so_the_demo_simulates_blocked_ivr_and_outbound_calls_by_default():
    # when: the options `dev.py run` leaves at their defaults
    options = vars(Command().create_parser("saas", "simulate_calls").parse_args(["--tenant", "acme"]))

    # then
    behaviour = Behaviour(**{field: options[option] for option, (field, _) in BEHAVIOUR_OPTIONS.items()})
    assert behaviour == COMMAND_DEFAULTS
    assert behaviour.blocked_probability > 0 and behaviour.ivr_completed_probability > 0
    assert behaviour.dial_out_per_hour > 0 and 0 < behaviour.outbound_connect_probability < 1
