"""Access numbers: allocated by the platform, routed by the tenant, the route mirrored in the registry."""

import pytest
from django_tenants.utils import schema_context

from compliance.models import NumberResource
from compliance.numbers import classify
from saas.numbers import services
from saas.numbers.models import NumberRoute
from saas.queues.models import Queue
from tenants.models import Client


@pytest.mark.parametrize(
    ("raw", "number", "kind", "province"),
    [
        ("95105", "95105", "95", ""),
        ("96123", "96123", "96", ""),
        ("400-820-8820", "4008208820", "400", ""),
        ("800 810 1234", "8008101234", "800", ""),
        ("10086", "10086", "100xx", ""),
        ("1069012345", "1069012345", "106x", ""),
        ("010-62345678", "01062345678", "fixed", "11"),
        ("0512 6888 1234", "051268881234", "fixed", "32"),
        ("+86 138 1234 5678", "13812345678", "mobile", ""),
    ],
)
def test_numbers_are_classified_with_their_province(raw, number, kind, province):
    found = classify(raw)
    assert (found.number, found.kind, found.province) == (number, kind, province)


@pytest.mark.parametrize("raw", ["abc", "12345", "9512", "40012345", "+1 415 555 0100"])
def test_what_is_no_chinese_number_is_refused(raw):
    assert classify(raw) is None


@pytest.fixture(autouse=True)
def _unrouted(db):
    """These tests route acme's numbers themselves: they start from none routed (the demo routes both)."""
    with schema_context(Client.objects.get(slug="acme").schema_name):
        NumberRoute.objects.all().delete()
    NumberResource.objects.filter(tenant__slug="acme").update(routed_queue="", routed_at=None)


def _queue(admin, name="热线"):
    return admin.post("/api/v1/queues/", {"name": name}, format="json").json()["id"]


def _acme_number(admin, number="4008208820"):
    return next(row for row in admin.get("/api/v1/numbers/").json() if row["number"] == number)


def test_a_tenant_sees_only_the_numbers_allocated_to_it(api):
    acme = {row["number"] for row in api("acme", "supervisor").get("/api/v1/numbers/").json()}
    bpo = {row["number"] for row in api("bpo", "tenant_admin").get("/api/v1/numbers/").json()}
    assert acme == {"4008208820", "951234"} and bpo == {"96123", "02584561234"}


def test_routing_a_number_mirrors_the_queue_in_the_public_registry(api):
    # given
    admin = api("acme", "tenant_admin")
    queue = _queue(admin)
    number = _acme_number(admin)
    assert number["queue"] is None

    # when
    routed = admin.patch(f"/api/v1/numbers/{number['id']}/", {"queue": queue, "closed_action": "voicemail"},
                         format="json")

    # then
    assert routed.status_code == 200, routed.content
    assert (routed.json()["queue"], routed.json()["closed_action"]) == (queue, "voicemail")
    registry = NumberResource.objects.get(number="4008208820")
    assert registry.routed_queue == "热线" and registry.routed_at is not None


def test_another_tenants_number_cannot_be_seen_or_routed(api):
    bpo_number = NumberResource.objects.get(number="96123")
    admin = api("acme", "tenant_admin")
    assert admin.get(f"/api/v1/numbers/{bpo_number.pk}/").status_code == 404
    assert admin.patch(f"/api/v1/numbers/{bpo_number.pk}/", {"queue": _queue(admin)}, format="json").status_code == 404


def test_numbers_cannot_be_created_by_a_tenant(api):
    assert api("acme", "tenant_admin").post("/api/v1/numbers/", {"number": "4001234567"}, format="json"
                                            ).status_code == 405


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "queue"),  # a number that has no route yet needs a queue
        ({"closed_action": "queue"}, "closed_queue"),
        ({"closed_action": "queue", "closed_queue": "SAME"}, "closed_queue"),
        ({"closed_action": "hangup"}, "closed_action"),
    ],
)
def test_routing_is_validated(api, body, field):
    # given
    admin = api("acme", "tenant_admin")
    queue = _queue(admin)
    if body:
        body = {"queue": queue, **{key: queue if value == "SAME" else value for key, value in body.items()}}

    # when
    response = admin.patch(f"/api/v1/numbers/{_acme_number(admin)['id']}/", body, format="json")

    # then
    assert response.status_code == 400 and field in response.json()["error"]["details"], response.content


def test_out_of_hours_calls_can_go_to_another_queue(api):
    admin = api("acme", "tenant_admin")
    day, night = _queue(admin, "白班"), _queue(admin, "夜班")
    response = admin.patch(f"/api/v1/numbers/{_acme_number(admin)['id']}/",
                           {"queue": day, "closed_action": "queue", "closed_queue": night}, format="json")
    assert response.status_code == 200 and response.json()["closed_queue"] == night


def test_a_failed_routing_leaves_neither_route_nor_registry_changed(api, monkeypatch):
    # given
    admin = api("acme", "tenant_admin")
    queue = _queue(admin)
    def failing_record(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "record", failing_record)
    number = NumberResource.objects.get(number="4008208820")

    # when
    with pytest.raises(RuntimeError), schema_context(Client.objects.get(slug="acme").schema_name):
        services.do_route_number(actor=None, number=number, queue=Queue.objects.get(pk=queue))

    # then
    number.refresh_from_db()
    assert number.routed_queue == "" and number.routed_at is None
    with schema_context(Client.objects.get(slug="acme").schema_name):
        assert not NumberRoute.objects.filter(number=number).exists()


def test_compliance_registers_a_number_for_a_tenant_who_then_routes_it(api):
    # given
    officer = api("platform", "compliance_officer")

    # when
    registered = officer.post("/api/v1/number-resources/", {"number": "400 820 8821", "tenant": "acme"}, format="json")

    # then
    body = registered.json()
    assert registered.status_code == 201
    assert (body["number"], body["kind"], body["tenant"]) == ("4008208821", "400", "acme")
    assert "4008208821" in {row["number"] for row in api("acme", "tenant_admin").get("/api/v1/numbers/").json()}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"number": "not a number"}, 400, "invalid"),
        ({"number": "4008208820"}, 409, "number_taken"),  # the demo's
        ({"number": "4008208822", "tenant": "nobody"}, 400, "invalid"),
    ],
)
def test_number_registration_refuses_clearly(api, body, status, code):
    response = api("platform", "compliance_officer").post("/api/v1/number-resources/", body, format="json")
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_a_routed_number_is_not_taken_from_its_tenant(api):
    # given
    admin = api("acme", "tenant_admin")
    admin.patch(f"/api/v1/numbers/{_acme_number(admin)['id']}/", {"queue": _queue(admin)}, format="json")
    number = NumberResource.objects.get(number="4008208820")

    # when
    response = api("platform", "compliance_officer").patch(f"/api/v1/number-resources/{number.pk}/",
                                                           {"tenant": "bpo"}, format="json")

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "number_routed"
