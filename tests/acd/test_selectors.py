"""The agent desktop's snapshot: its shape in every state, and the caller's history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.models import NumberResource
from saas.acd import services
from saas.acd.models import AgentState, Call, CallStatus
from saas.acd.selectors import agent_snapshot
from saas.agents.models import Agent, ReasonCode
from saas.numbers.models import NumberRoute
from saas.queues.models import WrapUpCode
from saas.seats.models import Seat

from .conftest import ACCESS_NUMBER, extension_of

SNAPSHOT_KEYS = {"type", "agent", "state", "reason", "since", "seat", "session", "pending_not_ready",
                 "after_call_work_until", "reasons", "seats", "call"}
CALL_KEYS = {"id", "caller", "province", "queue", "status", "offered_at", "answered_at", "wrap_up_required",
             "wrap_up_codes", "notes", "wrap_up_code", "resolved_first_contact", "history"}


@pytest.fixture
def acw_queue(make_queue):
    """A queue with 30 s of after-call work and a required wrap-up code, the access number routed to it."""
    queue = make_queue("投诉专线", after_call_work_seconds=30, wrap_up_required=True)
    WrapUpCode.objects.create(queue=queue, code="repair", name="报修")
    WrapUpCode.objects.create(queue=queue, code="retired", name="停用", active=False)
    NumberRoute.objects.update_or_create(number=NumberResource.objects.get(number=ACCESS_NUMBER),
                                         defaults={"queue": queue})
    return queue


def _earlier_call(queue, caller: str, minutes_ago: int, status=CallStatus.ABANDONED) -> Call:
    offered = timezone.now() - timedelta(minutes=minutes_ago)
    return Call.objects.create(gateway_call_id=f"earlier-{caller}-{minutes_ago}", caller=caller, queue=queue,
                               access_number=ACCESS_NUMBER, status=status, offered_at=offered, ended_at=offered,
                               last_event_at=offered)


def test_a_logged_out_agent_sees_free_seats_and_the_reasons_they_may_choose(agents):
    # given: one agent holds the first active seat; another has never logged in
    [busy] = agents(1)
    idle = Agent.objects.exclude(pk=busy.pk).first()
    taken = busy.sessions.get().seat

    # when
    snapshot = agent_snapshot(idle)

    # then
    assert snapshot.keys() == SNAPSHOT_KEYS
    assert snapshot["agent"] == {"id": idle.pk, "employee_number": idle.employee_number, "name": idle.name}
    assert (snapshot["state"], snapshot["since"], snapshot["seat"], snapshot["session"], snapshot["call"]) == (
        AgentState.LOGGED_OUT, None, None, None, None)
    seat_codes = [seat["code"] for seat in snapshot["seats"]]
    assert taken.code not in seat_codes
    assert seat_codes == list(Seat.objects.filter(status=Seat.Status.ACTIVE).exclude(pk=taken.pk)
                              .order_by("code").values_list("code", flat=True))
    reasons = [reason["code"] for reason in snapshot["reasons"]]
    assert "break" in reasons and "missed" not in reasons  # the system's own reason is not for choosing


def test_a_logged_in_agent_sees_seat_session_and_reason_but_no_free_seats(agents):
    # given
    [agent] = agents(1)
    services.do_set_not_ready(agent=agent, actor=agent.user, reason=ReasonCode.objects.get(code="lunch"))
    ReasonCode.objects.filter(code="training").update(active=False)

    # when
    snapshot = agent_snapshot(agent)

    # then
    session = agent.sessions.get()
    assert snapshot["state"] == AgentState.NOT_READY
    assert snapshot["reason"] == {"code": "lunch", "name": "就餐"}
    assert snapshot["seat"] == {"code": session.seat.code, "extension": session.seat.extension}
    assert snapshot["session"] == session.pk and snapshot["since"]
    assert snapshot["seats"] == []
    assert "training" not in [reason["code"] for reason in snapshot["reasons"]]


def test_a_ringing_call_comes_with_the_callers_province_and_history(queue, ready, gateway):
    # given: the caller rang before; the agent took that call and recorded a wrap-up
    WrapUpCode.objects.create(queue=queue, code="repair", name="报修")
    [agent] = ready(1)
    first = gateway.offer(caller="13800138000")
    gateway.send("call.answered", first, extension=extension_of(agent))
    services.do_wrap_up(agent=agent, actor=agent.user, code=WrapUpCode.objects.get(queue=queue, code="repair"),
                        notes="空调不制冷", resolved_first_contact=False)
    gateway.send("call.ended", first, hung_up_by="caller")
    _earlier_call(queue, "13800138000", minutes_ago=600)
    _earlier_call(queue, "13900000000", minutes_ago=5)  # someone else

    # when
    current = gateway.offer(caller="13800138000")
    snapshot = agent_snapshot(agent)

    # then
    call = snapshot["call"]
    assert snapshot["state"] == AgentState.RINGING
    assert call.keys() == CALL_KEYS
    assert (call["id"], call["caller"], call["province"], call["queue"], call["status"]) == (
        current, "13800138000", "北京市", queue.name, CallStatus.RINGING)
    assert call["answered_at"] is None and call["wrap_up_codes"] == [{"code": "repair", "name": "报修"}]
    assert [(entry["id"], entry["status"], entry["agent"], entry["wrap_up_code"], entry["notes"])
            for entry in call["history"]] == [
        (first, CallStatus.ENDED, agent.name, "repair", "空调不制冷"),
        ("earlier-13800138000-600", CallStatus.ABANDONED, "", None, ""),
    ]


def test_the_history_is_the_ten_newest_earlier_calls(queue, ready, gateway):
    # given
    [agent] = ready(1)
    for minutes in range(1, 13):
        _earlier_call(queue, "02161234567", minutes_ago=minutes)

    # when
    gateway.offer(caller="02161234567")
    history = agent_snapshot(agent)["call"]["history"]

    # then
    assert [entry["id"] for entry in history] == [f"earlier-02161234567-{minutes}" for minutes in range(1, 11)]


def test_after_call_work_shows_the_call_just_ended_with_what_was_recorded(acw_queue, ready, gateway):
    # given: notes and first-contact resolution recorded during the call, no code yet
    [agent] = ready(1)
    call_id = gateway.offer(caller="075512345678")
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    services.do_wrap_up(agent=agent, actor=agent.user, notes="退货", resolved_first_contact=True)

    # when
    gateway.send("call.ended", call_id, hung_up_by="agent")
    snapshot = agent_snapshot(agent)

    # then
    call = snapshot["call"]
    assert snapshot["state"] == AgentState.AFTER_CALL_WORK and snapshot["after_call_work_until"]
    assert (call["id"], call["status"], call["province"], call["wrap_up_required"]) == (
        call_id, CallStatus.ENDED, "广东省", True)
    assert call["answered_at"] is not None
    assert (call["notes"], call["resolved_first_contact"], call["wrap_up_code"]) == ("退货", True, None)
    assert call["wrap_up_codes"] == [{"code": "repair", "name": "报修"}]  # not the inactive one


def test_once_after_call_work_is_over_the_call_leaves_the_desktop(acw_queue, ready, gateway):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    gateway.send("call.ended", call_id, hung_up_by="caller")

    # when
    services.do_wrap_up(agent=agent, actor=agent.user, code=WrapUpCode.objects.get(queue=acw_queue, code="repair"))
    snapshot = agent_snapshot(agent)

    # then
    assert (snapshot["state"], snapshot["call"], snapshot["after_call_work_until"]) == (AgentState.READY, None, None)


def test_a_supervisors_pending_not_ready_shows_during_the_call(queue, ready, gateway, supervisor):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))

    # when
    services.do_force_not_ready(agent=agent, actor=supervisor)
    snapshot = agent_snapshot(agent)

    # then
    assert snapshot["state"] == AgentState.ON_CALL and snapshot["pending_not_ready"] is True
    assert snapshot["call"]["status"] == CallStatus.CONNECTED


def test_the_snapshot_takes_a_few_queries_whatever_the_history(queue, ready, gateway):
    # given: a caller with a long history of answered calls
    [agent, other] = ready(2)
    for minutes in range(1, 13):
        call = _earlier_call(queue, "13800138000", minutes_ago=minutes, status=CallStatus.ENDED)
        call.reservations.create(agent=other, queue=queue, status="completed", created_at=call.offered_at,
                                 expires_at=call.offered_at, answered_at=call.offered_at, notes=f"第{minutes}次")
    gateway.offer(caller="13800138000")

    # when
    with CaptureQueriesContext(connection) as queries:
        snapshot = agent_snapshot(agent)

    # then: status, reservation, reasons, wrap-up codes, history calls, their reservations
    reads = [query["sql"] for query in queries.captured_queries if not query["sql"].startswith("SET ")]
    assert len(reads) == 6, reads
    assert len(snapshot["call"]["history"]) == 10
    assert {entry["agent"] for entry in snapshot["call"]["history"]} == {other.name}
