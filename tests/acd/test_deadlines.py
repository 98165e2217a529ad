"""The ACD's deadlines: a ring that times out, after-call work that ends, and the clock that runs them."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from saas.acd import notify, services
from saas.acd.models import AgentState, AgentStatus, Call, CallStatus, Reservation
from saas.agents.models import ReasonCode
from saas.queues.models import WrapUpCode
from tests.servers import acd_clock

from .conftest import Gateway, extension_of, log_in, make_ready, new_queue, state_of


def _expire(reservation: Reservation) -> None:
    Reservation.objects.filter(pk=reservation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def test_a_ring_that_times_out_goes_to_the_next_agent_and_keeps_the_callers_place(queue, ready, gateway):
    # given
    first, second = ready(2)
    call_id = gateway.offer()
    call = Call.objects.get(gateway_call_id=call_id)
    reservation = Reservation.objects.get(call=call)
    _expire(reservation)

    # when
    services.handle_deadline("ring", reservation.pk)

    # then
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.MISSED and reservation.ended_at
    status = AgentStatus.objects.get(agent=first)
    assert (status.state, status.reason.code) == (AgentState.NOT_READY, "missed")
    moved = Call.objects.get(pk=call.pk)
    assert (moved.status, moved.agent, moved.queued_at) == (CallStatus.RINGING, second, call.queued_at)


def test_a_ring_deadline_before_its_time_changes_nothing(queue, ready, gateway):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()
    reservation = Reservation.objects.get(call__gateway_call_id=call_id)

    # when
    services.handle_deadline("ring", reservation.pk)

    # then
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.RINGING
    assert state_of(agent) == AgentState.RINGING


def test_a_ring_deadline_after_the_answer_changes_nothing(queue, ready, gateway):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    reservation = Reservation.objects.get(call__gateway_call_id=call_id)
    _expire(reservation)

    # when
    services.handle_deadline("ring", reservation.pk)

    # then
    assert Reservation.objects.get(pk=reservation.pk).status == Reservation.Status.CONNECTED
    assert state_of(agent) == AgentState.ON_CALL


def test_the_clock_times_a_ring_out_by_itself(live_acme):
    # given: a queue that rings for one second, and a real clock in its own thread
    queue = new_queue("超时测试", ring_seconds=1)
    [agent] = make_ready(log_in(1))
    call_id = Gateway().offer(ivr_selection=queue.name)

    # when
    with acd_clock():
        deadline = time.monotonic() + 10
        while state_of(agent) == AgentState.RINGING and time.monotonic() < deadline:
            time.sleep(0.1)

    # then
    status = AgentStatus.objects.select_related("reason").get(agent=agent)
    assert (status.state, status.reason.code) == (AgentState.NOT_READY, "missed")
    assert Call.objects.get(gateway_call_id=call_id).status == CallStatus.QUEUED
    services.do_logout(agent=agent, actor=agent.user)


@pytest.fixture
def after_call_work(queue):
    """The queue gives 30 s of after-call work."""
    queue.after_call_work_seconds = 30
    queue.save()
    return queue


def _talk(gateway, agent) -> str:
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    gateway.send("call.ended", call_id, hung_up_by="caller")
    return call_id


def _time_up(agent) -> None:
    AgentStatus.objects.filter(agent=agent).update(after_call_work_until=timezone.now() - timedelta(seconds=1))
    services.handle_deadline("acw", agent.pk)


def test_after_call_work_lasts_the_queues_time(after_call_work, ready, gateway):
    # given
    [agent] = ready(1)

    # when
    _talk(gateway, agent)

    # then
    status = AgentStatus.objects.get(agent=agent)
    assert status.state == AgentState.AFTER_CALL_WORK
    assert status.after_call_work_until == status.since + timedelta(seconds=30)


def test_after_call_work_ends_by_its_deadline(after_call_work, ready, gateway):
    # given
    [agent] = ready(1)
    _talk(gateway, agent)

    # when
    _time_up(agent)

    # then
    status = AgentStatus.objects.get(agent=agent)
    assert (status.state, status.after_call_work_until) == (AgentState.READY, None)


def test_after_call_work_deadline_before_its_time_changes_nothing(after_call_work, ready, gateway):
    # given
    [agent] = ready(1)
    _talk(gateway, agent)

    # when
    services.handle_deadline("acw", agent.pk)

    # then
    assert state_of(agent) == AgentState.AFTER_CALL_WORK


def test_after_call_work_stays_until_the_required_wrap_up(after_call_work, ready, gateway):
    # given
    after_call_work.wrap_up_required = True
    after_call_work.save()
    code = WrapUpCode.objects.create(queue=after_call_work, code="consult", name="咨询")
    [agent] = ready(1)
    _talk(gateway, agent)

    # when
    _time_up(agent)

    # then
    assert state_of(agent) == AgentState.AFTER_CALL_WORK

    # when
    services.do_wrap_up(agent=agent, actor=agent.user, code=code)

    # then
    assert state_of(agent) == AgentState.READY


def test_a_required_wrap_up_given_during_the_call_needs_no_after_call_work(queue, ready, gateway):
    # given
    queue.wrap_up_required = True
    queue.save()
    code = WrapUpCode.objects.create(queue=queue, code="consult", name="咨询")
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    services.do_wrap_up(agent=agent, actor=agent.user, code=code)

    # when
    gateway.send("call.ended", call_id, hung_up_by="caller")

    # then
    assert state_of(agent) == AgentState.READY


def test_a_required_wrap_up_without_after_call_work_time_waits_for_the_code(queue, ready, gateway):
    # given
    queue.wrap_up_required = True
    queue.save()
    [agent] = ready(1)

    # when
    _talk(gateway, agent)
    _time_up(agent)

    # then
    assert state_of(agent) == AgentState.AFTER_CALL_WORK


def _forced_during_a_call(gateway, agent, supervisor) -> str:
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    services.do_force_not_ready(agent=agent, actor=supervisor)
    return call_id


def test_a_supervisors_not_ready_waits_for_the_call_then_applies_at_the_end_of_after_call_work(
        after_call_work, ready, gateway, supervisor):
    # given
    [agent] = ready(1)
    call_id = _forced_during_a_call(gateway, agent, supervisor)
    status = AgentStatus.objects.get(agent=agent)
    assert (status.state, status.pending_reason.code) == (AgentState.ON_CALL, "supervisor")
    gateway.send("call.ended", call_id, hung_up_by="caller")
    assert state_of(agent) == AgentState.AFTER_CALL_WORK

    # when
    _time_up(agent)

    # then
    status = AgentStatus.objects.get(agent=agent)
    assert (status.state, status.reason.code, status.pending_reason) == (AgentState.NOT_READY, "supervisor", None)


def test_the_agents_desktop_hears_of_a_pending_not_ready(queue, ready, gateway, supervisor, listen,
                                                        django_capture_on_commit_callbacks):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    desktop = listen(notify.agent_group(agent.pk))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.do_force_not_ready(agent=agent, actor=supervisor)

    # then
    assert {"type": "agent.changed", "agent": agent.pk} in desktop.received()


def test_a_supervisors_not_ready_applies_when_the_call_ends_without_after_call_work(queue, ready, gateway,
                                                                                  supervisor):
    # given
    [agent] = ready(1)
    call_id = _forced_during_a_call(gateway, agent, supervisor)

    # when
    gateway.send("call.ended", call_id, hung_up_by="caller")

    # then
    status = AgentStatus.objects.get(agent=agent)
    assert (status.state, status.reason.code) == (AgentState.NOT_READY, "supervisor")


def test_ready_in_after_call_work_does_not_undo_a_supervisors_not_ready(after_call_work, ready, gateway,
                                                                        supervisor):
    # given
    [agent] = ready(1)
    call_id = _forced_during_a_call(gateway, agent, supervisor)
    gateway.send("call.ended", call_id, hung_up_by="caller")

    # when
    services.do_set_ready(agent=agent, actor=agent.user)

    # then
    status = AgentStatus.objects.get(agent=agent)
    assert (status.state, status.reason.code) == (AgentState.NOT_READY, "supervisor")


def test_a_pending_not_ready_met_by_the_agent_does_not_come_back_after_a_later_call(after_call_work, ready, gateway,
                                                                                   supervisor):
    # given: forced during a call, and the agent goes on a break themselves in after-call work
    [agent] = ready(1)
    call_id = _forced_during_a_call(gateway, agent, supervisor)
    gateway.send("call.ended", call_id, hung_up_by="caller")
    services.do_set_not_ready(agent=agent, actor=agent.user, reason=ReasonCode.objects.get(code="break"))
    services.do_set_ready(agent=agent, actor=agent.user)

    # when: the next call and its after-call work
    _talk(gateway, agent)
    _time_up(agent)

    # then
    status = AgentStatus.objects.get(agent=agent)
    assert (status.state, status.pending_reason) == (AgentState.READY, None)


def test_a_supervisor_makes_a_ringing_agent_not_ready_and_the_call_goes_back(queue, ready, gateway, supervisor):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()

    # when
    services.do_force_not_ready(agent=agent, actor=supervisor)

    # then
    status = AgentStatus.objects.get(agent=agent)
    assert (status.state, status.reason.code) == (AgentState.NOT_READY, "supervisor")
    assert Call.objects.get(gateway_call_id=call_id).status == CallStatus.QUEUED


def test_the_sweep_finds_overdue_work(queue, ready, gateway):
    # given: a ring past its time and after-call work past its end
    queue.after_call_work_seconds = 30
    queue.save()
    first, second = ready(2)
    _talk(gateway, first)
    AgentStatus.objects.filter(agent=first).update(after_call_work_until=timezone.now() - timedelta(seconds=1))
    call_id = gateway.offer()
    reservation = Reservation.objects.get(call__gateway_call_id=call_id)
    _expire(reservation)

    # when
    found = set(services.overdue())

    # then
    assert found == {("ring", reservation.pk), ("acw", first.pk)}
