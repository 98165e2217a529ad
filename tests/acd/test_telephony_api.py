"""`POST /api/v1/telephony/events/` as the gateway uses it, and the gateway integrations' API."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from saas.accounts.models import User
from saas.acd.integrations import do_create_gateway_integration, do_update_gateway_integration
from saas.acd.models import AgentState, AgentStateEvent, Call, CallEvent, CallStatus, GatewayIntegration
from saas.audit.models import AuditEvent
from tenants.models import Client
from tests.conftest import HOSTS
from tests.endpoints import api_endpoints

from .conftest import ACCESS_NUMBER, extension_of, state_of

EVENTS = "/api/v1/telephony/events/"
GATEWAYS = "/api/v1/telephony/gateways/"
_ids = itertools.count(1)


def new_integration(slug: str, name: str = "机房网关", **fields) -> tuple[GatewayIntegration, str]:
    connection.set_tenant(_client(slug))
    return do_create_gateway_integration(actor=User.objects.get(username=f"{slug}-admin"), name=name, **fields)


def _client(slug: str) -> Client:
    return Client.objects.get(slug=slug)


def gateway_client(slug: str, key: str) -> APIClient:
    return APIClient(HTTP_HOST=HOSTS[slug], HTTP_AUTHORIZATION=f"Gateway {key}")


@pytest.fixture
def acme_gateway(acme):
    """An API client that is acme's gateway, and a `send` that posts one event with fresh ids."""
    _, key = new_integration("acme")
    client = gateway_client("acme", key)
    now = timezone.now()

    def send(kind: str, call_id: str, *, seconds: int = 0, event_id: str | None = None, **fields):
        body = {"event_id": event_id or f"http-ev-{next(_ids)}", "type": kind, "call_id": call_id,
                "at": (now + timedelta(seconds=seconds)).isoformat(), **fields}
        response = client.post(EVENTS, body, format="json")
        connection.set_tenant(_client("acme"))  # the request left the connection on acme; say so
        return response

    send.client = client
    return send


def offer(**fields) -> dict:
    return {"caller": "13800138000", "access_number": ACCESS_NUMBER, **fields}


def test_an_event_sent_twice_counts_once(queue, acme_gateway):
    # given
    first = acme_gateway("call.offered", "c-twice", event_id="ev-twice", **offer())

    # when
    again = acme_gateway("call.offered", "c-twice", event_id="ev-twice", **offer())

    # then
    assert first.status_code == again.status_code == 200
    assert first.json() == {"event_id": "ev-twice", "outcome": "applied", "code": ""}
    assert again.json() == {"event_id": "ev-twice", "outcome": "duplicate", "code": ""}
    assert CallEvent.objects.filter(event_id="ev-twice").count() == 1
    assert Call.objects.filter(gateway_call_id="c-twice").count() == 1


def test_an_answer_that_arrives_before_its_offer_waits_and_is_applied_with_it(queue, ready, acme_gateway):
    # given: the gateway offered the call at +0 s and it was answered at +5 s, but the answer arrives first
    [agent] = ready(1)
    answered = acme_gateway("call.answered", "c-early", seconds=5, extension=extension_of(agent))

    # when
    offered = acme_gateway("call.offered", "c-early", seconds=0, **offer())

    # then
    assert answered.json()["outcome"] == "pending" and offered.json()["outcome"] == "applied"
    call = Call.objects.get(gateway_call_id="c-early")
    assert (call.status, call.agent, call.answered_at) == (CallStatus.CONNECTED, agent, call.offered_at
                                                            + timedelta(seconds=5))
    assert CallEvent.objects.get(event_id=answered.json()["event_id"]).applied is True
    assert state_of(agent) == AgentState.ON_CALL


def test_a_late_event_fills_in_the_history_without_rewinding_the_call(queue, ready, acme_gateway):
    # given: offered at +0, ended at +60; the answer at +10 was delayed
    [agent] = ready(1)
    acme_gateway("call.offered", "c-late", seconds=0, **offer())
    acme_gateway("call.ringing", "c-late", seconds=1, extension=extension_of(agent))
    acme_gateway("call.ended", "c-late", seconds=60, hung_up_by="caller")

    # when
    late = acme_gateway("call.answered", "c-late", seconds=10, extension=extension_of(agent))

    # then
    assert late.status_code == 200 and late.json()["outcome"] == "late"
    call = Call.objects.get(gateway_call_id="c-late")
    assert call.answered_at == call.offered_at + timedelta(seconds=10)
    assert call.status == CallStatus.ABANDONED  # it ended while ringing, as far as the ACD knew
    assert AgentStateEvent.objects.filter(agent=agent, state=AgentState.ON_CALL, call=call,
                                          at=call.answered_at).exists()


def _valid(kind: str) -> dict:
    return {"call.offered": offer(), "call.answered": {"extension": "8001"},
            "call.transferred": {"mode": "blind", "to_queue": "售后热线"}, "call.ended": {"hung_up_by": "agent"}}[kind]


