"""Agents with skills and teams, and not-ready reason codes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from saas.agents.models import ReasonCode, Skill
from tenants.models import Client
from tenants.services import do_provision_tenant, do_request_tenant
from tests.conftest import make_uscc


def _skill_ids(names, slug="acme"):
    with schema_context(Client.objects.get(slug=slug).schema_name):
        return [Skill.objects.get(name=name).pk for name in names]


def _new_agent(admin, **fields):
    body = {"username": "wangfang", "employee_number": "E2001", "name": "王芳", "hire_date": "2026-05-06", **fields}
    return admin.post("/api/v1/agents/", body, format="json")


def test_an_agent_created_without_password_gets_one_once_and_can_log_in(api):
    # given
    mandarin, complaints = _skill_ids(["普通话", "投诉处理"])

    # when
    created = _new_agent(api("acme", "tenant_admin"), skills=[{"skill": mandarin, "proficiency": 5},
                                                              {"skill": complaints, "proficiency": 2}])

    # then
    body = created.json()
    assert created.status_code == 201 and body["initial_password"]
    assert {(s["skill_name"], s["proficiency"]) for s in body["skills"]} == {("普通话", 5), ("投诉处理", 2)}
    login = api("acme").post("/api/v1/auth/token/", {"username": "wangfang", "password": body["initial_password"]},
                             format="json")
    assert login.status_code == 201 and login.json()["role"] == "agent"
    again = api("acme", "tenant_admin").get(f"/api/v1/agents/{body['id']}/").json()
    assert again["initial_password"] is None


@pytest.mark.parametrize(
    ("fields", "field", "valid"),
    [
        ({"skills": [{"skill": "MANDARIN", "proficiency": 1}]}, "skills", True),
        ({"skills": [{"skill": "MANDARIN", "proficiency": 0}]}, "skills", False),
        ({"skills": [{"skill": "MANDARIN", "proficiency": 6}]}, "skills", False),
        ({"employee_number": "E 1"}, "employee_number", False),
        ({"employee_number": "ACME-001"}, "employee_number", False),  # a demo agent has it
        ({"username": "acme-admin"}, "username", False),
        ({"leave_date": "2026-05-05"}, "leave_date", False),  # before the hire date
        ({"leave_date": "2026-05-06"}, "leave_date", True),
        ({"hire_date": "next week"}, "hire_date", False),
    ],
)
def test_agent_fields_are_validated_both_ways(api, fields, field, valid):
    # given
    if "skills" in fields:
        fields["skills"][0]["skill"] = _skill_ids(["普通话"])[0]

    # when
    response = _new_agent(api("acme", "tenant_admin"), **fields)

    # then
    if valid:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code in (400, 409), response.content
        error = response.json()["error"]
        assert field in error["details"] or error["code"] == "username_taken", error


def test_an_agent_who_has_left_can_no_longer_log_in(api):
    # given
    admin = api("acme", "tenant_admin")
    agent = _new_agent(admin, password="long-password-1").json()

    # when
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    left = admin.patch(f"/api/v1/agents/{agent['id']}/", {"leave_date": yesterday}, format="json")

    # then
    assert left.status_code == 200 and left.json()["active"] is False
    login = api("acme").post("/api/v1/auth/token/", {"username": "wangfang", "password": "long-password-1"},
                             format="json")
    assert login.status_code == 400


def test_an_agent_sees_only_their_own_profile(api):
    # when
    agent_view = api("acme", "agent").get("/api/v1/agents/").json()
    supervisor_view = api("acme", "supervisor").get("/api/v1/agents/").json()

    # then
    assert [row["username"] for row in agent_view["results"]] == ["acme-agent"]
    assert supervisor_view["count"] == 10
    someone_else = next(row["id"] for row in supervisor_view["results"] if row["username"] != "acme-agent")
    assert api("acme", "agent").get(f"/api/v1/agents/{someone_else}/").status_code == 404


def test_a_team_leader_must_be_a_supervisor(api):
    # given
    admin = api("acme", "tenant_admin")
    users = {row["username"]: row["id"] for row in admin.get("/api/v1/users/").json()["results"]}

    # when
    by_agent = admin.post("/api/v1/teams/", {"name": "二组", "leader": users["acme-agent"]}, format="json")
    by_supervisor = admin.post("/api/v1/teams/", {"name": "二组", "leader": users["acme-supervisor"]}, format="json")

    # then
    assert by_agent.status_code == 400 and "leader" in by_agent.json()["error"]["details"]
    assert by_supervisor.status_code == 201 and by_supervisor.json()["leader_name"] == "刘洋"


def test_a_skill_is_deactivated_not_deleted(api):
    # given
    admin = api("acme", "tenant_admin")
    skill = admin.post("/api/v1/skills/", {"name": "英语"}, format="json").json()

    # when
    admin.patch(f"/api/v1/skills/{skill['id']}/", {"active": False}, format="json")

    # then
    assert admin.delete(f"/api/v1/skills/{skill['id']}/").status_code == 405
    assert [row["name"] for row in admin.get("/api/v1/skills/?active=false").json()["results"]] == ["英语"]
    duplicate = admin.post("/api/v1/skills/", {"name": "英语"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()["error"]["details"]


def test_built_in_reason_codes_come_with_every_new_tenant(db, new_slug):
    # when
    client = do_request_tenant(actor=None, slug=new_slug(), legal_name="新租户有限公司", uscc=make_uscc(),
                               business_type=Client.BusinessType.SELF_USE)
    client = do_provision_tenant(client_id=client.pk)

    # then
    with schema_context(client.schema_name):
        assert set(ReasonCode.objects.filter(built_in=True).values_list("code", flat=True)) == {
            "break", "lunch", "training", "meeting", "missed", "supervisor"}


def test_a_built_in_reason_code_can_be_deactivated_but_not_renamed(api):
    # given
    admin = api("acme", "tenant_admin")
    lunch = next(row for row in admin.get("/api/v1/reason-codes/").json()["results"] if row["code"] == "lunch")

    # when
    renamed = admin.patch(f"/api/v1/reason-codes/{lunch['id']}/", {"name": "吃饭"}, format="json")
    deactivated = admin.patch(f"/api/v1/reason-codes/{lunch['id']}/", {"active": False}, format="json")
    own = admin.post("/api/v1/reason-codes/", {"code": "coaching", "name": "辅导", "category": "training"},
                     format="json")

    # then
    assert renamed.status_code == 409 and renamed.json()["error"]["code"] == "reason_code_built_in"
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False
    assert own.status_code == 201 and own.json()["built_in"] is False


def test_agents_may_read_reason_codes_but_not_skills(api):
    agent = api("acme", "agent")
    assert agent.get("/api/v1/reason-codes/").status_code == 200
    assert agent.get("/api/v1/skills/").status_code == 403
