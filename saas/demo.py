"""Demo data: the platform operator, `acme` (self-use, hosted seats) and `bpo` (commercial outsourcer).

Idempotent: what exists is left alone, so a second start keeps every change made in the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from billing.models import Plan, PlanTier, SeatLedgerEntry, SeatMode, Subscription
from billing.pricing import SHANGHAI, Period
from compliance.models import AnnualReport, Licence, NumberResource, PlatformSite, ResponsibleEntity
from compliance.numbers import classify
from saas.accounts.models import User
from saas.accounts.roles import Role
from saas.accounts.services import do_create_user
from saas.agents.models import Agent, Skill, Team
from saas.agents.services import do_create_agent
from saas.audit.services import record
from saas.numbers.models import NumberRoute
from saas.numbers.services import do_route_number
from saas.queues.models import Queue
from saas.queues.services import do_create_queue
from saas.seats.models import Seat
from saas.seats.services import do_create_seat
from tenants.models import Client, Domain
from tenants.services import do_provision_tenant, do_request_tenant

DEMO_PASSWORD = "demo-2026-callcenter"
NORTH = ["11", "12", "13", "14", "15", "21", "22", "23", "61", "62", "63", "64", "65"]
SOUTH = ["31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54"]
ALL_PROVINCES = sorted(NORTH + SOUTH)


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    legal_name: str
    uscc: str
    business_type: str
    seats: dict[str, int]  # subscribed per mode
    users: tuple[tuple[str, str, str], ...]
    # (code prefix, mode, how many defined, how many of them active, first extension)
    seat_blocks: tuple[tuple[str, str, int, int, int], ...] = ()
    skills: tuple[str, ...] = ()
    # (number, province where the kind needs one, held by the tenant itself?), allocated and filed
    numbers: tuple[tuple[str, str, bool], ...] = ()
    team: str = ""  # led by the tenant's supervisor; every demo agent is in it
    # Agents besides the one in `users`: how many, with the skills (name → proficiency) they share.
    extra_agents: int = 0
    agent_skills: tuple[tuple[str, int], ...] = ()
    licence: dict | None = None
    # Queues (see `_queue`) and which access number goes to which queue.
    queues: tuple[dict, ...] = ()
    routes: tuple[tuple[str, str], ...] = ()
    # Seats that went on or off last month: (seat code, ((day of last month, "HH:MM", active after), …)).
    # Every other seat of the seed has been active since the first of the month before.
    history: tuple[tuple[str, tuple[tuple[int, str, bool], ...]], ...] = ()


# What each mode costs (docs/billing.md works last month's demo invoices by hand with these).
PLANS = (
    {"code": "hosted-standard", "name": "托管座席标准版", "mode": SeatMode.HOSTED, "unit_price_fen": 260_00,
     "vat_rate": "0.0600", "tax_inclusive": True, "is_default": True, "tiers": ()},
    {"code": "outsourced-standard", "name": "外包座席标准版", "mode": SeatMode.OUTSOURCED, "unit_price_fen": 6_800_00,
     "vat_rate": "0.0600", "tax_inclusive": False, "is_default": True, "tiers": ((21, 6_200_00),)},
)


PLATFORM = {
    "legal_name": "云联呼叫中心平台有限公司",
    "uscc": "91110000802100433B",
    "users": (
        ("admin", Role.PLATFORM_ADMIN, "王磊"),
        ("compliance", Role.COMPLIANCE_OFFICER, "李娜"),
        ("finance", Role.FINANCE, "张敏"),
    ),
    # Registered as distributed, while the network in fact runs hybrid (two platforms, each answering
    # for half the country): the demo's TOP-02 finding, fixed through a topology change request.
    "licence": {
        "number": "B2-20230158", "issuer": "MIIT", "coverage": ALL_PROVINCES,
        "topology": Licence.Topology.DISTRIBUTED, "valid_from": date(2023, 3, 1), "valid_until": date(2028, 2, 29),
        "outbound_commitment_on": date(2023, 4, 10),
        # (name, province, city, state, provinces it answers for); the first active one is where
        # seats connect by default.
        "sites": (
            ("北京平台", "11", "北京", PlatformSite.State.ACTIVE, NORTH),
            ("上海平台", "31", "上海", PlatformSite.State.ACTIVE, SOUTH),
            ("广州平台", "44", "广州", PlatformSite.State.PLANNED, ["44", "45", "46"]),
        ),
        "entities": (
            ("云联呼叫中心平台有限公司", ResponsibleEntity.Kind.HEAD_OFFICE, "11", ALL_PROVINCES),
            ("云联呼叫中心平台有限公司上海分公司", ResponsibleEntity.Kind.BRANCH, "31", []),
        ),
    },
}

TENANTS = (
    DemoTenant(
        slug="acme",
        legal_name="艾克米电器股份有限公司",
        uscc="91330100MA2H3K7X47",
        business_type=Client.BusinessType.SELF_USE,
        seats={SeatMode.HOSTED: 20},
        seat_blocks=(("A", SeatMode.HOSTED, 15, 12, 8001),),
        skills=("普通话", "粤语", "售后服务", "投诉处理"),
        numbers=(("4008208820", "", False), ("951234", "", False)),
        team="客服一组",
        extra_agents=9,
        agent_skills=(("普通话", 4), ("售后服务", 3)),
        # Open around the clock so the demo's simulated traffic moves at any hour; the members' line
        # keeps office hours and sends what it cannot take to after-sales.
        queues=(
            {"name": "售后服务", "skills": ("普通话", "售后服务"), "always_open": True, "priority": 5,
             "after_call_work_seconds": 30, "wrap_up_required": True, "max_wait_seconds": 120,
             "overflow_action": "callback",
             "codes": (("repair", "报修"), ("consult", "咨询"), ("complaint", "投诉"), ("other", "其他"))},
            {"name": "会员专线", "skills": ("普通话",), "priority": 8, "strategy": "skills_weighted",
             "after_call_work_seconds": 15, "hours": ((0, 7), "08:00", "22:00"),
             "codes": (("member", "会员权益"), ("order", "订单查询"))},
        ),
        routes=(("4008208820", "售后服务"), ("951234", "会员专线")),
        # Two seats added on the 11th, one given up after the 21st, one on and off twice.
        history=(
            ("A011", ((11, "09:00", True),)),
            ("A012", ((11, "09:00", True),)),
            ("A013", ((21, "18:00", False),)),
            ("A014", ((5, "10:00", True), (9, "17:30", False), (20, "08:00", True), (25, "23:59", False))),
        ),
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
        seat_blocks=(("W", SeatMode.OUTSOURCED, 30, 30, 8001), ("H", SeatMode.HOSTED, 5, 5, 8501)),
        skills=("普通话", "电话销售", "回访"),
        # A Nanjing fixed line from before the compliance module: the demo's NUM-01 finding.
        numbers=(("96123", "32", True), ("02584561234", "", True)),
        team="外呼项目组",
        extra_agents=5,
        agent_skills=(("普通话", 5), ("电话销售", 3)),
        # Two staffed seats added mid-month for a new campaign: the second price tier from seat 21.
        history=(("W029", ((16, "10:30", True),)), ("W030", ((16, "10:30", True),))),
        users=(
            ("bpo-admin", Role.TENANT_ADMIN, "孙伟"),
            ("bpo-supervisor", Role.SUPERVISOR, "周琳"),
            ("bpo-agent", Role.AGENT, "吴昊"),
        ),
        licence={
            "number": "苏B2-20210456", "issuer": "32", "coverage": ["32"],
            "topology": Licence.Topology.CENTRALIZED, "valid_from": date(2021, 6, 1),
            "valid_until": "renewal due",  # 45 days after the first start: the demo's LIC-02 warning
            "outbound_commitment_on": date(2021, 7, 1),
            "sites": (("南京平台", "32", "南京", PlatformSite.State.ACTIVE, []),),
            "entities": (("江苏远声外包服务有限公司", ResponsibleEntity.Kind.HEAD_OFFICE, "32", ["32"]),),
        },
    ),
)


def seed() -> list[tuple[str, str, str]]:
    """Create whatever demo data is missing; return (host, username, role) of every demo login."""
    logins = []
    platform = _platform_tenant()
    _licence(platform, PLATFORM["licence"])
    for spec in PLANS:
        _plan(spec)
    for username, role, name in PLATFORM["users"]:
        _user(username, role, name)
        logins.append((settings.BASE_DOMAIN, username, role))
    for demo in TENANTS:
        client = _tenant(demo)
        if demo.licence:
            _licence(client, demo.licence)
        for mode, quantity in demo.seats.items():
            _subscription(client, mode, quantity)
        for number, province, own in demo.numbers:
            _number(client, number, province, holder=client if own else platform)
        with schema_context(client.schema_name):
            for block in demo.seat_blocks:
                _seats(*block)
            for skill in demo.skills:
                Skill.objects.get_or_create(name=skill)
            for username, role, name in demo.users:
                if role == Role.AGENT:
                    _agent(demo, username, name, serial=1)
                else:
                    _user(username, role, name)
                logins.append((client.domains.get().domain, username, role))
            team = _team(demo)
            for serial in range(2, demo.extra_agents + 2):
                _agent(demo, f"{demo.slug}-agent{serial:02d}", f"座席员{serial:02d}", serial=serial)
            Agent.objects.filter(team__isnull=True).update(team=team)
            for spec in demo.queues:
                _queue(spec)
            for number, queue in demo.routes:
                _route(number, queue)
            _seat_history(client, demo, Period.before(timezone.localdate()))
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
            actor=None, slug=demo.slug, legal_name=demo.legal_name, uscc=demo.uscc, business_type=demo.business_type,
            admin_username="",  # the demo makes its own users, with known passwords
        )
    if not client.ready:
        # Provision right here rather than wait for a worker: the demo must be usable at first start.
        client = do_provision_tenant(client_id=client.pk)
    return client


def _licence(holder: Client, spec: dict) -> Licence:
    """A licence with its sites, responsible entities and every annual report due so far. Written
    straight to the tables: the demo stands for data from before the compliance module, so it may
    hold findings that the module's enforcement would now refuse."""
    fields = {key: value for key, value in spec.items() if key not in ("sites", "entities")}
    today = timezone.localdate()
    if fields["valid_until"] == "renewal due":
        fields["valid_until"] = today + timedelta(days=45)
    with transaction.atomic():
        licence, created = Licence.objects.get_or_create(number=fields["number"], defaults={"holder": holder, **fields})
        if not created:
            return licence
        record(actor=None, action="demo.licence_created", target=licence, tenant=holder)
        for name, province, city, state, responsible_for in spec["sites"]:
            PlatformSite.objects.create(licence=licence, name=name, province=province, city=city, state=state,
                                        responsible_for=responsible_for)
        for name, kind, province, answers_for in spec["entities"]:
            ResponsibleEntity.objects.create(licence=licence, name=name, kind=kind, province=province,
                                             answers_for=answers_for)
        for year in range(licence.valid_from.year, today.year):
            AnnualReport.objects.create(licence=licence, year=year, filed_on=date(year + 1, 3, 15))
    return licence


