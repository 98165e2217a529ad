"""Demo data: the platform operator, `acme` (self-use, hosted seats) and `bpo` (commercial outsourcer).

Idempotent: what exists is left alone, so a second start keeps every change made in the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from billing.models import SeatMode, Subscription
from compliance.models import Licence
from saas.accounts.models import User
from saas.accounts.roles import Role
from saas.accounts.services import do_create_user
from saas.audit.services import record
from tenants.models import Client, Domain
from tenants.services import do_provision_tenant, do_request_tenant

DEMO_PASSWORD = "demo-2026-callcenter"
ALL_PROVINCES = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
]


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    legal_name: str
    uscc: str
    business_type: str
    seats: dict[str, int]
    users: tuple[tuple[str, str, str], ...]
    licence: dict | None = None


PLATFORM = {
    "legal_name": "云联呼叫中心平台有限公司",
    "uscc": "91110000802100433B",
    "users": (
        ("admin", Role.PLATFORM_ADMIN, "王磊"),
        ("compliance", Role.COMPLIANCE_OFFICER, "李娜"),
        ("finance", Role.FINANCE, "张敏"),
    ),
    "licence": {
        "number": "B2-20230158", "issuer": "MIIT", "coverage": ALL_PROVINCES,
        "topology": Licence.Topology.HYBRID, "valid_from": date(2023, 3, 1), "valid_until": date(2028, 2, 29),
    },
}

TENANTS = (
    DemoTenant(
        slug="acme",
        legal_name="艾克米电器股份有限公司",
        uscc="91330100MA2H3K7X47",
        business_type=Client.BusinessType.SELF_USE,
        seats={SeatMode.HOSTED: 20},
        users=(
            ("acme-admin", Role.TENANT_ADMIN, "陈静"),
            ("acme-supervisor", Role.SUPERVISOR, "刘洋"),
            ("acme-agent", Role.AGENT, "赵婷"),
        ),
    ),
    DemoTenant(
        slug="bpo",
        legal_name="江苏远声外包服务有限公司",
        uscc="91320100MA1N8Q2W5A",
        business_type=Client.BusinessType.COMMERCIAL,
        seats={SeatMode.OUTSOURCED: 40, SeatMode.HOSTED: 10},
        users=(
            ("bpo-admin", Role.TENANT_ADMIN, "孙伟"),
            ("bpo-supervisor", Role.SUPERVISOR, "周琳"),
            ("bpo-agent", Role.AGENT, "吴昊"),
        ),
        licence={
            "number": "苏B2-20210456", "issuer": "32", "coverage": ["32"],
            "topology": Licence.Topology.CENTRALIZED, "valid_from": date(2021, 6, 1), "valid_until": date(2026, 5, 31),
        },
    ),
)


def seed() -> list[tuple[str, str, str]]:
    """Create whatever demo data is missing; return (host, username, role) of every demo login."""
    logins = []
    platform = _platform_tenant()
    _licence(platform, PLATFORM["licence"])
    for username, role, name in PLATFORM["users"]:
        _user(username, role, name)
        logins.append((settings.BASE_DOMAIN, username, role))
    for demo in TENANTS:
        client = _tenant(demo)
        if demo.licence:
            _licence(client, demo.licence)
        for mode, quantity in demo.seats.items():
            _subscription(client, mode, quantity)
        with schema_context(client.schema_name):
            for username, role, name in demo.users:
                _user(username, role, name)
                logins.append((client.domains.get().domain, username, role))
    return logins


def _platform_tenant() -> Client:
    platform = Client.objects.filter(schema_name=get_public_schema_name()).first()
    if platform is None:
        with transaction.atomic():
            platform = Client.objects.create(
                schema_name=get_public_schema_name(), slug="platform", legal_name=PLATFORM["legal_name"],
                uscc=PLATFORM["uscc"], business_type=Client.BusinessType.COMMERCIAL,
                status=Client.Status.ACTIVE, ready=True,
            )
            Domain.objects.create(domain=settings.BASE_DOMAIN, tenant=platform, is_primary=True)
            record(actor=None, action="demo.platform_created", target=platform)
    return platform


def _tenant(demo: DemoTenant) -> Client:
    client = Client.objects.exclude(status=Client.Status.ARCHIVED).filter(slug=demo.slug).first()
    if client is None:
        client = do_request_tenant(
            actor=None, slug=demo.slug, legal_name=demo.legal_name, uscc=demo.uscc, business_type=demo.business_type
        )
    if not client.ready:
        # Provision right here rather than wait for a worker: the demo must be usable at first start.
        client = do_provision_tenant(client_id=client.pk)
    return client


def _licence(holder: Client, fields: dict) -> None:
    with transaction.atomic():
        licence, created = Licence.objects.get_or_create(number=fields["number"], defaults={"holder": holder, **fields})
        if created:
            record(actor=None, action="demo.licence_created", target=licence, tenant=holder)


def _subscription(client: Client, mode: str, quantity: int) -> None:
    with transaction.atomic():
        subscription, created = Subscription.objects.get_or_create(
            tenant=client, mode=mode, defaults={"quantity": quantity}
        )
        if created:
            record(actor=None, action="demo.subscription_created", target=subscription, tenant=client)


def _user(username: str, role: str, display_name: str) -> None:
    if not User.objects.filter(username=username).exists():
        do_create_user(actor=None, username=username, password=DEMO_PASSWORD, role=role, display_name=display_name)
