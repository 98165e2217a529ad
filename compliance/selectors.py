"""Reads of the licence registry, and the facts the rules are evaluated on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from billing.models import SeatLedgerEntry, Subscription
from compliance import provinces
from compliance.models import AuditRun, Finding, Licence, NumberResource, PlatformSite
from compliance.rules import RULES, Context, Holder, Severity
from saas.api.errors import Conflict
from tenants.models import Client


def default_site(tenant: Client | None = None) -> PlatformSite:
    """Where a tenant's seats connect unless told otherwise: the first active site of its own licence
    (a commercial tenant with its own platform), else the platform operator's first active site."""
    sites = PlatformSite.objects.filter(state=PlatformSite.State.ACTIVE).order_by("pk")
    own = sites.filter(licence__holder=tenant).first() if tenant is not None else None
    site = own or sites.filter(licence__holder__schema_name=get_public_schema_name()).first()
    if site is None:
        raise Conflict("no_platform_site", _("The platform operator has no active platform site yet."))
    return site


def licences_with_facts():
    """Licences with what every rule reads of them, in four queries however many there are."""
    return Licence.objects.prefetch_related(
        Prefetch("sites", queryset=PlatformSite.objects.order_by("pk")), "entities", "annual_reports")


def audited_clients():
    """Every licence holder an audit checks: the operator and every tenant that is not archived."""
    return Client.objects.exclude(status__in=[Client.Status.ARCHIVED, Client.Status.FAILED])


def holders(*, clients: Iterable[Client] | None = None, today: date,
            with_operator: bool = False) -> tuple[list[Holder], Context]:
    """The facts of these holders (all audited ones when None; the operator too if `with_operator`),
    read in a fixed number of queries.

    Tenant-side facts (active seats, routes) come from their public mirrors (seat ledger, number
    registry), so no tenant schema is read however many tenants there are.
    """
    clients = list(audited_clients() if clients is None else clients)
    operator = Client.objects.filter(schema_name=get_public_schema_name()).first()
    if with_operator and operator is not None and operator.pk not in {client.pk for client in clients}:
        clients.append(operator)
    ids = [client.pk for client in clients]
    licences = defaultdict(list)
    for licence in licences_with_facts().filter(holder_id__in={*ids, getattr(operator, "pk", None)}):
        licences[licence.holder_id].append(licence)
    numbers = defaultdict(list)
    for number in NumberResource.objects.filter(tenant_id__in=ids):
        numbers[number.tenant_id].append(number)
    subscribed = defaultdict(dict)
    for tenant_id, mode, quantity in Subscription.objects.filter(tenant_id__in=ids).values_list(
            "tenant_id", "mode", "quantity"):
        subscribed[tenant_id][mode] = quantity
    seats = active_seats(ids)
    operator_licences = licences[operator.pk] if operator else []

    result, seat_provinces = [], defaultdict(list)
    for client in clients:
        own = licences[client.pk]
        governing = own if client.business_type == Client.BusinessType.COMMERCIAL else operator_licences
        result.append(Holder(client=client, licences=own, governing=governing, numbers=numbers[client.pk],
                             active_seats=seats[client.pk], subscribed=subscribed[client.pk]))
        if not client.is_platform and any(seats[client.pk].values()):
            seat_provinces[client.province].append(client.slug)
    return result, Context(today=today, operator_id=getattr(operator, "pk", None), seat_provinces=seat_provinces)


def active_seats(tenant_ids: list[int]) -> dict[int, dict[str, int]]:
    """Active seats per tenant and mode: the seats whose last ledger event is an activation."""
    table = SeatLedgerEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT tenant_id, mode, count(*) FROM (
                    SELECT DISTINCT ON (tenant_id, seat_id) tenant_id, mode, event FROM public.{table}
                    WHERE tenant_id = ANY(%s) ORDER BY tenant_id, seat_id, at DESC, id DESC
                ) AS last WHERE event = %s GROUP BY tenant_id, mode""",
            [tenant_ids, SeatLedgerEntry.Event.ACTIVATED],
        )
        counts = defaultdict(dict)
        for tenant_id, mode, count in cursor.fetchall():
            counts[tenant_id][mode] = count
    return counts


# --- Findings and the map --------------------------------------------------------------------------

class FindingState:
    OPEN = "open"
    RESOLVED = "resolved"
    ALL = "all"


def finding_list(*, state: str = FindingState.OPEN, holder: Client | None = None, rule: str = "",
                 severity: str = "", licence: Licence | None = None, province: str = "",
                 run: AuditRun | None = None):
    """Findings, newest first. `run` keeps those that run opened or resolved: what changed in it."""
    rows = Finding.objects.select_related("holder", "licence")
    if state == FindingState.OPEN:
        rows = rows.filter(resolved_at=None)
    elif state == FindingState.RESOLVED:
        rows = rows.exclude(resolved_at=None)
    if holder is not None:
        rows = rows.filter(holder=holder)
    if rule:
        rows = rows.filter(rule_id=rule)
    if severity:
        rows = rows.filter(severity=severity)
    if licence is not None:
        rows = rows.filter(licence=licence)
    if province:
        rows = rows.filter(provinces__contains=[province])
    if run is not None:
        rows = rows.filter(Q(first_run=run) | Q(resolved_run=run))
    return rows


def finding_message(finding: Finding) -> str:
    """The finding's message in the active language (stored as parameters, rendered when read)."""
    spec = RULES.get(finding.rule_id)
    return spec.render(finding.params) if spec else finding.rule_id


class MapState:
    """How a province is coloured on a licence's map."""

    NOT_COVERED = 0
    COVERED = 1
    WARNING = 2
    VIOLATION = 3


def coverage_map(licence: Licence) -> list[dict]:
    """Every mainland province for one licence: covered or not, its open findings, its sites, and the
    state it is coloured by (the worst of its findings, else covered or not)."""
    counts = defaultdict(lambda: {Severity.VIOLATION: 0, Severity.WARNING: 0})
    for finding in finding_list(licence=licence).select_related(None).only("severity", "provinces"):
        for code in finding.provinces:
            counts[code][finding.severity] += 1
    sites = defaultdict(list)
    for site in licence.sites.all():
        sites[site.province].append(f"{site.name} ({site.get_state_display()})")
    result = []
    for code in provinces.codes():
        covered = code in licence.coverage
        violations, warnings = counts[code][Severity.VIOLATION], counts[code][Severity.WARNING]
        state = (MapState.VIOLATION if violations else MapState.WARNING if warnings
                 else MapState.COVERED if covered else MapState.NOT_COVERED)
        result.append({"code": code, "name": provinces.name(code), "covered": covered, "violations": violations,
                       "warnings": warnings, "sites": sites[code], "state": state})
    return result


def tenant_compliance(client: Client) -> dict:
    """What a tenant admin sees: the licences it runs under and its own open findings."""
    own = list(licences_with_facts().filter(holder=client))
    governing = own if client.business_type == Client.BusinessType.COMMERCIAL else list(
        licences_with_facts().filter(holder__schema_name=get_public_schema_name()))
    findings = list(finding_list(holder=client))
    return {"licences": governing, "own_licence": bool(own), "findings": findings,
            "violations": sum(f.severity == Severity.VIOLATION for f in findings),
            "warnings": sum(f.severity == Severity.WARNING for f in findings),
            "last_run": AuditRun.objects.filter(state=AuditRun.State.FINISHED).first()}
