"""Gateway events at the service: once by their id, in event time, refused without a trace."""

from datetime import timedelta

from saas.acd.models import AgentState, AgentStateEvent, AgentStatus, Call, CallEvent, CallStatus, Reservation

from .conftest import extension_of, state_of


def _call(call_id: str) -> Call:
    return Call.objects.get(gateway_call_id=call_id)


def _snapshot(call_id: str) -> tuple:
    """Everything live about a call and its agents, to show an event changed nothing."""
    call = Call.objects.filter(gateway_call_id=call_id).values().get()
    reservations = list(Reservation.objects.filter(call_id=call["id"]).values())
    statuses = list(AgentStatus.objects.order_by("agent").values())
    return call, reservations, statuses, AgentStateEvent.objects.count()


def test_the_same_event_twice_is_applied_once(queue, ready, gateway):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()
    first = gateway.send("call.answered", call_id, event_id="ev-answer", extension=extension_of(agent))
    before = _snapshot(call_id)

    # when
    again = gateway.send("call.answered", call_id, event_id="ev-answer", extension=extension_of(agent))

    # then
    assert (first.outcome, again.outcome) == ("applied", "duplicate")
    assert CallEvent.objects.filter(event_id="ev-answer").count() == 1
    assert _snapshot(call_id) == before


def test_an_offer_twice_under_two_ids_is_refused(queue, gateway):
    # given
    call_id = gateway.offer()

    # when
    receipt = gateway.send("call.offered", call_id, caller="13800138000", access_number="4008208820")

    # then
    assert (receipt.outcome, receipt.code) == ("refused", "call_already_offered")
    assert Call.objects.filter(gateway_call_id=call_id).count() == 1


def test_an_answer_that_arrives_before_its_offer_waits_and_then_applies(queue, ready, gateway):
    # given
    [agent] = ready(1)
    offered_at = gateway.now + timedelta(seconds=1)
    answered_at = offered_at + timedelta(seconds=4)
    early = gateway.send("call.answered", "call-early", at=answered_at, extension=extension_of(agent))
    assert (early.outcome, Call.objects.filter(gateway_call_id="call-early").exists()) == ("pending", False)

    # when
    offer = gateway.send("call.offered", "call-early", at=offered_at, caller="13800138000",
                         access_number="4008208820")

    # then
    assert offer.outcome == "applied"
    call = _call("call-early")
    assert (call.status, call.agent, call.answered_at, call.last_event_at) == (
        CallStatus.CONNECTED, agent, answered_at, answered_at)
    assert state_of(agent) == AgentState.ON_CALL
    assert list(CallEvent.objects.filter(gateway_call_id="call-early", event_id__isnull=False)
                .values_list("kind", "applied")) == [("call.offered", True), ("call.answered", True)]


def test_events_waiting_for_their_offer_apply_in_time_order(queue, ready, gateway):
    # given: the hang-up arrived first, the answer second, both before the offer
    [agent] = ready(1)
    start = gateway.now
    gateway.send("call.ended", "call-scrambled", at=start + timedelta(seconds=30), hung_up_by="caller")
    gateway.send("call.answered", "call-scrambled", at=start + timedelta(seconds=5), extension=extension_of(agent))

    # when
    gateway.send("call.offered", "call-scrambled", at=start, caller="13800138000", access_number="4008208820")

    # then
    call = _call("call-scrambled")
    assert (call.status, call.answered_at, call.ended_at) == (
        CallStatus.ENDED, start + timedelta(seconds=5), start + timedelta(seconds=30))
    assert Reservation.objects.get(call=call).status == Reservation.Status.COMPLETED
    assert state_of(agent) == AgentState.READY


