"""Overflow after a maximum wait or at a maximum length, and callbacks that keep the caller's place."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from saas.acd import clock, services
from saas.acd.live import store
from saas.acd.models import AgentState, Call, CallStatus, Reservation
from saas.agents.models import Skill

from .conftest import extension_of, make_ready, state_of


def _call(call_id: str) -> Call:
    return Call.objects.select_related("queue", "overflowed_from").get(gateway_call_id=call_id)


def _waited_too_long(call_id: str, seconds: int = 61) -> Call:
    Call.objects.filter(gateway_call_id=call_id).update(queued_at=timezone.now() - timedelta(seconds=seconds))
    return _call(call_id)


@pytest.fixture
def overflowing(queue, make_queue):
    """`overflowing(action)`: the queue overflows after 60 s of waiting; to "另一队列" (which would
    overflow straight back) when the action is "queue"."""

    def make(action: str, **fields):
        other = make_queue("另一队列", max_wait_seconds=60, overflow_action="queue", overflow_queue=queue)
        queue.max_wait_seconds = 60
        queue.overflow_action = action
        queue.overflow_queue = other if action == "queue" else None
        for name, value in fields.items():
            setattr(queue, name, value)
        queue.save()
        return other

    return make


def test_a_caller_who_waited_too_long_overflows_to_another_queue_once(
        overflowing, queue, gateway, gateway_commands, django_capture_on_commit_callbacks):
    # given
    other = overflowing("queue")
    call_id = gateway.offer()
    waited = _waited_too_long(call_id)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.handle_deadline("wait", waited.pk)

    # then
    call = _call(call_id)
    assert (call.queue, call.overflowed_from, call.status) == (other, queue, CallStatus.QUEUED)
    assert call.overflowed_at and call.queued_at == waited.queued_at
    assert [(command["type"], command["queue"]) for command in gateway_commands.received()] == [("queue", other.name)]

    # when: the other queue's own maximum wait passes too
    with django_capture_on_commit_callbacks(execute=True):
        services.handle_deadline("wait", waited.pk)

    # then
    assert _call(call_id).queue == other
    assert gateway_commands.received() == []


def test_an_overflowed_call_rings_at_an_agent_of_the_other_queue(overflowing, queue, ready, gateway):
    # given: the first queue needs Cantonese, which the only ready agent lacks
    other = overflowing("queue")
    queue.required_skills.add(Skill.objects.get(name="粤语"))
    [agent] = ready(1)
    call_id = gateway.offer()
    waited = _waited_too_long(call_id)
    assert waited.status == CallStatus.QUEUED

    # when
    services.handle_deadline("wait", waited.pk)

    # then
    call = _call(call_id)
    assert (call.queue, call.agent, call.status) == (other, agent, CallStatus.RINGING)


def test_a_caller_who_waited_too_long_goes_to_voicemail(
        overflowing, gateway, gateway_commands, django_capture_on_commit_callbacks):
    # given
    overflowing("voicemail")
    call_id = gateway.offer()
    waited = _waited_too_long(call_id)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.handle_deadline("wait", waited.pk)

    # then
    call = _call(call_id)
    assert (call.status, call.overflowed_at) == (CallStatus.VOICEMAIL, call.ended_at)
    assert [command["type"] for command in gateway_commands.received()] == ["voicemail"]


def test_the_maximum_wait_is_not_reached_early(overflowing, gateway):
    # given
    overflowing("voicemail")
    call_id = gateway.offer()
    waited = _waited_too_long(call_id, seconds=50)

    # when
    services.handle_deadline("wait", waited.pk)

    # then
    assert (_call(call_id).status, _call(call_id).overflowed_at) == (CallStatus.QUEUED, None)


def test_the_maximum_wait_is_scheduled_from_the_callers_place(
        overflowing, gateway, django_capture_on_commit_callbacks):
    # given
    overflowing("voicemail")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        call_id = gateway.offer()

    # then
    call = _call(call_id)
    member = f"{connection.schema_name}|wait|{call.pk}"
    due = store().zscore(clock.KEY, member)
    store().zrem(clock.KEY, member)
    assert due == (call.queued_at + timedelta(seconds=60)).timestamp()


def test_a_full_queue_overflows_at_the_offer(overflowing, queue, gateway):
    # given
    other = overflowing("queue", max_wait_seconds=None, max_length=1)
    first = gateway.offer()

    # when
    second = gateway.offer()

    # then
    assert (_call(first).queue, _call(first).overflowed_at) == (queue, None)
    assert (_call(second).queue, _call(second).overflowed_from) == (other, queue)


def _callback_requested(overflowing, gateway, gateway_commands, capture) -> str:
    overflowing("callback")
    call_id = gateway.offer()
    waited = _waited_too_long(call_id, seconds=3600)
    with capture(execute=True):
        services.handle_deadline("wait", waited.pk)
    assert [command["type"] for command in gateway_commands.received()] == ["offer_callback"]
    receipt = gateway.send("call.callback_requested", call_id, number="13900139000")
    assert receipt.outcome == "applied"
    return call_id


def test_a_caller_who_asks_for_a_callback_keeps_their_place_and_is_called_back(
        overflowing, agents, gateway, gateway_commands, django_capture_on_commit_callbacks):
    # given: a callback asked for, the caller hung up, and a later caller waiting on the line
    call_id = _callback_requested(overflowing, gateway, gateway_commands, django_capture_on_commit_callbacks)
    hung_up = gateway.send("call.ended", call_id, hung_up_by="caller")
    later = gateway.offer()
    [agent] = agents(1)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        make_ready([agent])

    # then
    assert hung_up.outcome == "applied"
    call = _call(call_id)
    assert (call.status, call.agent, call.callback_number) == (CallStatus.RINGING, agent, "13900139000")
    assert _call(later).status == CallStatus.QUEUED
    [command] = gateway_commands.received()
    assert (command["type"], command["call_id"], command["number"], command["extension"]) == (
        "callback", call_id, "13900139000", extension_of(agent))


def test_a_callback_that_rings_out_waits_again_as_a_callback(
        overflowing, ready, gateway, gateway_commands, django_capture_on_commit_callbacks):
    # given
    call_id = _callback_requested(overflowing, gateway, gateway_commands, django_capture_on_commit_callbacks)
    [agent] = ready(1)
    reservation = Reservation.objects.get(call__gateway_call_id=call_id)
    Reservation.objects.filter(pk=reservation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    # when
    services.handle_deadline("ring", reservation.pk)

    # then
    assert (_call(call_id).status, _call(call_id).agent) == (CallStatus.CALLBACK, None)
    assert state_of(agent) == AgentState.NOT_READY


@pytest.mark.parametrize("kind", ["call.ended", "call.abandoned"])
def test_the_callers_hang_up_while_the_callback_rings_changes_nothing(
        overflowing, ready, gateway, gateway_commands, django_capture_on_commit_callbacks, kind):
    # given
    call_id = _callback_requested(overflowing, gateway, gateway_commands, django_capture_on_commit_callbacks)
    [agent] = ready(1)

    # when
    gateway.send(kind, call_id, hung_up_by="caller")

    # then
    assert _call(call_id).status == CallStatus.RINGING
    assert state_of(agent) == AgentState.RINGING


def test_a_callback_call_does_not_overflow_again(
        overflowing, gateway, gateway_commands, django_capture_on_commit_callbacks):
    # given
    call_id = _callback_requested(overflowing, gateway, gateway_commands, django_capture_on_commit_callbacks)
    call = _call(call_id)

    # when
    services.handle_deadline("wait", call.pk)

    # then
    assert (_call(call_id).status, _call(call_id).overflowed_at) == (CallStatus.CALLBACK, call.overflowed_at)
    assert ("wait", call.pk) not in set(services.overdue())


def test_a_callback_is_refused_for_a_call_that_is_not_waiting(queue, ready, gateway):
    # given
    ready(1)
    call_id = gateway.offer()

    # when
    receipt = gateway.send("call.callback_requested", call_id)

    # then
    assert (receipt.outcome, receipt.code) == ("refused", "call_not_waiting")
    assert (_call(call_id).status, _call(call_id).callback_number) == (CallStatus.RINGING, "")


def test_a_queue_that_keeps_callers_waiting_never_overflows(queue, gateway):
    # given
    queue.max_wait_seconds = 60
    queue.save()
    call_id = gateway.offer()
    waited = _waited_too_long(call_id)

    # when
    services.handle_deadline("wait", waited.pk)

    # then
    assert (_call(call_id).queue, _call(call_id).overflowed_at) == (queue, None)
    assert ("wait", waited.pk) not in set(services.overdue())