@pytest.mark.parametrize(("kind", "change", "field"), [
    ("call.offered", {"event_id": None}, "event_id"),
    ("call.offered", {"event_id": "e" * 65}, "event_id"),
    ("call.offered", {"call_id": "c" * 65}, "call_id"),
    ("call.offered", {"call_id": ""}, "call_id"),
    ("call.offered", {"type": "call.exploded"}, "type"),
    ("call.offered", {"at": "2026-05-01T09:30:00"}, "at"),  # no UTC offset
    ("call.offered", {"at": "yesterday"}, "at"),
    ("call.offered", {"priority": 10}, "priority"),
    ("call.offered", {"priority": -1}, "priority"),
    ("call.offered", {"priority": "urgent"}, "priority"),
    ("call.offered", {"caller": None}, "caller"),
    ("call.offered", {"access_number": None}, "access_number"),
    ("call.answered", {"extension": None}, "extension"),
    ("call.answered", {"extension": "front-desk"}, "extension"),
    ("call.transferred", {"mode": None}, "mode"),
    ("call.transferred", {"mode": "teleport"}, "mode"),
    ("call.transferred", {"to_queue": None}, "to_extension"),  # neither target
    ("call.transferred", {"to_extension": "8002"}, "to_extension"),  # both targets
    ("call.ended", {"hung_up_by": None}, "hung_up_by"),
    ("call.ended", {"hung_up_by": "nobody"}, "hung_up_by"),
])
def test_an_invalid_event_is_refused_field_by_field_and_not_stored(acme_gateway, kind, change, field):
    # given
    body = {"event_id": f"bad-{next(_ids)}", "type": kind, "call_id": "c-bad", "at": timezone.now().isoformat(),
            **_valid(kind), **change}
    body = {name: value for name, value in body.items() if value is not None}

    # when
    response = acme_gateway.client.post(EVENTS, body, format="json")

    # then
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["details"]) == [field], error
    assert not CallEvent.objects.filter(gateway_call_id="c-bad").exists()


def test_an_event_carries_only_its_own_fields(queue, acme_gateway):
    # when: an offer that also says an extension (a field of other types)
    acme_gateway("call.offered", "c-extra", event_id="ev-extra", extension="8001", priority=3, **offer())

    # then
    assert CallEvent.objects.get(event_id="ev-extra").data == {**offer(), "priority": 3}
    assert Call.objects.get(gateway_call_id="c-extra").priority == 3


@pytest.mark.parametrize(("story", "refused", "code"), [
    ([("call.offered", offer())], ("call.offered", offer()), "call_already_offered"),
    ([("call.offered", offer())], ("call.answered", {"extension": "8999"}), "no_agent_at_extension"),
    ([("call.offered", offer())], ("call.held", {"extension": "8001"}), "call_not_connected"),
    ([("call.offered", offer()), ("call.abandoned", {})], ("call.callback_requested", {}), "call_not_waiting"),
])
def test_an_event_that_cannot_apply_is_a_409_with_its_reason(queue, acme_gateway, story, refused, code):
    # given: a call with nobody ready, so it waits in the queue
    for second, (kind, fields) in enumerate(story):
        assert acme_gateway(kind, "c-refused", seconds=second, **fields).status_code == 200

    # when
    kind, fields = refused
    response = acme_gateway(kind, "c-refused", seconds=10, event_id="ev-refused", **fields)

    # then: refused with its code, and kept: the same event again is a duplicate
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == code and error["details"] == {"event_id": "ev-refused"} and error["message"]
    assert acme_gateway(kind, "c-refused", seconds=10, event_id="ev-refused", **fields).json()["outcome"] == \
        "duplicate"


def test_a_bpo_gateway_key_is_not_a_key_on_acmes_host(acme_gateway):
    # given
    _, bpo_key = new_integration("bpo")

    # when
    response = gateway_client("acme", bpo_key).post(EVENTS, {}, format="json")

    # then
    assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Gateway"


@pytest.mark.parametrize("header", ["Gateway", "Gateway a b", "Gateway not-a-key-of-anyone"])
def test_a_malformed_or_unknown_key_is_refused(acme, header):
    # when
    response = APIClient(HTTP_HOST="acme.localhost", HTTP_AUTHORIZATION=header).post(EVENTS, {}, format="json")

    # then
    assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"


def test_a_switched_off_integration_s_key_no_longer_works(acme):
    # given
    integration, key = new_integration("acme")
    do_update_gateway_integration(actor=None, integration=integration, active=False)

    # when
    response = gateway_client("acme", key).post(EVENTS, {}, format="json")

    # then
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["tenant_admin", "supervisor", "agent"])
def test_people_cannot_send_events(api, acme, role):
    # when
    response = api("acme", role).post(EVENTS, {}, format="json")

    # then
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_without_credentials_the_answer_asks_for_a_gateway_key(api, acme):
    # when
    response = api("acme").post(EVENTS, {}, format="json")

    # then
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_the_platform_host_has_no_event_endpoint(api):
    assert api("platform", "platform_admin").post(EVENTS, {}, format="json").status_code == 404


