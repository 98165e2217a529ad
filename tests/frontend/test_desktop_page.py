"""The agent desktop page: who may open it, its navigation entry, and what it carries for desktop.js."""

import json

import pytest
from django.db import connection

from saas.accounts.models import User
from saas.accounts.roles import Role
from saas.acd import services
from saas.agents.models import Agent
from saas.demo import DEMO_PASSWORD
from tenants.models import Client

HOOKS = ("desktop-state", "desktop-connection", "login-button", "login-seat", "ready-button", "not-ready-button",
         "not-ready-reason", "logout-button", "answer-button", "hold-button", "unhold-button", "hangup-button",
         "transfer-button", "transfer-target", "wrap-up-code", "wrap-up-notes", "wrap-up-fcr", "wrap-up-done",
         "acw-countdown", "caller-number", "caller-province", "call-history", "dial-button")


def _json_script(page: str, element_id: str):
    return json.loads(page.split(f'id="{element_id}" type="application/json">')[1].split("</script>")[0])


@pytest.mark.parametrize(("role", "expected"), [("agent", 200), ("supervisor", 403), ("tenant_admin", 403)])
def test_only_agents_may_open_the_desktop(web, role, expected):
    assert web("acme", role).get("/desktop/").status_code == expected


def test_an_anonymous_visitor_is_sent_to_log_in(web):
    response = web("acme").get("/desktop/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_agent_user_without_an_agent_profile_is_told_so(web):
    # given
    connection.set_tenant(Client.objects.get(slug="acme"))
    User.objects.create_user(username="desk-page-no-profile", password=DEMO_PASSWORD, role=Role.AGENT)
    client = web("acme")

    # when
    client.post("/login/", {"username": "desk-page-no-profile", "password": DEMO_PASSWORD})
    response = client.get("/desktop/")

    # then
    assert response.status_code == 403 and "no_agent_profile" in response.content.decode()


@pytest.mark.parametrize(("role", "listed"), [("agent", True), ("supervisor", False), ("tenant_admin", False)])
def test_the_navigation_links_the_desktop_for_agents_only(web, role, listed):
    # when
    page = web("acme", role).get("/", follow=True).content.decode()

    # then
    nav = page.split("<nav>")[1].split("</nav>")[0]
    assert ('href="/desktop/"' in nav) is listed


def test_the_page_carries_the_agents_snapshot_its_words_and_hooks(web):
    # given: the agent is logged into a seat, and the page is in English
    client = web("acme", "agent")
    connection.set_tenant(Client.objects.get(slug="acme"))
    agent = Agent.objects.select_related("user").get(user__username="acme-agent")
    session = services.do_login(agent=agent, actor=agent.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/desktop/"})

    # when
    page = client.get("/desktop/").content.decode()

    # then
    snapshot = _json_script(page, "desktop-snapshot")
    assert (snapshot["type"], snapshot["state"], snapshot["session"]) == ("state", "not_ready", session.pk)
    texts = _json_script(page, "desktop-texts")
    assert texts["states"]["after_call_work"] == "After-call work" and texts["call_statuses"]["ringing"] == "Ringing"
    assert set(texts["session_ended"]) == {"elsewhere", "supervisor", "logout"}
    for hook in HOOKS:
        assert f'id="{hook}" data-testid="{hook}"' in page, hook
    assert 'data-live="/ws/agent/desktop/"' in page and "desktop/desktop.js" in page and "Reconnecting…" in page
