"""Calls agents dial out: `outbound.dialled` (the gateway carrying out the desktop's `dial_out`),
`outbound.answered`, `outbound.ended`, `outbound.failed`; the agent is on a call from the dial."""

from datetime import timedelta

import pytest

from saas.acd import services
from saas.acd.models import AgentState, AgentStateEvent, AgentStatus, Call, CallEvent, CallStatus

from .conftest import extension_of, state_of
from .test_telephony_api import acme_gateway  # noqa: F401 (a fixture)

CUSTOMER = "13900139000"  # a Shanghai mobile number (GB/T 2260: 31)


def _dial(gateway, agent, call_id: str = "o-1", **fields):
    return gateway.send("outbound.dialled", call_id, extension=extension_of(agent), number=CUSTOMER, **fields)


def _states(agent, call: Call) -> list[tuple[str, int]]:
    """The agent's state events from the dial of `call` on, with their seconds after it."""
    return [(state, int((at - call.offered_at).total_seconds())) for state, at in
            AgentStateEvent.objects.filter(agent=agent, at__gte=call.offered_at).values_list("state", "at")]


def test_a_dialled_call_is_an_outbound_call_of_the_agent_who_is_on_it(queue, ready, gateway):
    # given
    [agent] = ready(1)

    # when
    receipt = _dial(gateway, agent, access_number="4008208820")

    # then
    assert (receipt.outcome, receipt.code) == ("applied", "")
    call = Call.objects.get(gateway_call_id="o-1")
    assert (call.direction, call.status, call.agent, call.queue) == (
        Call.Direction.OUTBOUND, CallStatus.DIALLING, agent, None)
    assert (call.caller, call.caller_province, call.access_number) == (CUSTOMER, "31", "4008208820")
    assert call.offered_at == gateway.now and call.answered_at is None
    assert state_of(agent) == AgentState.ON_CALL
    assert _states(agent, call) == [(AgentState.ON_CALL, 0)]
    assert AgentStateEvent.objects.get(agent=agent, state=AgentState.ON_CALL).call == call
    assert CallEvent.objects.get(gateway_call_id="o-1").agent == agent


def test_an_agent_on_an_outbound_call_is_offered_no_inbound_call_until_it_ends(queue, ready, gateway):
    # given: the only agent dials out, then a caller comes in
    [agent] = ready(1)
    _dial(gateway, agent)
    inbound = gateway.offer()
    assert Call.objects.get(gateway_call_id=inbound).status == CallStatus.QUEUED

    # when: the outbound call is answered (+2 s from the dial), talked through and hung up (+32 s)
    answered = gateway.send("outbound.answered", "o-1")
    gateway.now += timedelta(seconds=29)
    ended = gateway.send("outbound.ended", "o-1", hung_up_by="agent")

    # then: times kept; on call 0–32 s, then through zero after-call work (no queue) to ready, and the
    # waiting caller rings at once
    assert (answered.outcome, ended.outcome) == ("applied", "applied")
    call = Call.objects.get(gateway_call_id="o-1")
    assert call.status == CallStatus.ENDED and call.hung_up_by == Call.Side.AGENT
    assert (call.answered_at - call.offered_at, call.ended_at - call.offered_at) == (
        timedelta(seconds=2), timedelta(seconds=32))
    assert _states(agent, call) == [(AgentState.ON_CALL, 0), (AgentState.AFTER_CALL_WORK, 32),
                                    (AgentState.READY, 32)]
    assert Call.objects.get(gateway_call_id=inbound).status == CallStatus.RINGING
    assert state_of(agent) == AgentState.RINGING


@pytest.mark.parametrize("reason", [CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.FAILED])
def test_a_call_that_does_not_connect_ends_with_its_reason_and_frees_the_agent(queue, ready, gateway, reason):
    # given
    [agent] = ready(1)
    _dial(gateway, agent)

    # when
    receipt = gateway.send("outbound.failed", "o-1", reason=reason)

    # then
    assert receipt.outcome == "applied"
    call = Call.objects.get(gateway_call_id="o-1")
    assert (call.status, call.answered_at, call.ended_at) == (reason, None, gateway.now)
    assert state_of(agent) == AgentState.READY


def test_a_supervisors_not_ready_during_an_outbound_call_applies_when_it_ends(queue, ready, gateway, supervisor):
    # given
    [agent] = ready(1)
    _dial(gateway, agent)
    services.do_force_not_ready(agent=agent, actor=supervisor)
    assert state_of(agent) == AgentState.ON_CALL

    # when
    gateway.send("outbound.failed", "o-1", reason="no_answer")

    # then
    status = AgentStatus.objects.select_related("reason").get(agent=agent)
    assert (status.state, status.reason.code, status.pending_reason) == (AgentState.NOT_READY, "supervisor", None)