def test_a_gateway_key_opens_no_other_endpoint(acme):
    # given
    _, key = new_integration("acme")
    client = gateway_client("acme", key)
    others = [endpoint for endpoint in api_endpoints()
              if endpoint.host_kind == "tenant" and not endpoint.public and endpoint.path != EVENTS]

    # when
    answers = {endpoint.path: getattr(client, endpoint.methods[0])(endpoint.path, {}, format="json").status_code
               for endpoint in others}

    # then
    assert others and set(answers.values()) == {401}, answers


def test_the_gateway_is_seen_at_most_once_a_minute(queue, acme_gateway):
    # given
    acme_gateway("call.offered", "c-seen-1", **offer())
    integration = GatewayIntegration.objects.get()
    first_seen = integration.last_seen_at

    # when
    acme_gateway("call.offered", "c-seen-2", **offer())
    integration.refresh_from_db()
    within_the_minute = integration.last_seen_at
    GatewayIntegration.objects.update(last_seen_at=first_seen - timedelta(minutes=2))
    acme_gateway("call.offered", "c-seen-3", **offer())
    integration.refresh_from_db()

    # then
    assert first_seen and within_the_minute == first_seen
    assert integration.last_seen_at > first_seen


# --- the gateway integrations' API -----------------------------------------------------------------------

def test_a_client_admin_creates_an_integration_and_sees_its_key_once(api, acme):
    # given
    admin = api("acme", "tenant_admin")

    # when
    created = admin.post(GATEWAYS, {"name": "机房 A", "webhook_url": "https://pbx.example.cn/acd"}, format="json")
    listed = admin.get(GATEWAYS).json()["results"]

    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["key"] and body["webhook_secret"] and body["active"] is True
    connection.set_tenant(_client("acme"))
    integration = GatewayIntegration.objects.get(pk=body["id"])
    assert integration.token_digest == GatewayIntegration.digest_of(body["key"]) != body["key"]
    assert integration.webhook_secret == body["webhook_secret"]
    assert [(row["name"], row["key"], row["webhook_secret"]) for row in listed] == [("机房 A", None, None)]
    assert AuditEvent.objects.filter(action="gateway_integration.created", target_id=str(integration.pk)).exists()
    assert gateway_client("acme", body["key"]).post(EVENTS, {}, format="json").status_code == 400  # it works


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": "机房网关"}, "name"),  # taken
    ({"name": "新网关", "webhook_url": "ftp://pbx.example.cn/"}, "webhook_url"),
    ({"name": "新网关", "webhook_url": "not a url"}, "webhook_url"),
    ({"name": ""}, "name"),
])
def test_an_integration_that_is_not_valid_is_refused(api, acme, fields, field):
    # given
    new_integration("acme", name="机房网关")

    # when
    response = api("acme", "tenant_admin").post(GATEWAYS, fields, format="json")

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and field in response.json()["error"]["details"]


def test_rotating_the_key_retires_the_old_one_at_once(api, acme):
    # given
    integration, old_key = new_integration("acme")
    old_secret = integration.webhook_secret

    # when
    response = api("acme", "tenant_admin").post(f"{GATEWAYS}{integration.pk}/rotate-token/")

    # then
    assert response.status_code == 200, response.content
    new_key, new_secret = response.json()["key"], response.json()["webhook_secret"]
    assert new_key != old_key and new_secret != old_secret
    assert gateway_client("acme", old_key).post(EVENTS, {}, format="json").status_code == 401
    assert gateway_client("acme", new_key).post(EVENTS, {}, format="json").status_code == 400
    connection.set_tenant(_client("acme"))
    assert AuditEvent.objects.filter(action="gateway_integration.token_rotated").exists()


def test_a_client_admin_sets_the_webhook_and_switches_an_integration_off(api, acme):
    # given
    integration, key = new_integration("acme")

    # when
    response = api("acme", "tenant_admin").patch(f"{GATEWAYS}{integration.pk}/", {
        "webhook_url": "http://10.0.0.8:8080/commands", "active": False}, format="json")

    # then
    assert response.status_code == 200, response.content
    assert (response.json()["webhook_url"], response.json()["active"], response.json()["key"]) == (
        "http://10.0.0.8:8080/commands", False, None)
    assert gateway_client("acme", key).post(EVENTS, {}, format="json").status_code == 401


@pytest.mark.parametrize(("role", "read", "write"), [("supervisor", 200, 403), ("agent", 403, 403)])
def test_supervisors_read_the_integrations_and_agents_do_not(api, acme, role, read, write):
    # given
    integration, _ = new_integration("acme")
    client = api("acme", role)

    # then
    assert client.get(GATEWAYS).status_code == read
    assert client.post(f"{GATEWAYS}{integration.pk}/rotate-token/").status_code == write
    assert client.patch(f"{GATEWAYS}{integration.pk}/", {"active": False}, format="json").status_code == write


def test_another_tenant_s_integration_is_not_found(api, acme):
    # given
    integration, _ = new_integration("bpo")

    # when
    response = api("acme", "tenant_admin").post(f"{GATEWAYS}{integration.pk}/rotate-token/")

    # then: acme's schema has no such row
    assert response.status_code == 404
