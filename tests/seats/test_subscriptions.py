"""Finance sets how many seats of each kind a tenant subscribes; the workspace enforces it."""

from saas.audit.models import AuditEvent


def test_finance_raises_a_subscription_and_the_tenant_can_activate_more(api):
    # given
    finance = api("platform", "finance")
    subscription = next(row for row in finance.get("/api/v1/billing/subscriptions/?mode=hosted").json()["results"]
                        if row["tenant"] == "acme")

    # when
    changed = finance.patch(f"/api/v1/billing/subscriptions/{subscription['id']}/", {"quantity": 25}, format="json")

    # then
    assert changed.status_code == 200 and changed.json()["quantity"] == 25
    usage = {row["kind"]: row for row in api("acme", "tenant_admin").get("/api/v1/seats/usage/").json()}
    assert usage["hosted"]["subscribed"] == 25
    event = AuditEvent.objects.filter(action="subscription.changed").latest("at")
    assert event.tenant.slug == "acme" and event.data == {"mode": "hosted", "from": 20, "to": 25}


def test_a_second_subscription_of_the_same_kind_is_refused(api):
    response = api("platform", "finance").post("/api/v1/billing/subscriptions/",
                                               {"tenant": "acme", "mode": "hosted", "quantity": 5}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "subscription_exists"


def test_only_the_quantity_changes(api):
    finance = api("platform", "finance")
    subscription = finance.get("/api/v1/billing/subscriptions/").json()["results"][0]
    response = finance.patch(f"/api/v1/billing/subscriptions/{subscription['id']}/", {"mode": "outsourced"},
                             format="json")
    assert response.status_code == 400