def _seats(prefix: str, mode: str, defined: int, active: int, first_extension: int) -> None:
    for number in range(1, defined + 1):
        code = f"{prefix}{number:03d}"
        if not Seat.objects.filter(code=code).exists():
            do_create_seat(actor=None, code=code, name=f"{code} 号座席", kind=mode,
                           extension=str(first_extension + number - 1), active=number <= active)


def _number(client: Client, number: str, province: str, *, holder: Client) -> None:
    classified = classify(number)
    authority = {"95": "MIIT", "96": province, "400": "carrier", "800": "carrier"}.get(classified.kind, "")
    with transaction.atomic():
        resource, created = NumberResource.objects.get_or_create(
            number=classified.number,
            defaults={"kind": classified.kind, "province": province or classified.province, "tenant": client,
                      "holder": holder, "authority": authority, "filed_on": date(2024, 1, 15),
                      "certificate": f"号〔2024〕{classified.number}" if authority in ("MIIT", province) else ""},
        )
        if created:
            record(actor=None, action="demo.number_allocated", target=resource, tenant=client)


def _subscription(client: Client, mode: str, quantity: int) -> None:
    with transaction.atomic():
        subscription, created = Subscription.objects.get_or_create(
            tenant=client, mode=mode, defaults={"quantity": quantity}
        )
        if created:
            record(actor=None, action="demo.subscription_created", target=subscription, tenant=client)


