"""Agents log into seats: one agent per seat, one seat per agent, and never more than the active seats."""

import pytest

from saas.accounts.models import User
from saas.acd import services
from saas.acd.models import AgentSession, AgentState, AgentStateEvent, AgentStatus, Call, CallStatus, Reservation
from saas.agents.models import Agent
from saas.api.errors import Conflict
from saas.seats.models import Seat
from saas.seats.services import do_deactivate_seat

from .conftest import extension_of, state_of


@pytest.fixture
def staff(acme):
    """acme's agents in employee-number order, and its client admin (who manages seats)."""
    return list(Agent.objects.select_related("user").order_by("employee_number")), \
        User.objects.get(username="acme-admin")


def _seat(code: str) -> Seat:
    return Seat.objects.get(code=code)


def _open_sessions():
    return AgentSession.objects.filter(ended_at__isnull=True)


def _state_or_none(agent):
    return AgentStatus.objects.filter(agent=agent).values_list("state", flat=True).first()


def test_an_agent_logs_into_a_seat_and_is_not_ready(staff):
    # given
    agent = staff[0][0]

    # when
    session = services.do_login(agent=agent, actor=agent.user, seat=_seat("A003"))

    # then
    status = AgentStatus.objects.get(agent=agent)
    assert (status.state, status.session, status.reason) == (AgentState.NOT_READY, session, None)
    assert (session.seat.code, session.ended_at) == ("A003", None)
    event = AgentStateEvent.objects.filter(agent=agent).latest("id")
    assert (event.state, event.session, event.at) == (AgentState.NOT_READY, session, session.started_at)


def test_without_a_seat_an_agent_gets_the_first_free_active_one(staff):
    # given
    first, second = staff[0][:2]
    services.do_login(agent=first, actor=first.user, seat=_seat("A001"))

    # when
    session = services.do_login(agent=second, actor=second.user)

    # then
    assert session.seat.code == "A002"


def test_an_agent_logs_into_their_default_seat(staff):
    # given
    agent = staff[0][0]
    agent.default_seat = _seat("A007")
    agent.save()

    # when
    session = services.do_login(agent=agent, actor=agent.user)

    # then
    assert session.seat.code == "A007"


def test_a_seat_in_use_cannot_be_deactivated(staff):
    # given
    (agent, *_), admin = staff
    services.do_login(agent=agent, actor=agent.user, seat=_seat("A004"))

    # when
    with pytest.raises(Conflict) as refused:
        do_deactivate_seat(actor=admin, seat=_seat("A004"))

    # then
    assert refused.value.code == "seat_in_use"
    assert _seat("A004").status == Seat.Status.ACTIVE


def test_a_seat_is_deactivated_once_its_agent_logged_out(staff):
    # given
    (agent, *_), admin = staff
    services.do_login(agent=agent, actor=agent.user, seat=_seat("A004"))
    services.do_logout(agent=agent, actor=agent.user)

    # when
    do_deactivate_seat(actor=admin, seat=_seat("A004"))

    # then
    assert _seat("A004").status == Seat.Status.INACTIVE
    assert AgentSession.objects.get(agent=agent).end == AgentSession.End.LOGOUT


def test_an_inactive_seat_cannot_be_logged_into(staff):
    # given
    agent = staff[0][0]

    # when
    with pytest.raises(Conflict) as refused:
        services.do_login(agent=agent, actor=agent.user, seat=_seat("A013"))

    # then
    assert refused.value.code == "seat_inactive"
    assert _state_or_none(agent) in (None, AgentState.LOGGED_OUT)


def test_two_agents_cannot_share_a_seat(staff):
    # given
    first, second = staff[0][:2]
    services.do_login(agent=first, actor=first.user, seat=_seat("A005"))

    # when
    with pytest.raises(Conflict) as refused:
        services.do_login(agent=second, actor=second.user, seat=_seat("A005"))

    # then
    assert refused.value.code == "seat_taken"
    assert list(_open_sessions().values_list("agent", flat=True)) == [first.pk]


def test_logged_in_seats_never_exceed_active_seats(staff):
    # given: three active seats for ten agents
    agents, admin = staff
    for seat in Seat.objects.filter(status=Seat.Status.ACTIVE).exclude(code__in=["A001", "A002", "A003"]):
        do_deactivate_seat(actor=admin, seat=seat)

    # when
    refusals = []
    for agent in agents:
        try:
            services.do_login(agent=agent, actor=agent.user)
        except Conflict as refused:
            refusals.append(refused.code)

    # then
    assert _open_sessions().count() == Seat.objects.filter(status=Seat.Status.ACTIVE).count() == 3
    assert refusals == ["no_free_seat"] * (len(agents) - 3)


def test_logging_in_elsewhere_ends_the_first_session(staff):
    # given
    agent = staff[0][0]
    first = services.do_login(agent=agent, actor=agent.user, seat=_seat("A001"))
    services.do_set_ready(agent=agent, actor=agent.user)

    # when
    second = services.do_login(agent=agent, actor=agent.user, seat=_seat("A002"))

    # then
    first.refresh_from_db()
    assert first.end == AgentSession.End.ELSEWHERE and first.ended_at == second.started_at
    assert list(_open_sessions()) == [second]
    states = list(AgentStateEvent.objects.filter(agent=agent).order_by("id").values_list("state", "session"))
    assert states[-2:] == [(AgentState.LOGGED_OUT, first.pk), (AgentState.NOT_READY, second.pk)]


def test_logging_in_elsewhere_is_refused_on_a_call(queue, ready, gateway):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))

    # when
    with pytest.raises(Conflict) as refused:
        services.do_login(agent=agent, actor=agent.user, seat=_seat("A009"))

    # then
    assert refused.value.code == "agent_on_call"
    assert extension_of(agent) == "8001" and state_of(agent) == AgentState.ON_CALL


def test_logging_in_elsewhere_while_a_call_rings_gives_it_to_the_next_agent(queue, ready, gateway):
    # given
    first, second = ready(2)
    call_id = gateway.offer()
    assert Call.objects.get(gateway_call_id=call_id).agent == first

    # when
    services.do_login(agent=first, actor=first.user, seat=_seat("A009"))

    # then
    call = Call.objects.get(gateway_call_id=call_id)
    assert (call.status, call.agent) == (CallStatus.RINGING, second)
    assert list(call.reservations.values_list("agent", "status")) == [
        (first.pk, Reservation.Status.CANCELLED), (second.pk, Reservation.Status.RINGING)]
    assert state_of(first) == AgentState.NOT_READY


def test_logging_out_while_a_call_rings_gives_it_back(queue, ready, gateway):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()

    # when
    services.do_logout(agent=agent, actor=agent.user)

    # then
    call = Call.objects.get(gateway_call_id=call_id)
    assert (call.status, call.agent) == (CallStatus.QUEUED, None)
    assert state_of(agent) == AgentState.LOGGED_OUT


def test_a_supervisor_logs_an_agent_out(agents, supervisor):
    # given
    [agent] = agents(1)

    # when
    services.do_force_logout(agent=agent, actor=supervisor)

    # then
    session = AgentSession.objects.get(agent=agent)
    assert session.end == AgentSession.End.SUPERVISOR and session.ended_at
    event = AgentStateEvent.objects.filter(agent=agent).latest("id")
    assert (event.state, event.actor) == (AgentState.LOGGED_OUT, supervisor.username)
