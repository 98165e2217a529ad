"""Seats: the subscription caps activation, and the public ledger moves with the seat or not at all."""

import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from billing.models import SeatLedgerEntry, Subscription
from compliance.models import PlatformSite
from saas.api.errors import Conflict
from saas.seats import services
from saas.seats.models import Seat
from tenants.models import Client

SEATS = "/api/v1/seats/"


def _new_seat(admin, code, extension, **extra):
    return admin.post(SEATS, {"code": code, "name": f"{code} 座席", "kind": "hosted", "extension": extension, **extra},
                      format="json")


def _ledger(code):
    return list(SeatLedgerEntry.objects.filter(seat_code=code, tenant__slug="acme").values_list("event", flat=True))


def _fill_acme_to_the_cap(admin):
    """acme subscribes 20 hosted seats and the demo activates 12: activate the other 8."""
    for number in range(8):
        assert _new_seat(admin, f"F{number}", f"70{number}", active=True).status_code == 201


def test_activating_a_seat_writes_the_ledger(api):
    # given
    admin = api("acme", "tenant_admin")
    seat = _new_seat(admin, "N001", "7001").json()
    assert seat["status"] == "inactive" and _ledger("N001") == []

    # when
    activated = admin.post(f"{SEATS}{seat['id']}/activate/")

    # then
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    entry = SeatLedgerEntry.objects.get(seat_code="N001")
    assert (entry.tenant.slug, entry.seat_id, entry.mode, entry.event) == ("acme", seat["id"], "hosted", "activated")
    assert entry.actor_username == "acme-admin"


def test_deactivating_and_activating_again_appends_to_the_ledger(api):
    # given
    admin = api("acme", "tenant_admin")
    seat_id = _new_seat(admin, "N002", "7002", active=True).json()["id"]

    # when
    admin.post(f"{SEATS}{seat_id}/deactivate/")
    admin.post(f"{SEATS}{seat_id}/deactivate/")  # already inactive: no second entry
    admin.post(f"{SEATS}{seat_id}/activate/")

    # then
    assert _ledger("N002") == ["activated", "deactivated", "activated"]


def test_activation_beyond_the_subscription_is_refused_and_stores_nothing(api):
    # given
    admin = api("acme", "tenant_admin")
    _fill_acme_to_the_cap(admin)
    spare = _new_seat(admin, "N003", "7003").json()

    # when
    refused = admin.post(f"{SEATS}{spare['id']}/activate/", HTTP_ACCEPT_LANGUAGE="en")

    # then
    error = refused.json()["error"]
    assert refused.status_code == 409 and error["code"] == "seat_limit_reached"
    assert error["details"] == {"kind": "hosted", "subscribed": 20, "active": 20}
    assert admin.get(f"{SEATS}{spare['id']}/").json()["status"] == "inactive"
    assert _ledger("N003") == []


def test_creating_an_active_seat_beyond_the_subscription_creates_no_seat(api):
    # given
    admin = api("acme", "tenant_admin")
    _fill_acme_to_the_cap(admin)

    # when
    refused = _new_seat(admin, "N004", "7004", active=True)

    # then
    assert refused.status_code == 409
    assert admin.get(f"{SEATS}?kind=hosted").json()["count"] == 23  # 15 demo + 8 filled, no N004


def test_a_kind_without_subscription_cannot_be_activated(api, tenant):
    # given: bpo no longer subscribes hosted seats
    Subscription.objects.filter(tenant=tenant("bpo"), mode="hosted").delete()

    # when
    response = _new_seat(api("bpo", "tenant_admin"), "N005", "7005", kind="hosted", active=True)

    # then
    assert response.status_code == 409 and response.json()["error"]["details"]["subscribed"] == 0


def test_a_failure_after_the_seat_changes_leaves_neither_seat_nor_ledger(api, monkeypatch):
    # given: the audit write, which comes after the seat and ledger writes, fails
    admin = api("acme", "tenant_admin")
    seat_id = _new_seat(admin, "N006", "7006").json()["id"]

    def failing_record(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "record", failing_record)

    # when
    with pytest.raises(RuntimeError), schema_context(Client.objects.get(slug="acme").schema_name):
        services.do_activate_seat(actor=None, seat=Seat.objects.get(pk=seat_id))

    # then
    connection.set_schema_to_public()
    assert admin.get(f"{SEATS}{seat_id}/").json()["status"] == "inactive"
    assert _ledger("N006") == []