def test_an_older_event_after_a_newer_one_fills_in_history_only(queue, ready, gateway):
    # given: the gateway says the call was answered at 10 s and ended at 60 s
    [agent] = ready(1)
    start = gateway.now
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, at=start + timedelta(seconds=10), extension=extension_of(agent))
    gateway.send("call.ended", call_id, at=start + timedelta(seconds=60), hung_up_by="agent")
    status_before = AgentStatus.objects.values().get(agent=agent)

    # when: an answer at 8 s (the agent's phone really picked up earlier) and a hold arrive late
    answered = gateway.send("call.answered", call_id, at=start + timedelta(seconds=8), extension=extension_of(agent))
    held = gateway.send("call.held", call_id, at=start + timedelta(seconds=20), extension=extension_of(agent))

    # then
    assert (answered.outcome, held.outcome) == ("late", "late")
    call = _call(call_id)
    assert (call.status, call.answered_at, call.last_event_at) == (
        CallStatus.ENDED, start + timedelta(seconds=8), start + timedelta(seconds=60))
    reservation = Reservation.objects.get(call=call)
    assert (reservation.status, reservation.answered_at, reservation.hold_seconds) == (
        Reservation.Status.COMPLETED, start + timedelta(seconds=8), 0)
    assert AgentStateEvent.objects.filter(agent=agent, state=AgentState.ON_CALL,
                                          at=start + timedelta(seconds=8)).exists()
    assert AgentStatus.objects.values().get(agent=agent) == status_before


def test_a_refused_event_is_stored_and_changes_nothing_else(queue, ready, gateway):
    # given: the call rings at the first agent
    first, second = ready(2)
    call_id = gateway.offer()
    before = _snapshot(call_id)

    # when: the gateway says the second agent answered it
    receipt = gateway.send("call.answered", call_id, event_id="ev-wrong", extension=extension_of(second))

    # then
    assert (receipt.outcome, receipt.code) == ("refused", "call_not_ringing_there")
    assert _snapshot(call_id) == before
    row = CallEvent.objects.get(event_id="ev-wrong")
    assert (row.applied, row.agent, row.data["refused"]) == (True, None, "call_not_ringing_there")


def test_an_event_the_agents_state_cannot_take_is_refused_not_an_error(queue, ready, gateway):
    # given: the call is already on hold
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    gateway.send("call.held", call_id, extension=extension_of(agent))
    before = _snapshot(call_id)

    # when
    receipt = gateway.send("call.held", call_id, event_id="ev-held-again", extension=extension_of(agent))

    # then
    assert (receipt.outcome, receipt.code) == ("refused", "agent_state_conflict")
    assert _snapshot(call_id) == before
    assert CallEvent.objects.get(event_id="ev-held-again").data["refused"] == "agent_state_conflict"


def test_an_event_of_an_ended_call_is_refused(queue, ready, gateway):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    gateway.send("call.ended", call_id, hung_up_by="caller")
    before = _snapshot(call_id)

    # when
    receipt = gateway.send("call.ended", call_id, hung_up_by="agent")

    # then
    assert (receipt.outcome, receipt.code) == ("refused", "call_not_live")
    assert _snapshot(call_id) == before


def test_a_caller_who_hangs_up_while_it_rings_abandons_and_the_agent_is_ready_again(queue, ready, gateway):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()

    # when
    receipt = gateway.send("call.ended", call_id, hung_up_by="caller")

    # then
    assert receipt.outcome == "applied"
    call = _call(call_id)
    assert (call.status, call.hung_up_by, call.answered_at, call.agent) == (
        CallStatus.ABANDONED, Call.Side.CALLER, None, None)
    assert Reservation.objects.get(call=call).status == Reservation.Status.CANCELLED
    assert state_of(agent) == AgentState.READY


def test_a_caller_who_hangs_up_while_waiting_abandons(queue, gateway):
    # given
    call_id = gateway.offer()

    # when
    gateway.send("call.abandoned", call_id)

    # then
    assert (_call(call_id).status, _call(call_id).ended_at) == (CallStatus.ABANDONED, gateway.now)


def test_hold_time_is_counted(queue, ready, gateway):
    # given
    [agent] = ready(1)
    start = gateway.now
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, at=start + timedelta(seconds=5), extension=extension_of(agent))

    # when
    gateway.send("call.held", call_id, at=start + timedelta(seconds=10), extension=extension_of(agent))
    gateway.send("call.unheld", call_id, at=start + timedelta(seconds=25), extension=extension_of(agent))
    gateway.send("call.held", call_id, at=start + timedelta(seconds=30), extension=extension_of(agent))
    gateway.send("call.ended", call_id, at=start + timedelta(seconds=37), hung_up_by="caller")

    # then
    assert Reservation.objects.get(call__gateway_call_id=call_id).hold_seconds == 22
