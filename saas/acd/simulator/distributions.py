"""The simulator's random behaviour: Poisson arrivals, callers' patience, talk, hold and after-call work,
the calls that never reach the ACD (busy tone, IVR), and agents' calls out.

Every draw takes the caller's `random.Random`, so a seeded run repeats itself.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass


def lognormal(rng: random.Random, mean: float, sd: float) -> float:
    """A log-normal draw with this mean and standard deviation (not those of its logarithm)."""
    if mean <= 0:
        return 0.0
    if sd <= 0:
        return mean
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


def exponential(rng: random.Random, mean: float) -> float:
    return rng.expovariate(1 / mean) if mean > 0 else 0.0


def arrival_gaps(rng: random.Random, rate: float) -> Iterator[float]:
    """Seconds between calls of a Poisson process of `rate` calls a second."""
    while True:
        yield rng.expovariate(rate)


# Mobile prefixes of the big three carriers: callers whose province the product can tell.
_PREFIXES = ("134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "187",
             "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "181", "189", "199")


def callers(rng: random.Random, count: int) -> list[str]:
    """A pool of callers' numbers; drawing from it makes repeat callers, as real traffic has."""
    return [rng.choice(_PREFIXES) + f"{rng.randrange(10**8):08d}" for _ in range(count)]


@dataclass(frozen=True)
class Behaviour:
    """How callers and simulated agents behave, in seconds and probabilities."""

    answer_delay_mean: float = 2.0  # from the ring at a simulated agent to the answer
    talk_mean: float = 45.0  # log-normal
    talk_sd: float = 30.0
    hold_probability: float = 0.15  # a simulated agent puts the caller on hold once during the call
    hold_mean: float = 15.0  # exponential
    agent_hangup_probability: float = 0.3  # else the caller hangs up at the end of the talk
    after_call_work_mean: float = 8.0  # log-normal, sd half the mean: then the agent sends the wrap-up
    patience_mean: float = 60.0  # exponential: a waiting or ringing caller hangs up after this
    callback_probability: float = 0.5  # a caller offered a callback accepts it
    break_probability: float = 0.05  # after a call, a simulated agent takes a not-ready break
    break_mean: float = 60.0  # exponential
    ring_delay: float = 0.02  # from the product's route command to the gateway's call.ringing
    # Off unless asked for (see COMMAND_DEFAULTS), and then drawn only when asked for, so that a seeded
    # run without them repeats itself as before they existed.
    blocked_probability: float = 0.0  # an arriving caller meets the gateway's busy tone (call.blocked)
    ivr_completed_probability: float = 0.0  # an arriving caller is served by the IVR and hangs up there
    ivr_mean: float = 30.0  # seconds such a caller spends in the IVR (log-normal, sd half the mean)
    dial_out_per_hour: float = 0.0  # while ready, a simulated agent dials out at this rate (Poisson)
    outbound_connect_probability: float = 0.7  # the called party answers (else no answer, busy or failed)
    outbound_ring_mean: float = 10.0  # seconds an outbound call rings before it connects or fails (log-normal)

    def answer_delay(self, rng: random.Random) -> float:
        return lognormal(rng, self.answer_delay_mean, self.answer_delay_mean / 2)

    def talk(self, rng: random.Random) -> float:
        return lognormal(rng, self.talk_mean, self.talk_sd)

    def hold(self, rng: random.Random) -> float | None:
        """How long the call is held, or None when it is not."""
        return exponential(rng, self.hold_mean) if rng.random() < self.hold_probability else None

    def after_call_work(self, rng: random.Random) -> float:
        return lognormal(rng, self.after_call_work_mean, self.after_call_work_mean / 2)

    def patience(self, rng: random.Random) -> float:
        return exponential(rng, self.patience_mean) if self.patience_mean > 0 else math.inf

    def takes_break(self, rng: random.Random) -> float | None:
        """The length of a not-ready break after a call, or None when the agent takes none."""
        return self.break_length(rng) if rng.random() < self.break_probability else None

    def break_length(self, rng: random.Random) -> float:
        return exponential(rng, self.break_mean)

    def blocks(self, rng: random.Random) -> bool:
        return _happens(rng, self.blocked_probability)

    def ends_in_ivr(self, rng: random.Random) -> bool:
        return _happens(rng, self.ivr_completed_probability)

    def in_ivr(self, rng: random.Random) -> float:
        return lognormal(rng, self.ivr_mean, self.ivr_mean / 2)

    def dial_out_after(self, rng: random.Random) -> float | None:
        """Seconds of being ready before a simulated agent dials out, or None when they never do."""
        return exponential(rng, 3600 / self.dial_out_per_hour) if self.dial_out_per_hour > 0 else None

    def outbound_ring(self, rng: random.Random) -> float:
        return lognormal(rng, self.outbound_ring_mean, self.outbound_ring_mean / 2)

    def outbound_outcome(self, rng: random.Random) -> str:
        """"answered", or how the call fails to connect (the reason of outbound.failed)."""
        if rng.random() < self.outbound_connect_probability:
            return "answered"
        return rng.choices(list(NOT_CONNECTED_SHARES), weights=list(NOT_CONNECTED_SHARES.values()))[0]


# How outbound calls that do not connect fail, in shares of those.
NOT_CONNECTED_SHARES = {"no_answer": 0.7, "busy": 0.2, "failed": 0.1}

# What `saas simulate_calls` (and so the demo's light simulation) does unless told otherwise: besides
# the calls offered to the ACD, a few callers meet a busy tone, some finish in the IVR, and agents
# now and then dial out, so that every KPI of the reports has data.
COMMAND_DEFAULTS = Behaviour(blocked_probability=0.02, ivr_completed_probability=0.15, dial_out_per_hour=2.0)


def _happens(rng: random.Random, probability: float) -> bool:
    return probability > 0 and rng.random() < probability
