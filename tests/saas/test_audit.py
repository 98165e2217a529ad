"""Every write lands in the audit log: who, what, when, which tenant."""

from saas.audit.models import AuditEvent


def test_a_tenant_write_is_recorded_against_that_tenant(api):
    # when
    api("acme", "tenant_admin").post("/api/v1/users/", {"username": "audited-agent", "password": "long-enough-1",
                                                         "role": "agent"}, format="json")

    # then
    event = AuditEvent.objects.get(action="user.created", data__username="audited-agent")
    assert event.tenant.slug == "acme" and event.actor_username == "acme-admin" and event.at is not None


def test_a_platform_action_on_a_tenant_names_the_tenant(api):
    # when
    api("platform", "platform_admin").post("/api/v1/tenants/bpo/suspend/")

    # then
    event = AuditEvent.objects.filter(action="tenant.suspended").latest("at")
    assert event.tenant.slug == "bpo" and event.actor_username == "admin" and event.schema_name == "public"
    assert event.data == {"from": "active", "to": "suspended"}


def test_a_tenant_admin_reads_only_its_own_events(api):
    # given
    api("bpo", "tenant_admin").post("/api/v1/users/", {"username": "bpo-secret", "password": "long-enough-1",
                                                        "role": "agent"}, format="json")

    # when
    events = api("acme", "tenant_admin").get("/api/v1/audit/").json()["results"]

    # then
    assert events and {event["tenant"] for event in events} == {"acme"}
    assert all(event["data"].get("username") != "bpo-secret" for event in events)


def test_platform_staff_read_every_tenant_s_events(api):
    # given
    api("bpo", "tenant_admin").post("/api/v1/users/", {"username": "bpo-visible", "password": "long-enough-1",
                                                        "role": "agent"}, format="json")

    # when
    events = api("platform", "platform_admin").get("/api/v1/audit/?action=user.").json()["results"]

    # then
    assert "bpo-visible" in [event["data"].get("username") for event in events]


def test_web_login_and_logout_are_recorded(web):
    # given
    client = web("acme", "supervisor")

    # when
    response = client.post("/logout/")

    # then
    assert response.status_code == 302 and response["Location"] == "/login/"
    actions = list(AuditEvent.objects.filter(actor_username="acme-supervisor").values_list("action", flat=True))
    assert actions[:2] == ["auth.logout", "auth.login"]
