"""The supervision API: the wallboard snapshot, and forcing an agent not ready or out, by role."""

import pytest

from saas.acd.models import AgentSession, AgentState, AgentStatus

from .conftest import extension_of, state_of

FORCE_NOT_READY = "/api/v1/acd/agents/{}/force-not-ready/"
FORCE_LOGOUT = "/api/v1/acd/agents/{}/force-logout/"


@pytest.mark.parametrize(("role", "expected"), [("supervisor", 200), ("tenant_admin", 200), ("agent", 403)])
def test_the_wallboard_by_role(api, agents, role, expected):
    # given
    [agent] = agents(1)

    # when
    response = api("acme", role).get("/api/v1/acd/wallboard/")

    # then
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert "售后服务" in {queue["name"] for queue in body["queues"]}
        assert agent.pk in {row["id"] for row in body["agents"]}


def test_a_supervisor_makes_a_ready_agent_not_ready(api, ready):
    # given
    [agent] = ready(1)

    # when
    response = api("acme", "supervisor").post(FORCE_NOT_READY.format(agent.pk))

    # then
    assert response.status_code == 200, response.content
    assert response.json() | {"since": None} == {"agent": agent.pk, "state": "not_ready", "reason": "主管置忙",
                                                 "since": None, "pending_not_ready": False}
    assert state_of(agent) == AgentState.NOT_READY


def test_not_ready_forced_during_a_call_waits_for_its_end(api, queue, ready, gateway):
    # given: an agent on a call
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))

    # when
    response = api("acme", "supervisor").post(FORCE_NOT_READY.format(agent.pk))
    gateway.send("call.ended", call_id, hung_up_by="caller")

    # then: still on the call when asked; not ready once it is over (the queue has no after-call work)
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["pending_not_ready"]) == ("on_call", True)
    status = AgentStatus.objects.select_related("reason").get(agent=agent)
    assert (status.state, status.reason.code) == (AgentState.NOT_READY, "supervisor")


def test_a_client_admin_logs_an_agent_out(api, agents):
    # given
    [agent] = agents(1)

    # when
    response = api("acme", "tenant_admin").post(FORCE_LOGOUT.format(agent.pk))

    # then
    assert response.status_code == 200 and response.json()["state"] == "logged_out"
    assert AgentSession.objects.filter(agent=agent).latest("started_at").end == AgentSession.End.SUPERVISOR


def test_an_agent_on_a_call_is_not_logged_out(api, queue, ready, gateway):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))

    # when
    response = api("acme", "supervisor").post(FORCE_LOGOUT.format(agent.pk))

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "agent_state_conflict"
    assert state_of(agent) == AgentState.ON_CALL


@pytest.mark.parametrize("path", [FORCE_NOT_READY, FORCE_LOGOUT])
def test_an_agent_may_not_force_anyone(api, agents, path):
    # given
    [agent] = agents(1)

    # when
    response = api("acme", "agent").post(path.format(agent.pk))

    # then
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert state_of(agent) == AgentState.NOT_READY


def test_a_bpo_supervisor_cannot_force_an_acme_agent(api, ready):
    # given
    [agent] = ready(1)

    # when
    response = api("acme", token_of=("bpo", "supervisor")).post(FORCE_NOT_READY.format(agent.pk))

    # then
    assert response.status_code in (401, 403)
    assert state_of(agent) == AgentState.READY


@pytest.mark.parametrize("path", [FORCE_NOT_READY, FORCE_LOGOUT])
def test_an_unknown_agent_is_404(api, acme, path):
    # when
    response = api("acme", "supervisor").post(path.format(999999))

    # then
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("path", "code"), [(FORCE_NOT_READY, "agent_logged_out"),
                                            (FORCE_LOGOUT, "agent_state_conflict")])
def test_a_logged_out_agent_is_409(api, agents, path, code):
    # given
    [agent] = agents(1)
    api("acme", "supervisor").post(FORCE_LOGOUT.format(agent.pk))

    # when
    response = api("acme", "supervisor").post(path.format(agent.pk))

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == code
