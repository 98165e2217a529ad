"""A client admin in a real browser: logs in, creates a queue and a seat, meets the seat limit."""

from django_tenants.utils import schema_context

from billing.models import SeatLedgerEntry, Subscription
from saas.demo import DEMO_PASSWORD
from saas.queues.models import Queue
from saas.seats.models import Seat
from tenants.models import Client

QUEUE, SEATS = "浏览器测试队列", ("E2E1", "E2E2")


def _fill_seat(page, base: str, code: str, extension: str, *, activate: bool) -> None:
    page.goto(f"{base}/workspace/seats/new/")
    page.fill("#id_code", code)
    page.fill("#id_name", f"浏览器座席 {code}")
    page.select_option("#id_kind", "hosted")
    page.fill("#id_extension", extension)
    if activate:
        page.check("#id_active")
    page.click("form.stacked button.primary")


def test_a_client_admin_configures_a_queue_and_a_seat_and_sees_the_seat_limit(site, page):
    # given: acme with every subscribed hosted seat already active
    acme = Client.objects.get(slug="acme")
    subscription = Subscription.objects.get(tenant=acme, mode="hosted")
    original = subscription.quantity
    with schema_context(acme.schema_name):
        Subscription.objects.filter(pk=subscription.pk).update(
            quantity=Seat.objects.filter(kind="hosted", status="active").count())
    base = site("acme")
    try:
        # when: the admin logs in
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "acme-admin")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button.primary")
        page.wait_for_url(f"{base}/")

        # and creates a queue open on weekdays, with two wrap-up codes
        page.goto(f"{base}/workspace/queues/new/")
        page.fill("#id_name", QUEUE)
        page.fill("#id_wrap_up_text", "resolved 已解决\ncallback 需回访")
        for day in range(5):
            page.fill(f"#id_hours_{day}", "09:00-18:00")
        page.click("form.stacked button.primary")
        page.wait_for_url(f"{base}/workspace/queues/")

        # and a seat, left inactive
        _fill_seat(page, base, SEATS[0], "7901", activate=False)
        page.wait_for_url(f"{base}/workspace/seats/")

        # and then one to activate at once, beyond the subscription
        _fill_seat(page, base, SEATS[1], "7902", activate=True)

        # then: the limit is explained in the page, in Chinese, and the seat is not stored
        alert = page.locator("[role=alert]").inner_text()
        assert "座席均已启用" in alert
        assert page.url.endswith("/workspace/seats/new/")
        page.goto(f"{base}/workspace/queues/")
        assert page.locator(f"tr:has-text('{QUEUE}')").count() == 1
        with schema_context(acme.schema_name):
            assert Queue.objects.get(name=QUEUE).hours.count() == 5
            assert list(Seat.objects.filter(code__in=SEATS).values_list("code", "status")) == [(SEATS[0], "inactive")]
    finally:
        Subscription.objects.filter(pk=subscription.pk).update(quantity=original)
        with schema_context(acme.schema_name):
            Queue.objects.filter(name=QUEUE).delete()
            Seat.objects.filter(code__in=SEATS).delete()
        SeatLedgerEntry.objects.filter(seat_code__in=SEATS).delete()
