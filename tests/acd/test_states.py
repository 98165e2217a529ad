"""The agent state machine: the table itself, and the services' refusals around it."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from saas.acd import services
from saas.acd.models import AgentState, AgentStateEvent, AgentStatus
from saas.acd.states import TRANSITIONS, next_state
from saas.agents.models import ReasonCode
from saas.api.errors import Conflict, DomainError
from saas.queues.models import WrapUpCode

from .conftest import extension_of, state_of

S = AgentState
# The agreed machine, written out again: a change to TRANSITIONS must change this too.
EXPECTED = {
    "login": ({S.LOGGED_OUT}, S.NOT_READY),
    "logout": ({S.NOT_READY, S.READY, S.RINGING, S.AFTER_CALL_WORK}, S.LOGGED_OUT),
    "ready": ({S.NOT_READY, S.AFTER_CALL_WORK}, S.READY),
    "not_ready": ({S.READY, S.NOT_READY, S.RINGING, S.AFTER_CALL_WORK}, S.NOT_READY),
    "offer": ({S.READY}, S.RINGING),
    "miss": ({S.RINGING}, S.NOT_READY),
    "cancel": ({S.RINGING}, S.READY),
    "answer": ({S.RINGING}, S.ON_CALL),
    "connect": ({S.READY}, S.ON_CALL),
    "dial": ({S.READY, S.NOT_READY}, S.ON_CALL),
    "hold": ({S.ON_CALL}, S.ON_HOLD),
    "unhold": ({S.ON_HOLD}, S.ON_CALL),
    "end": ({S.ON_CALL, S.ON_HOLD}, S.AFTER_CALL_WORK),
    "finish": ({S.AFTER_CALL_WORK}, S.READY),
}


def test_the_transition_table_is_the_agreed_one():
    # given
    table = {action: (set(allowed), target) for action, (allowed, target) in TRANSITIONS.items()}

    # then
    assert table == EXPECTED


@pytest.mark.parametrize(("action", "state"), list(itertools.product(TRANSITIONS, S)))
def test_every_action_from_every_state(action, state):
    # given
    allowed, target = EXPECTED[action]

    # when / then
    if state in allowed:
        assert next_state(action, state) == target
    else:
        with pytest.raises(Conflict) as refused:
            next_state(action, state)
        assert refused.value.code == "agent_state_conflict"
        assert refused.value.details["state"] == state


def _on_call(queue, ready, gateway):
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    return agent, call_id


def _in_after_call_work(queue, ready, gateway):
    agent, call_id = _on_call(queue, ready, gateway)
    gateway.send("call.ended", call_id, hung_up_by="caller")
    assert state_of(agent) == S.AFTER_CALL_WORK
    return agent


def test_ready_is_refused_on_a_call(queue, ready, gateway):
    # given
    agent, _ = _on_call(queue, ready, gateway)

    # when
    with pytest.raises(Conflict) as refused:
        services.do_set_ready(agent=agent, actor=agent.user)

    # then
    assert refused.value.code == "agent_state_conflict"
    assert state_of(agent) == S.ON_CALL


def test_logout_is_refused_on_a_call(queue, ready, gateway):
    # given
    agent, _ = _on_call(queue, ready, gateway)

    # when
    with pytest.raises(Conflict) as refused:
        services.do_logout(agent=agent, actor=agent.user)

    # then
    assert refused.value.code == "agent_state_conflict"
    assert AgentStatus.objects.get(agent=agent).session.ended_at is None


@pytest.mark.parametrize("code", ["missed", "supervisor"])
def test_an_agent_cannot_choose_a_system_reason(agents, code):
    # given
    [agent] = agents(1)

    # when
    with pytest.raises(DomainError) as refused:
        services.do_set_not_ready(agent=agent, actor=agent.user, reason=ReasonCode.objects.get(code=code))

    # then
    assert refused.value.code == "reason_not_selectable"
    assert AgentStatus.objects.get(agent=agent).reason is None


def test_an_agent_chooses_a_reason_to_be_not_ready(ready):
    # given
    [agent] = ready(1)

    # when
    services.do_set_not_ready(agent=agent, actor=agent.user, reason=ReasonCode.objects.get(code="lunch"))

    # then
    status = AgentStatus.objects.get(agent=agent)
    assert (status.state, status.reason.code) == (S.NOT_READY, "lunch")


@pytest.mark.parametrize("leave", ["ready", "not_ready"])
def test_after_call_work_needs_the_wrap_up_code_its_queue_requires(make_queue, queue, ready, gateway, leave):
    # given
    queue.wrap_up_required = True
    queue.after_call_work_seconds = 60
    queue.save()
    agent = _in_after_call_work(queue, ready, gateway)

    # when
    with pytest.raises(Conflict) as refused:
        if leave == "ready":
            services.do_set_ready(agent=agent, actor=agent.user)
        else:
            services.do_set_not_ready(agent=agent, actor=agent.user, reason=ReasonCode.objects.get(code="break"))

    # then
    assert refused.value.code == "wrap_up_required"
    assert state_of(agent) == S.AFTER_CALL_WORK


def test_a_wrap_up_code_ends_after_call_work(queue, ready, gateway):
    # given
    queue.wrap_up_required = True
    queue.after_call_work_seconds = 60
    queue.save()
    code = WrapUpCode.objects.create(queue=queue, code="repair", name="报修")
    agent = _in_after_call_work(queue, ready, gateway)

    # when
    reservation = services.do_wrap_up(agent=agent, actor=agent.user, code=code, notes="换了滤芯",
                                      resolved_first_contact=True)

    # then
    reservation.refresh_from_db()
    assert (reservation.wrap_up_code, reservation.notes, reservation.resolved_first_contact) == (code, "换了滤芯", True)
    assert reservation.wrapped_up_at is not None
    assert state_of(agent) == S.READY


def test_a_wrap_up_code_of_another_queue_is_refused(make_queue, queue, ready, gateway):
    # given
    queue.after_call_work_seconds = 60
    queue.save()
    foreign = WrapUpCode.objects.create(queue=make_queue("会员热线"), code="member", name="会员权益")
    agent = _in_after_call_work(queue, ready, gateway)

    # when
    with pytest.raises(DomainError) as refused:
        services.do_wrap_up(agent=agent, actor=agent.user, code=foreign)

    # then
    assert refused.value.code == "wrap_up_code_invalid"
    assert state_of(agent) == S.AFTER_CALL_WORK


def test_notes_saved_during_the_call_stay_after_it(queue, ready, gateway):
    # given
    agent, call_id = _on_call(queue, ready, gateway)

    # when
    services.do_wrap_up(agent=agent, actor=agent.user, notes="客户要求上门")
    gateway.send("call.ended", call_id, hung_up_by="agent")

    # then
    reservation = agent.reservations.get()
    assert reservation.notes == "客户要求上门"
    assert state_of(agent) == S.READY


def test_wrap_up_without_a_call_is_refused(ready):
    # given
    [agent] = ready(1)

    # when
    with pytest.raises(Conflict) as refused:
        services.do_wrap_up(agent=agent, actor=agent.user, notes="?")

    # then
    assert refused.value.code == "no_call_to_wrap_up"


def test_every_change_writes_a_state_event_with_its_time(queue, agents, gateway):
    # given
    start = timezone.now()
    [agent] = agents(1)
    services.do_set_ready(agent=agent, actor=agent.user)
    gateway.now = timezone.now() + timedelta(minutes=1)  # the gateway's times are its own

    # when
    call_id = gateway.offer()
    answered = gateway.now + timedelta(seconds=1)
    gateway.send("call.answered", call_id, at=answered, extension=extension_of(agent))
    gateway.send("call.held", call_id, at=answered + timedelta(seconds=5), extension=extension_of(agent))
    gateway.send("call.unheld", call_id, at=answered + timedelta(seconds=9), extension=extension_of(agent))
    gateway.send("call.ended", call_id, at=answered + timedelta(seconds=20), hung_up_by="caller")
    services.do_logout(agent=agent, actor=agent.user)

    # then
    events = list(AgentStateEvent.objects.filter(agent=agent, at__gte=start).order_by("id"))
    assert [event.state for event in events] == [S.NOT_READY, S.READY, S.RINGING, S.ON_CALL, S.ON_HOLD, S.ON_CALL,
                                                 S.AFTER_CALL_WORK, S.READY, S.LOGGED_OUT]
    assert [event.at for event in events[3:8]] == [answered + timedelta(seconds=s) for s in (0, 5, 9, 20, 20)]
    assert all(event.call and event.call.gateway_call_id == call_id for event in events[2:7])
    assert events[0].actor == agent.user.username and events[3].actor == ""
    status = AgentStatus.objects.get(agent=agent)
    assert (status.state, status.since) == (S.LOGGED_OUT, events[-1].at)