def test_the_same_dial_twice_counts_once(queue, ready, gateway):
    # given
    [agent] = ready(1)
    first = _dial(gateway, agent, event_id="ev-dial")
    events = AgentStateEvent.objects.count()

    # when
    again = _dial(gateway, agent, event_id="ev-dial")

    # then
    assert (first.outcome, again.outcome) == ("applied", "duplicate")
    assert Call.objects.filter(gateway_call_id="o-1").count() == 1
    assert AgentStateEvent.objects.count() == events


def test_events_that_arrive_before_the_dial_wait_and_apply_with_it_in_time_order(queue, ready, gateway):
    # given: dialled at +1 s, answered at +6 s, ended at +66 s; the end arrives first, then the answer
    [agent] = ready(1)
    dialled_at = gateway.now + timedelta(seconds=1)
    ended = gateway.send("outbound.ended", "o-1", at=dialled_at + timedelta(seconds=65), hung_up_by="caller")
    answered = gateway.send("outbound.answered", "o-1", at=dialled_at + timedelta(seconds=5))

    # when
    dialled = _dial(gateway, agent, at=dialled_at)

    # then
    assert (ended.outcome, answered.outcome, dialled.outcome) == ("pending", "pending", "applied")
    call = Call.objects.get(gateway_call_id="o-1")
    assert (call.status, call.hung_up_by) == (CallStatus.ENDED, Call.Side.CALLER)
    assert (call.answered_at - dialled_at, call.ended_at - dialled_at) == (timedelta(seconds=5),
                                                                          timedelta(seconds=65))
    assert _states(agent, call) == [(AgentState.ON_CALL, 0), (AgentState.AFTER_CALL_WORK, 65),
                                    (AgentState.READY, 65)]
    assert not CallEvent.objects.filter(gateway_call_id="o-1", applied=False).exists()


def test_an_answer_that_arrives_after_the_end_fills_in_the_answer_time(queue, ready, gateway):
    # given: dialled, then ended at +60 s; the answer at +8 s was delayed
    [agent] = ready(1)
    _dial(gateway, agent)
    dialled_at = gateway.now
    gateway.send("outbound.ended", "o-1", at=dialled_at + timedelta(seconds=60))
    assert Call.objects.get(gateway_call_id="o-1").answered_at is None

    # when
    late = gateway.send("outbound.answered", "o-1", at=dialled_at + timedelta(seconds=8))

    # then: the call stays ended, and its answer time is known
    assert late.outcome == "late"
    call = Call.objects.get(gateway_call_id="o-1")
    assert (call.status, call.answered_at - dialled_at) == (CallStatus.ENDED, timedelta(seconds=8))
    assert state_of(agent) == AgentState.READY


def test_a_dial_from_an_extension_nobody_is_logged_in_at_is_refused_and_stores_no_call(queue, gateway):
    # when
    receipt = gateway.send("outbound.dialled", "o-nobody", extension="8999", number=CUSTOMER)

    # then
    assert (receipt.outcome, receipt.code) == ("refused", "no_agent_at_extension")
    assert not Call.objects.filter(gateway_call_id="o-nobody").exists()
    assert CallEvent.objects.get(gateway_call_id="o-nobody").data["refused"] == "no_agent_at_extension"


def test_a_dial_by_an_agent_whose_phone_rings_with_a_caller_is_refused(queue, ready, gateway):
    # given: an inbound call rings at the only ready agent
    [agent] = ready(1)
    gateway.offer()
    assert state_of(agent) == AgentState.RINGING
    events = AgentStateEvent.objects.count()

    # when
    receipt = _dial(gateway, agent)

    # then
    assert (receipt.outcome, receipt.code) == ("refused", "agent_state_conflict")
    assert not Call.objects.filter(gateway_call_id="o-1").exists()
    assert (state_of(agent), AgentStateEvent.objects.count()) == (AgentState.RINGING, events)


