from saas.acd.models import AgentState, Call, CallStatus, Reservation

from .conftest import extension_of, state_of


def test_an_offered_call_rings_at_a_ready_agent_who_answers_and_wraps_up(queue, ready, gateway):
    # given
    [agent] = ready(1)

    # when
    call_id = gateway.offer()

    # then
    call = Call.objects.get(gateway_call_id=call_id)
    assert (call.status, call.agent, call.queue) == (CallStatus.RINGING, agent, queue)
    assert state_of(agent) == AgentState.RINGING

    # when
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    gateway.send("call.ended", call_id, hung_up_by="caller")

    # then
    call.refresh_from_db()
    assert call.status == CallStatus.ENDED and call.answered_at and call.ended_at
    assert Reservation.objects.get(call=call).status == Reservation.Status.COMPLETED
    assert state_of(agent) == AgentState.READY  # the queue has no after-call work
