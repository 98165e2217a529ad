"""The agent state machine: which action moves an agent from which states to which state.

Pure data and one function, so every allowed and refused transition can be tested without a
database. Services call `next_state` while holding the agent's row lock.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from saas.acd.models import AgentState as S
from saas.api.errors import Conflict

# action: (states it is allowed from, the state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "login": (frozenset({S.LOGGED_OUT}), S.NOT_READY),
    "logout": (frozenset({S.NOT_READY, S.READY, S.RINGING, S.AFTER_CALL_WORK}), S.LOGGED_OUT),
    "ready": (frozenset({S.NOT_READY, S.AFTER_CALL_WORK}), S.READY),
    # From ringing: the agent declines; the call goes back to its place in the queue.
    "not_ready": (frozenset({S.READY, S.NOT_READY, S.RINGING, S.AFTER_CALL_WORK}), S.NOT_READY),
    "offer": (frozenset({S.READY}), S.RINGING),
    "miss": (frozenset({S.RINGING}), S.NOT_READY),
    "cancel": (frozenset({S.RINGING}), S.READY),
    "answer": (frozenset({S.RINGING}), S.ON_CALL),
    # An attended transfer lands on an agent who was consulted while ready.
    "connect": (frozenset({S.READY}), S.ON_CALL),
    # Dialling out: a not-ready agent may call a customer back without offering themselves to the queue.
    "dial": (frozenset({S.READY, S.NOT_READY}), S.ON_CALL),
    "hold": (frozenset({S.ON_CALL}), S.ON_HOLD),
    "unhold": (frozenset({S.ON_HOLD}), S.ON_CALL),
    "end": (frozenset({S.ON_CALL, S.ON_HOLD}), S.AFTER_CALL_WORK),
    # After-call work is over (wrap-up given, or its time is up): ready, or not ready if asked for.
    "finish": (frozenset({S.AFTER_CALL_WORK}), S.READY),
}


def next_state(action: str, current: str) -> str:
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise Conflict(
            "agent_state_conflict",
            _("An agent who is %(state)s cannot do this (%(action)s).")
            % {"state": S(current).label, "action": action},
            details={"state": current, "action": action, "allowed_from": sorted(allowed)},
        )
    return target