def test_kind_and_site_cannot_change_while_the_seat_is_active(api):
    # given
    admin = api("acme", "tenant_admin")
    seat_id = _new_seat(admin, "N007", "7007", active=True).json()["id"]

    # when
    refused = admin.patch(f"{SEATS}{seat_id}/", {"kind": "outsourced"}, format="json")
    renamed = admin.patch(f"{SEATS}{seat_id}/", {"name": "改名座席"}, format="json")

    # then
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "seat_active"
    assert renamed.status_code == 200 and renamed.json()["name"] == "改名座席"


@pytest.mark.parametrize(
    ("fields", "field", "valid"),
    [
        ({"code": "B-01"}, "code", True),
        ({"code": "带中文"}, "code", False),
        ({"code": "x" * 33}, "code", False),
        ({"extension": "123456"}, "extension", True),
        ({"extension": "12"}, "extension", False),
        ({"extension": "12a4"}, "extension", False),
        ({"code": "A001"}, "code", False),  # taken by a demo seat
        ({"extension": "8001"}, "extension", False),  # taken by a demo seat
        ({"kind": "rented"}, "kind", False),
    ],
)
def test_seat_fields_are_validated_both_ways(api, fields, field, valid):
    # when
    body = {"code": "V001", "name": "校验座席", "kind": "hosted", "extension": "7100", **fields}
    response = api("acme", "tenant_admin").post(SEATS, body, format="json")

    # then
    if valid:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 400 and field in response.json()["error"]["details"], response.content


def test_a_seat_on_a_site_that_is_not_active_cannot_be_activated(api):
    # given: the demo's Guangzhou site is only planned
    planned = PlatformSite.objects.get(name="广州平台")
    admin = api("acme", "tenant_admin")

    # when
    response = _new_seat(admin, "N008", "7008", site=planned.pk, active=True)

    # then: the API offers active sites only
    assert response.status_code == 400 and "site" in response.json()["error"]["details"]


def test_usage_shows_subscribed_active_and_defined_seats(api):
    # when
    usage = {row["kind"]: row for row in api("acme", "supervisor").get(f"{SEATS}usage/").json()}

    # then
    assert usage["hosted"] == {
        "kind": "hosted", "kind_label": "托管座席", "subscribed": 20, "active": 12, "defined": 15,
    }
    assert usage["outsourced"]["subscribed"] == 0


def test_two_concurrent_activations_cannot_both_take_the_last_seat(committed):
    # given: acme one seat below its cap, and two inactive seats
    acme = Client.objects.get(slug="acme")
    subscription = Subscription.objects.get(tenant=acme, mode="hosted")
    with schema_context(acme.schema_name):
        active = Seat.objects.filter(kind="hosted", status="active").count()
        first, second = (services.do_create_seat(actor=None, code=f"R{n}", name="并发", kind="hosted",
                                                 extension=f"760{n}") for n in (1, 2))
    original_quantity = subscription.quantity
    Subscription.objects.filter(pk=subscription.pk).update(quantity=active + 1)
    outcomes, barrier = [], threading.Barrier(2)

    def activate(seat):
        with schema_context(acme.schema_name):
            barrier.wait()
            try:
                services.do_activate_seat(actor=None, seat=seat)
                outcomes.append("activated")
            except Conflict as error:
                outcomes.append(error.code)
        connection.close()

    # when
    threads = [threading.Thread(target=activate, args=(seat,)) for seat in (first, second)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        # then
        assert sorted(outcomes) == ["activated", "seat_limit_reached"]
        with schema_context(acme.schema_name):
            assert Seat.objects.filter(kind="hosted", status="active").count() == active + 1
    finally:
        Subscription.objects.filter(pk=subscription.pk).update(quantity=original_quantity)
        with schema_context(acme.schema_name):
            Seat.objects.filter(code__in=["R1", "R2"]).delete()
        SeatLedgerEntry.objects.filter(seat_code__in=["R1", "R2"]).delete()
