"""The simulator's random behaviour: Poisson arrivals, callers' patience, talk, hold and after-call work.

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
