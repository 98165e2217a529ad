"""No double assignment: many callers at once against a few agents who answer and hang up meanwhile.

Every thread has its own database connection, as the gateway's requests and websockets would. The
ACD lock must keep each agent on one call at a time and each call with one agent; the unique indexes
behind it must never be what refuses a second reservation (an IntegrityError would say so).
"""

import threading
import time
import uuid
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from saas.acd.models import WAITING, AgentStateEvent, Call, CallStatus, Reservation
from saas.acd.telephony import GatewayEvent, do_receive_event

from .conftest import ACCESS_NUMBER, extension_of, log_in, make_ready, new_queue

CALLS = 40
CALLERS = 8
PATIENCE_SECONDS = 60


def _send(kind: str, call_id: str, **data) -> str:
    event = GatewayEvent(event_id=uuid.uuid4().hex, type=kind, call_id=call_id, at=timezone.now(), data=data)
    return do_receive_event(event=event).outcome


def _threads(tenant, jobs, errors: list) -> list[threading.Thread]:
    """A thread per job, each on its own connection to the tenant, starting all at once."""
    start = threading.Barrier(len(jobs))

    def run(job):
        connection.set_tenant(tenant)
        try:
            start.wait()
            job()
        except Exception as error:  # noqa: BLE001 — every failure of a thread is reported by the test
            errors.append(error)
        finally:
            connection.close()

    return [threading.Thread(target=run, args=(job,)) for job in jobs]


def _overlaps(reservations: list[Reservation]) -> list[tuple[int, int]]:
    """Pairs of reservations whose ringing-to-end intervals overlap."""
    ordered = sorted(reservations, key=lambda reservation: (reservation.created_at, reservation.pk))
    return [(earlier.pk, later.pk) for earlier, later in zip(ordered, ordered[1:], strict=False)
            if earlier.ended_at is None or later.created_at < earlier.ended_at]


def test_many_callers_at_once_never_double_book_an_agent_or_a_call(live_acme):
    # given: three ready agents and a queue the callers' IVR chooses
    queue = new_queue("并发测试")
    agents = make_ready(log_in(3))
    extensions = {agent.pk: extension_of(agent) for agent in agents}
    run = uuid.uuid4().hex[:8]
    batches = [[f"load-{run}-{caller}-{n}" for n in range(CALLS // CALLERS)] for caller in range(CALLERS)]
    everyone_done = threading.Event()
    errors: list[Exception] = []
    outcomes: list[str] = []

    def caller(batch):
        for call_id in batch:
            outcomes.append(_send("call.offered", call_id, caller="13800138000", access_number=ACCESS_NUMBER,
                                  ivr_selection=queue.name))

    def agent_at_work(agent):
        while not everyone_done.is_set():
            ringing = Reservation.objects.filter(agent=agent, status=Reservation.Status.RINGING).select_related(
                "call").first()
            if ringing is None:
                time.sleep(0.005)
                continue
            call_id = ringing.call.gateway_call_id
            outcomes.append(_send("call.answered", call_id, extension=extensions[agent.pk]))
            outcomes.append(_send("call.ended", call_id, hung_up_by="caller"))

    threads = _threads(live_acme, [lambda batch=batch: caller(batch) for batch in batches]
                       + [lambda agent=agent: agent_at_work(agent) for agent in agents], errors)

    # when
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + PATIENCE_SECONDS
    calls = Call.objects.filter(gateway_call_id__startswith=f"load-{run}-")
    while calls.filter(status=CallStatus.ENDED).count() < CALLS and time.monotonic() < deadline and not errors:
        time.sleep(0.05)
    everyone_done.set()
    for thread in threads:
        thread.join()

    # then: nothing failed, the database's own guard included
    assert errors == []
    assert set(outcomes) == {"applied"} and len(outcomes) == 3 * CALLS
    # every call was answered once and ended, none lost
    assert calls.count() == CALLS
    assert not calls.filter(status__in=WAITING).exists()
    assert calls.filter(status=CallStatus.ENDED).count() == CALLS
    reservations = list(Reservation.objects.filter(call__in=calls))
    assert sorted(reservation.call_id for reservation in reservations) == sorted(calls.values_list("pk", flat=True))
    # no agent ever had two calls at once, and every agent took some
    for agent in agents:
        mine = [reservation for reservation in reservations if reservation.agent_id == agent.pk]
        assert mine and _overlaps(mine) == []
    # each agent's state history reads the same in time order as in the order it was written
    for agent in agents:
        history = AgentStateEvent.objects.filter(agent=agent, at__gte=timezone.now() - timedelta(minutes=5))
        assert list(history.order_by("at", "id").values_list("id", flat=True)) == \
            list(history.order_by("id").values_list("id", flat=True))


def test_calls_left_waiting_are_still_there_when_agents_do_not_answer(live_acme):
    # given: three ready agents who never answer, and calls from many callers at once
    queue = new_queue("并发排队")
    agents = make_ready(log_in(3))
    run = uuid.uuid4().hex[:8]
    errors: list[Exception] = []

    def caller(number):
        for n in range(CALLS // CALLERS):
            _send("call.offered", f"wait-{run}-{number}-{n}", caller="13800138000", access_number=ACCESS_NUMBER,
                  ivr_selection=queue.name)

    threads = _threads(live_acme, [lambda number=number: caller(number) for number in range(CALLERS)], errors)

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: the first three calls to arrive ring, one at each agent; the rest wait
    assert errors == []
    calls = Call.objects.filter(gateway_call_id__startswith=f"wait-{run}-")
    assert calls.count() == CALLS
    ringing = calls.filter(status=CallStatus.RINGING)
    assert sorted(ringing.values_list("agent", flat=True)) == sorted(agent.pk for agent in agents)
    assert calls.filter(status=CallStatus.QUEUED).count() == CALLS - len(agents)
    assert Reservation.objects.filter(call__in=calls).count() == len(agents)
    first_three = calls.order_by("id")[:len(agents)]
    assert set(ringing) == set(first_three)