@pytest.mark.parametrize(("story", "refused", "code"), [
    ([("outbound.answered", {})], ("outbound.answered", {}), "call_not_dialling"),
    ([("outbound.answered", {})], ("outbound.failed", {"reason": "busy"}), "call_not_dialling"),
    ([("outbound.failed", {"reason": "busy"})], ("outbound.ended", {}), "call_not_live"),
    ([("outbound.answered", {})], ("call.held", {"extension": "8001"}), "call_not_connected"),
    ([("outbound.answered", {})], ("call.ended", {"hung_up_by": "caller"}), "call_not_connected"),
    ([], ("call.abandoned", {}), "call_not_waiting"),
    ([], ("call.answered", {"extension": "8001"}), "call_not_ringing_there"),
])
def test_an_outbound_event_that_cannot_apply_is_refused_without_a_trace(queue, ready, gateway, story, refused, code):
    # given
    [agent] = ready(1)
    _dial(gateway, agent)
    for kind, fields in story:
        assert gateway.send(kind, "o-1", **fields).outcome == "applied"
    before = (Call.objects.filter(gateway_call_id="o-1").values().get(), AgentStateEvent.objects.count())

    # when
    kind, fields = refused
    receipt = gateway.send(kind, "o-1", **{**fields, **({"extension": extension_of(agent)} if "extension" in fields
                                                         else {})})

    # then
    assert (receipt.outcome, receipt.code) == ("refused", code)
    assert (Call.objects.filter(gateway_call_id="o-1").values().get(), AgentStateEvent.objects.count()) == before


@pytest.mark.parametrize("kind", ["outbound.answered", "outbound.ended", "outbound.failed"])
def test_an_outbound_event_for_an_inbound_call_is_refused(queue, gateway, kind):
    # given
    call_id = gateway.offer()

    # when
    receipt = gateway.send(kind, call_id, **({"reason": "busy"} if kind == "outbound.failed" else {}))

    # then
    assert (receipt.outcome, receipt.code) == ("refused", "call_not_outbound")
    assert Call.objects.get(gateway_call_id=call_id).status == CallStatus.QUEUED


# --- the API ---------------------------------------------------------------------------------------------

def test_the_gateway_posts_an_outbound_call_from_dial_to_end(queue, ready, acme_gateway):  # noqa: F811
    # given
    [agent] = ready(1)

    # when
    answers = [acme_gateway("outbound.dialled", "o-http", extension=extension_of(agent), number=CUSTOMER),
               acme_gateway("outbound.answered", "o-http", seconds=5),
               acme_gateway("outbound.ended", "o-http", seconds=50, hung_up_by="caller")]

    # then
    assert [(answer.status_code, answer.json()["outcome"]) for answer in answers] == [(200, "applied")] * 3
    call = Call.objects.get(gateway_call_id="o-http")
    assert (call.direction, call.status, call.agent) == (Call.Direction.OUTBOUND, CallStatus.ENDED, agent)


def test_a_refused_dial_is_a_409_with_its_reason(queue, acme_gateway):  # noqa: F811
    # when
    response = acme_gateway("outbound.dialled", "o-http", event_id="ev-http-dial", extension="8999", number=CUSTOMER)

    # then
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["details"]) == ("no_agent_at_extension", {"event_id": "ev-http-dial"})


@pytest.mark.parametrize(("kind", "fields", "field"), [
    ("outbound.dialled", {"number": CUSTOMER}, "extension"),
    ("outbound.dialled", {"extension": "8001"}, "number"),
    ("outbound.dialled", {"extension": "front-desk", "number": CUSTOMER}, "extension"),
    ("outbound.failed", {}, "reason"),
    ("outbound.failed", {"reason": "ended"}, "reason"),  # a status, but not a way of failing
    ("outbound.ended", {"hung_up_by": "nobody"}, "hung_up_by"),
])
def test_an_invalid_outbound_event_is_refused_field_by_field(acme_gateway, kind, fields, field):  # noqa: F811
    # when
    response = acme_gateway(kind, "o-invalid", **fields)

    # then
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["details"]) == [field], error
    assert not CallEvent.objects.filter(gateway_call_id="o-invalid").exists()


def test_a_not_ready_agent_may_dial_out_and_is_not_ready_again_with_the_same_reason_after(queue, agents, gateway):
    # given: an agent logged in and left not ready (the login's reason)
    [agent] = agents(1)
    before = AgentStatus.objects.get(agent=agent)
    assert before.state == AgentState.NOT_READY

    # when: they call a customer back, who answers; the call ends 20 s later
    _dial(gateway, agent)
    gateway.send("outbound.answered", "o-1")
    gateway.now += timedelta(seconds=20)
    gateway.send("outbound.ended", "o-1", hung_up_by="caller")

    # then: on a call meanwhile, then not ready for the reason they had, never offered to the queue
    after = AgentStatus.objects.get(agent=agent)
    assert (after.state, after.reason_id) == (AgentState.NOT_READY, before.reason_id)
    states = [state for state, _ in _states(agent, Call.objects.get(gateway_call_id="o-1"))]
    assert states == [AgentState.ON_CALL, AgentState.AFTER_CALL_WORK, AgentState.NOT_READY]
