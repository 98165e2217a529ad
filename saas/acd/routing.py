"""Matching waiting calls with ready agents.

Calls are taken by their queue's priority, then their own, then their place (`queued_at`). Each
goes to a ready agent who has every skill its queue requires, chosen by the queue's strategy.
`route` runs inside the transaction of whatever made work available (an offer, an agent ready, a
ring that timed out), under the tenant's ACD lock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from saas.acd.changes import lock, reserve
from saas.acd.models import WAITING, AgentState, AgentStatus, Call, Reservation
from saas.agents.models import AgentSkill
from saas.queues.models import Queue


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    ready_since: datetime
    last_offered_at: datetime | None
    skills: dict[int, int]  # skill id → proficiency


def _longest_idle(candidate: Candidate, required: frozenset[int]):
    return (candidate.ready_since, candidate.agent_id)


def _round_robin(candidate: Candidate, required: frozenset[int]):
    # The agent offered a call longest ago (never offered comes first).
    return (candidate.last_offered_at is not None, candidate.last_offered_at or candidate.ready_since,
            candidate.agent_id)


def _skills_weighted(candidate: Candidate, required: frozenset[int]):
    return (-sum(candidate.skills.get(skill, 0) for skill in required), candidate.ready_since, candidate.agent_id)


ORDER = {
    Queue.Strategy.LONGEST_IDLE: _longest_idle,
    Queue.Strategy.ROUND_ROBIN: _round_robin,
    Queue.Strategy.SKILLS_WEIGHTED: _skills_weighted,
}


def choose(strategy: str, candidates: list[Candidate], required: frozenset[int]) -> Candidate | None:
    """The agent the strategy picks among those who have every required skill."""
    able = [candidate for candidate in candidates if required <= candidate.skills.keys()]
    return min(able, key=lambda candidate: ORDER[strategy](candidate, required), default=None)


def route(*, at: datetime) -> list[Reservation]:
    """Reserve waiting calls, best first, at ready agents until none is left who can take one."""
    lock()
    # Most changes find no call waiting (calls are routed as they are offered): then nothing else is read.
    if not Call.objects.filter(status__in=WAITING).exists():
        return []
    # Candidates as plain values: with hundreds of agents ready, model instances cost more than the query.
    ready = {agent_id: (ready_since or since, last_offered_at) for agent_id, ready_since, since, last_offered_at in
             AgentStatus.objects.filter(state=AgentState.READY).values_list(
                 "agent_id", "ready_since", "since", "last_offered_at")}
    if not ready:
        return []
    skills: dict[int, dict[int, int]] = defaultdict(dict)
    for agent_id, skill_id, proficiency in AgentSkill.objects.filter(agent_id__in=ready).values_list(
            "agent_id", "skill_id", "proficiency"):
        skills[agent_id][skill_id] = proficiency
    free = {agent_id: Candidate(agent_id, since, offered_at, skills[agent_id])
            for agent_id, (since, offered_at) in ready.items()}
    required = _required_skills()
    reservations = []
    while free:
        # Only the queues someone free can serve: calls nobody can take must not hide those behind them.
        servable = [queue_id for queue_id, needs in required.items()
                    if any(needs <= candidate.skills.keys() for candidate in free.values())]
        calls = list(Call.objects.select_related("queue").filter(status__in=WAITING, queue_id__in=servable)
                     .order_by("-queue__priority", "-priority", "queued_at", "id")[:len(free)])
        if not calls:
            break
        for call in calls:  # the first always finds an agent, so each pass reserves at least one call
            chosen = choose(call.queue.strategy, list(free.values()), required[call.queue_id])
            if chosen is None:
                continue  # an earlier call took this queue's last able agent
            del free[chosen.agent_id]
            status = AgentStatus.objects.select_related("session__seat").get(agent_id=chosen.agent_id)
            reservations.append(reserve(call, status, at=at))
    return reservations


def _required_skills() -> dict[int, frozenset[int]]:
    """The skills each queue with waiting calls requires."""
    queue_ids = set(Call.objects.filter(status__in=WAITING).order_by().values_list("queue_id", flat=True).distinct())
    required = dict.fromkeys(queue_ids, frozenset())
    for queue_id, skill_id in Queue.required_skills.through.objects.filter(queue_id__in=queue_ids).values_list(
            "queue_id", "skill_id"):
        required[queue_id] |= {skill_id}
    return required
