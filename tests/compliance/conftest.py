"""A licence holder built to order: a tenant with its licence, sites, responsible entities, numbers,
subscriptions and seat ledger, as real rows, evaluated by the same facts loader as an audit."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from billing.models import SeatLedgerEntry, Subscription
from compliance.models import AnnualReport, Licence, NumberResource, PlatformSite, ResponsibleEntity
from compliance.numbers import classify
from compliance.rules import evaluate
from compliance.selectors import holders
from tenants.models import Client
from tenants.uscc import check_character
from tests.conftest import make_uscc

TODAY = date(2026, 4, 1)
_serial = itertools.count(1)

# A sound commercial call centre in Jiangsu: one platform, its head office, last year's report, one
# filed and routed 96 number of its own, two active hosted seats.
SOUND = {
    "business_type": "commercial",
    "licence": {"issuer": "32", "coverage": ["32"], "topology": "centralized",
                "valid_from": date(2023, 1, 1), "valid_until": date(2028, 1, 1)},
    "sites": [("32", "active", [])],
    "entities": [("head_office", "32", ["32"])],
    "reported": [2025],
    "numbers": [{"number": "96001", "province": "32"}],
    "seats": {"hosted": 2},
    "subscribed": {"hosted": 2},
    "outbound": False,
}


def build(spec: dict) -> Client:
    serial = next(_serial)
    uscc = make_uscc(serial + 5000)
    uscc = uscc[:2] + spec.get("province", "32") + uscc[4:17]
    client = Client.objects.create(
        schema_name=f"world_{serial}", slug=f"world-{serial}", legal_name=f"测试企业{serial}",
        uscc=uscc + check_character(uscc), business_type=spec["business_type"], status="active", ready=True,
        outbound_enabled=spec.get("outbound", False))
    if spec.get("licence") is not None:
        licence = Licence.objects.create(holder=client, number=f"B2-W{serial:06d}", **spec["licence"])
        for index, (province, state, responsible_for) in enumerate(spec.get("sites", [])):
            PlatformSite.objects.create(licence=licence, name=f"平台{index}", province=province, city="某市",
                                        state=state, responsible_for=responsible_for)
        for index, (kind, province, answers_for) in enumerate(spec.get("entities", [])):
            ResponsibleEntity.objects.create(licence=licence, name=f"主体{index}", kind=kind, province=province,
                                             answers_for=answers_for)
        for year in spec.get("reported", []):
            AnnualReport.objects.create(licence=licence, year=year, filed_on=date(year + 1, 3, 1))
    operator = Client.objects.get(schema_name="public")
    for number in spec.get("numbers", []):
        # The last digit varies by holder, so the broken and the kept holder of one test (consecutive
        # serials) never register the same number.
        classified = classify(number["number"][:-1] + str(serial % 10))
        NumberResource.objects.create(
            number=classified.number, kind=classified.kind, province=number.get("province", classified.province),
            tenant=client, holder=operator if number.get("held_by_operator") else client,
            filed_on=number.get("filed_on", date(2024, 1, 1)), routed_queue=number.get("routed", "咨询"))
    for mode, quantity in spec.get("subscribed", {}).items():
        Subscription.objects.create(tenant=client, mode=mode, quantity=quantity)
    at = datetime(2026, 3, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    for mode, count in spec.get("seats", {}).items():
        for seat in range(count):
            SeatLedgerEntry.objects.create(tenant=client, seat_id=seat + (100 if mode == "outsourced" else 0),
                                           seat_code=f"S{seat}", mode=mode, event="activated", at=at)
    return client


def findings_of(client: Client, today: date = TODAY) -> list:
    """The client's findings, and the operator's COV-02 about the client's province (seats sold there)."""
    found, context = holders(clients=[client, Client.objects.get(schema_name="public")], today=today)
    return [finding for finding in evaluate(found, context=context)
            if finding.holder_id == client.pk or finding.rule.id == "COV-02"]


@pytest.fixture
def world(db):
    """`world(**changes)`: the SOUND holder with top-level keys replaced; returns the rule ids found."""

    def make(today: date = TODAY, **changes) -> list[str]:
        client = build({**SOUND, **changes})
        return sorted({finding.rule.id for finding in findings_of(client, today)})

    return make
