"""The wallboard page: who may open it, its navigation entry, and what it carries for wallboard.js."""

import json

import pytest
from django.db import connection

from saas.acd import services
from saas.agents.models import Agent
from tenants.models import Client


def _json_script(page: str, element_id: str):
    return json.loads(page.split(f'id="{element_id}" type="application/json">')[1].split("</script>")[0])


@pytest.mark.parametrize(("role", "expected"), [("supervisor", 200), ("tenant_admin", 200), ("agent", 403)])
def test_who_may_open_the_wallboard(web, role, expected):
    assert web("acme", role).get("/wallboard/").status_code == expected


def test_an_anonymous_visitor_is_sent_to_log_in(web):
    response = web("acme").get("/wallboard/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(("role", "listed"), [("supervisor", True), ("tenant_admin", True), ("agent", False)])
def test_the_navigation_links_the_wallboard_for_supervisors_and_admins(web, role, listed):
    # when
    page = web("acme", role).get("/", follow=True).content.decode()

    # then
    nav = page.split("<nav>")[1].split("</nav>")[0]
    assert ('href="/wallboard/"' in nav) is listed


def test_the_page_carries_the_snapshot_and_its_words(web):
    # given: an agent logged in, and the page in English
    client = web("acme", "supervisor")
    connection.set_tenant(Client.objects.get(slug="acme"))
    agent = Agent.objects.select_related("user").order_by("employee_number").first()
    services.do_login(agent=agent, actor=agent.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/wallboard/"})

    # when
    page = client.get("/wallboard/").content.decode()

    # then: the first snapshot to draw from, and every word wallboard.js shows from the template
    snapshot = _json_script(page, "wallboard-snapshot")
    assert "售后服务" in {queue["name"] for queue in snapshot["queues"]}
    assert agent.employee_number in {row["employee_number"] for row in snapshot["agents"]}
    texts = _json_script(page, "wallboard-texts")
    assert texts["states"] == {"not_ready": "Not ready", "ready": "Ready", "ringing": "Ringing",
                               "on_call": "On call", "on_hold": "On hold", "after_call_work": "After-call work"}
    assert "%(name)s" in texts["confirm_force_not_ready"] and "%(name)s" in texts["confirm_force_logout"]
    for hook in ('id="wallboard-queues"', 'id="wallboard-agents"', 'id="wallboard-connection"',
                 'data-action="force_not_ready"', 'data-action="force_logout"', "Force not ready",
                 "echarts-5.6.0.min.js", "wallboard/wallboard.js"):
        assert hook in page, hook
