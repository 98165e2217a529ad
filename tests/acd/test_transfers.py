"""Transfers reported by the gateway: blind or attended, to an agent or a queue."""

import pytest

from saas.acd import services
from saas.acd.models import AgentState, Call, CallStatus, Reservation
from saas.agents.models import ReasonCode
from saas.api.errors import Conflict
from saas.queues.models import WrapUpCode

from .conftest import extension_of, state_of


def _call(call_id: str) -> Call:
    return Call.objects.select_related("queue", "agent").get(gateway_call_id=call_id)


@pytest.fixture
def on_call(queue, ready, gateway):
    """Two ready agents; the first has the call, the second is free."""
    first, second = ready(2)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(first))
    return call_id, first, second


def test_a_blind_transfer_rings_at_the_other_agent(on_call, gateway):
    # given
    call_id, first, second = on_call
    answered_at = _call(call_id).answered_at

    # when
    receipt = gateway.send("call.transferred", call_id, mode="blind", to_extension=extension_of(second))

    # then
    assert receipt.outcome == "applied"
    call = _call(call_id)
    assert (call.status, call.agent) == (CallStatus.RINGING, second)
    assert (state_of(first), state_of(second)) == (AgentState.READY, AgentState.RINGING)

    # when
    gateway.send("call.answered", call_id, extension=extension_of(second))

    # then
    call = _call(call_id)
    assert (call.status, call.agent, call.answered_at) == (CallStatus.CONNECTED, second, answered_at)
    assert list(call.reservations.values_list("agent", "status")) == [
        (first.pk, Reservation.Status.COMPLETED), (second.pk, Reservation.Status.CONNECTED)]


def test_an_attended_transfer_lands_on_the_consulted_agent_at_once(on_call, gateway):
    # given
    call_id, first, second = on_call

    # when
    gateway.send("call.transferred", call_id, mode="attended", to_extension=extension_of(second))

    # then
    call = _call(call_id)
    assert (call.status, call.agent) == (CallStatus.CONNECTED, second)
    assert state_of(second) == AgentState.ON_CALL

    # when
    gateway.send("call.ended", call_id, hung_up_by="caller")

    # then
    assert _call(call_id).status == CallStatus.ENDED
    assert state_of(second) == AgentState.READY


def test_a_transfer_to_an_agent_who_is_not_ready_is_refused(on_call, gateway):
    # given
    call_id, first, second = on_call
    services.do_set_not_ready(agent=second, actor=second.user, reason=ReasonCode.objects.get(code="break"))

    # when
    receipt = gateway.send("call.transferred", call_id, mode="blind", to_extension=extension_of(second))

    # then
    assert (receipt.outcome, receipt.code) == ("refused", "transfer_target_not_ready")
    assert (_call(call_id).status, _call(call_id).agent) == (CallStatus.CONNECTED, first)
    assert state_of(first) == AgentState.ON_CALL


def test_a_transfer_to_an_unknown_queue_is_refused(on_call, gateway):
    # given
    call_id, first, _ = on_call

    # when
    receipt = gateway.send("call.transferred", call_id, mode="blind", to_queue="没有这个队列")

    # then
    assert (receipt.outcome, receipt.code) == ("refused", "transfer_queue_unknown")
    assert state_of(first) == AgentState.ON_CALL


def test_a_transfer_to_a_queue_waits_there_for_its_agents(on_call, make_queue, gateway):
    # given
    call_id, first, second = on_call
    billing = make_queue("账务查询")

    # when
    gateway.send("call.transferred", call_id, mode="blind", to_queue=billing.name)

    # then
    call = _call(call_id)
    assert (call.queue, call.status, call.agent) == (billing, CallStatus.RINGING, second)


def test_a_blind_transfer_that_rings_out_goes_back_to_the_queue(on_call, gateway):
    # given
    call_id, first, second = on_call
    gateway.send("call.transferred", call_id, mode="blind", to_extension=extension_of(second))
    services.do_set_not_ready(agent=first, actor=first.user, reason=ReasonCode.objects.get(code="break"))
    reservation = Reservation.objects.get(call__gateway_call_id=call_id, agent=second)
    Reservation.objects.filter(pk=reservation.pk).update(expires_at=reservation.created_at)

    # when
    services.handle_deadline("ring", reservation.pk)

    # then
    assert (_call(call_id).status, _call(call_id).agent) == (CallStatus.QUEUED, None)
    assert state_of(second) == AgentState.NOT_READY


def test_wrap_up_after_a_transfer_follows_the_queue_the_call_was_answered_in(queue, make_queue, on_call, gateway):
    # given: the first queue wants a wrap-up code, the call moves to a queue that does not
    queue.wrap_up_required = True
    queue.after_call_work_seconds = 60
    queue.save()
    repair = WrapUpCode.objects.create(queue=queue, code="repair", name="报修")
    billing = make_queue("账务查询")
    call_id, first, _ = on_call
    gateway.send("call.transferred", call_id, mode="blind", to_queue=billing.name)
    assert state_of(first) == AgentState.AFTER_CALL_WORK

    # when
    with pytest.raises(Conflict) as refused:
        services.do_set_ready(agent=first, actor=first.user)
    services.do_wrap_up(agent=first, actor=first.user, code=repair)

    # then
    assert refused.value.code == "wrap_up_required"
    assert Reservation.objects.get(agent=first, call__gateway_call_id=call_id).wrap_up_code == repair
    assert state_of(first) == AgentState.READY