def _plan(spec: dict) -> None:
    fields = {key: value for key, value in spec.items() if key != "tiers"}
    with transaction.atomic():
        plan, created = Plan.objects.get_or_create(code=spec["code"], defaults=fields)
        if created:
            PlanTier.objects.bulk_create(PlanTier(plan=plan, from_seat=seat, unit_price_fen=price)
                                         for seat, price in spec["tiers"])
            record(actor=None, action="demo.plan_created", target=plan)


def seat_switches(demo: DemoTenant, month: Period) -> dict[str, tuple[str, list[tuple[datetime, bool]]]]:
    """Every seeded seat's ledger as of `month` being last month: {code: (mode, [(moment, active after)])}.
    Seats active at seed time have been so since the first of the month before; `demo.history` says
    what the others did last month. docs/billing.md works October 2026's invoices from this by hand."""
    since = Period.before(month.first_day).start
    scripted = dict(demo.history)
    result = {}
    for prefix, mode, defined, active, _extension in demo.seat_blocks:
        for number in range(1, defined + 1):
            code = f"{prefix}{number:03d}"
            if code in scripted:
                switches = scripted[code]
                result[code] = (mode, ([] if switches[0][2] else [(since, True)]) + [
                    (datetime.combine(month.first_day.replace(day=day), time.fromisoformat(hh_mm), SHANGHAI), on)
                    for day, hh_mm, on in switches])
            elif number <= active:
                result[code] = (mode, [(since, True)])
    return result


