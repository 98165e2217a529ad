"""Inbound calls that never reach the ACD: `call.blocked` (the gateway's busy tone) and
`call.ivr_completed` (the caller finished in the gateway's IVR). Stored to be counted, never queued."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saas.acd.models import AgentState, Call, CallEvent, CallStatus

from .conftest import ACCESS_NUMBER, state_of
from .test_telephony_api import EVENTS, acme_gateway  # noqa: F401 (a fixture)

CALLER = "13800138000"  # a Beijing mobile number (GB/T 2260: 11)


def test_a_blocked_call_is_stored_ended_and_never_queued(
        queue, ready, gateway, gateway_commands, django_capture_on_commit_callbacks):
    # given: an agent ready, who would take any call that reached the queue
    [agent] = ready(1)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        receipt = gateway.send("call.blocked", "c-busy", caller=CALLER, access_number=ACCESS_NUMBER)

    # then: a finished call of no queue, told nothing, and the agent still waits
    assert (receipt.outcome, receipt.code) == ("applied", "")
    call = Call.objects.get(gateway_call_id="c-busy")
    assert (call.direction, call.status, call.queue, call.agent, call.hung_up_by) == (
        Call.Direction.INBOUND, CallStatus.BLOCKED, None, None, Call.Side.SYSTEM)
    assert call.offered_at == call.ended_at == gateway.now and call.queued_at is None
    assert (call.caller, call.access_number, call.caller_province) == (CALLER, ACCESS_NUMBER, "11")
    assert list(CallEvent.objects.filter(gateway_call_id="c-busy").values_list("kind", flat=True)) == [
        "call.blocked"]
    assert gateway_commands.received() == []
    assert state_of(agent) == AgentState.READY


def test_a_call_finished_in_the_ivr_counts_from_when_it_entered_it(queue, ready, gateway):
    # given: the caller entered the IVR at t and hung up there 40 s later
    [agent] = ready(1)
    entered_at = gateway.now + timedelta(seconds=1)
    finished_at = entered_at + timedelta(seconds=40)

    # when
    receipt = gateway.send("call.ivr_completed", "c-ivr", at=finished_at, caller=CALLER,
                           access_number=ACCESS_NUMBER, ivr_selection="账单查询", entered_at=entered_at)

    # then
    assert receipt.outcome == "applied"
    call = Call.objects.get(gateway_call_id="c-ivr")
    assert (call.status, call.queue, call.agent, call.hung_up_by, call.ivr_selection) == (
        CallStatus.IVR_COMPLETED, None, None, Call.Side.CALLER, "账单查询")
    assert (call.offered_at, call.ended_at, call.answered_at) == (entered_at, finished_at, None)
    assert state_of(agent) == AgentState.READY


def test_without_its_entry_time_an_ivr_call_counts_from_its_end(queue, gateway):
    # when
    gateway.send("call.ivr_completed", "c-ivr-short", caller=CALLER, access_number=ACCESS_NUMBER)

    # then
    call = Call.objects.get(gateway_call_id="c-ivr-short")
    assert call.offered_at == call.ended_at == gateway.now


@pytest.mark.parametrize("kind", ["call.blocked", "call.ivr_completed"])
def test_the_same_event_twice_counts_once_and_the_same_call_twice_is_refused(queue, gateway, kind):
    # given
    first = gateway.send(kind, "c-once", event_id="ev-once", caller=CALLER, access_number=ACCESS_NUMBER)

    # when
    again = gateway.send(kind, "c-once", event_id="ev-once", caller=CALLER, access_number=ACCESS_NUMBER)
    other_id = gateway.send(kind, "c-once", caller=CALLER, access_number=ACCESS_NUMBER)
    offered = gateway.send("call.offered", "c-once", caller=CALLER, access_number=ACCESS_NUMBER)

    # then
    assert (first.outcome, again.outcome) == ("applied", "duplicate")
    assert (other_id.outcome, other_id.code) == (offered.outcome, offered.code) == ("refused",
                                                                                    "call_already_offered")
    assert Call.objects.filter(gateway_call_id="c-once").count() == 1


def test_an_offered_call_cannot_be_blocked_afterwards(queue, gateway):
    # given
    call_id = gateway.offer()

    # when
    receipt = gateway.send("call.blocked", call_id, caller=CALLER, access_number=ACCESS_NUMBER)

    # then
    assert (receipt.outcome, receipt.code) == ("refused", "call_already_offered")
    assert Call.objects.get(gateway_call_id=call_id).status == CallStatus.QUEUED


@pytest.mark.parametrize(("kind", "fields", "code"), [
    ("call.ended", {"hung_up_by": "caller"}, "call_not_live"),
    ("call.abandoned", {}, "call_not_waiting"),
    ("call.callback_requested", {}, "call_not_waiting"),
    ("outbound.ended", {}, "call_not_outbound"),
])
def test_a_blocked_call_takes_no_further_event(queue, gateway, kind, fields, code):
    # given
    gateway.send("call.blocked", "c-over", caller=CALLER, access_number=ACCESS_NUMBER)

    # when
    receipt = gateway.send(kind, "c-over", **fields)

    # then
    assert (receipt.outcome, receipt.code) == ("refused", code)
    assert Call.objects.get(gateway_call_id="c-over").status == CallStatus.BLOCKED


# --- the API ---------------------------------------------------------------------------------------------

def test_the_gateway_posts_both_kinds(queue, acme_gateway):  # noqa: F811
    # when
    blocked = acme_gateway("call.blocked", "c-http-busy", caller=CALLER, access_number=ACCESS_NUMBER)
    ivr = acme_gateway("call.ivr_completed", "c-http-ivr", seconds=30, event_id="ev-http-ivr", caller=CALLER,
                       access_number=ACCESS_NUMBER, entered_at=(timezone.now() - timedelta(seconds=10)).isoformat())

    # then: the entry time is kept with the event, as sent
    assert (blocked.status_code, ivr.status_code) == (200, 200), (blocked.content, ivr.content)
    assert set(Call.objects.filter(gateway_call_id__startswith="c-http-").values_list("status", flat=True)) == {
        CallStatus.BLOCKED, CallStatus.IVR_COMPLETED}
    stored = CallEvent.objects.get(event_id="ev-http-ivr").data
    assert set(stored) == {"caller", "access_number", "entered_at"} and isinstance(stored["entered_at"], str)


@pytest.mark.parametrize(("kind", "fields", "field"), [
    ("call.blocked", {"access_number": ACCESS_NUMBER}, "caller"),
    ("call.blocked", {"caller": CALLER}, "access_number"),
    ("call.ivr_completed", {"access_number": ACCESS_NUMBER}, "caller"),
    ("call.ivr_completed", {"caller": CALLER, "access_number": ACCESS_NUMBER, "entered_at": "2026-05-01T09:30:00"},
     "entered_at"),  # no UTC offset
    ("call.ivr_completed", {"caller": CALLER, "access_number": ACCESS_NUMBER,
                            "entered_at": (timezone.now() + timedelta(hours=1)).isoformat()}, "entered_at"),  # after
])
def test_an_invalid_blocked_or_ivr_event_is_refused_field_by_field(acme_gateway, kind, fields, field):  # noqa: F811
    # when
    response = acme_gateway(kind, "c-invalid", **fields)

    # then
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["details"]) == [field], error
    assert not CallEvent.objects.filter(gateway_call_id="c-invalid").exists()