def _seat_history(client: Client, demo: DemoTenant, month: Period) -> None:
    """Give the seeded seats a past, once, so that last month has seat-days to invoice: the seed's
    ledger rows (all written just now) are replaced by `seat_switches`. Written straight to the
    ledger, like the demo's other history. Runs in the tenant's schema (its seats)."""
    entries = SeatLedgerEntry.objects.filter(tenant=client)
    if entries.filter(at__lt=month.start).exists():
        return
    seats = {seat.code: seat for seat in Seat.objects.all()}
    with transaction.atomic():
        entries.delete()
        for code, (mode, switches) in seat_switches(demo, month).items():
            assert switches[-1][1] == (seats[code].status == Seat.Status.ACTIVE), f"{code} ends as it is now"
            SeatLedgerEntry.objects.bulk_create(
                SeatLedgerEntry(tenant=client, seat_id=seats[code].pk, seat_code=code, mode=mode, at=at,
                                event=SeatLedgerEntry.Event.ACTIVATED if on else SeatLedgerEntry.Event.DEACTIVATED,
                                actor_username="demo") for at, on in switches)


def _queue(spec: dict) -> None:
    if Queue.objects.filter(name=spec["name"]).exists():
        return
    (first, last), opens, closes = spec.get("hours", ((0, -1), "", ""))
    do_create_queue(
        actor=None, name=spec["name"], priority=spec["priority"], always_open=spec.get("always_open", False),
        strategy=spec.get("strategy", Queue.Strategy.LONGEST_IDLE),
        after_call_work_seconds=spec["after_call_work_seconds"], wrap_up_required=spec.get("wrap_up_required", False),
        max_wait_seconds=spec.get("max_wait_seconds"), overflow_action=spec.get("overflow_action", "none"),
        required_skills=[Skill.objects.get(name=name) for name in spec["skills"]],
        wrap_up_codes=[{"code": code, "name": name} for code, name in spec["codes"]],
        hours=[{"day": day, "opens": opens, "closes": closes} for day in range(first, last + 1)],
    )


def _route(number: str, queue: str) -> None:
    resource = NumberResource.objects.get(number=number)
    if NumberRoute.objects.filter(number=resource).exists():
        return
    # Out of hours the members' line hands over to the queue that never closes.
    open_queue = Queue.objects.filter(always_open=True).exclude(name=queue).first()
    closed = {"closed_action": NumberRoute.ClosedAction.QUEUE, "closed_queue": open_queue} if open_queue else {}
    do_route_number(actor=None, number=resource, queue=Queue.objects.get(name=queue), **closed)


def _team(demo: DemoTenant) -> Team:
    team, _ = Team.objects.get_or_create(
        name=demo.team, defaults={"leader": User.objects.filter(role=Role.SUPERVISOR).first()}
    )
    return team


def _agent(demo: DemoTenant, username: str, name: str, *, serial: int) -> None:
    if User.objects.filter(username=username).exists():
        return
    skills = [{"skill": Skill.objects.get(name=skill), "proficiency": level} for skill, level in demo.agent_skills]
    do_create_agent(actor=None, username=username, password=DEMO_PASSWORD, name=name,
                    employee_number=f"{demo.slug.upper()}-{serial:03d}", hire_date=date(2025, 3, 1), skills=skills)


def _user(username: str, role: str, display_name: str) -> None:
    if not User.objects.filter(username=username).exists():
        do_create_user(actor=None, username=username, password=DEMO_PASSWORD, role=role, display_name=display_name)
