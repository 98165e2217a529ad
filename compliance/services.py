"""Writes on the licence registry. Every one is a named action with its audit row, and every one
that could create a violation runs under `enforcement.guard`."""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance import provinces, selectors
from compliance.enforcement import guard
from compliance.models import (
    AnnualReport,
    AuditRun,
    Finding,
    Licence,
    NumberResource,
    PlatformSite,
    ResponsibleEntity,
    RulePolicy,
    TopologyChange,
)
from compliance.numbers import classify
from compliance.rules import RULES, Policy, evaluate
from compliance.rules import subjects as subject_of
from compliance.rules.licence import expected_issuer
from compliance.rules.topology import TOPOLOGY_CHANGE
from saas.api.errors import Conflict, DomainError
from saas.api.resources import save_and_record
from saas.audit.services import record
from saas.celery import enqueue

# Set by the topology change workflow only (TOP-04).
AMENDED_FIELDS = ("topology", "coverage", "issuer")


# --- Licences, sites, responsible entities ----------------------------------------------------------

# A licence is registered before its platform sites, responsible entities and annual reports (each
# registered in turn, under its own guard): what only they can satisfy is the audit's business meanwhile.
COMPLETED_AFTER_REGISTRATION = ("TOP-01", "TOP-02", "TOP-03", "BR-01", "LIC-04")


@transaction.atomic
def do_register_licence(*, actor, holder, **fields) -> Licence:
    with guard(holder, pending=COMPLETED_AFTER_REGISTRATION):
        return save_and_record(actor=actor, instance=Licence(holder=holder, **fields), action="licence.registered")


@transaction.atomic
def do_update_licence(*, actor, instance: Licence, **changes) -> Licence:
    licence = Licence.objects.select_for_update().get(pk=instance.pk)
    amended = sorted(name for name in AMENDED_FIELDS
                     if name in changes and _comparable(changes[name]) != _comparable(getattr(licence, name)))
    if amended:
        raise TOPOLOGY_CHANGE.refuse(number=licence.number, fields=amended)
    changes = {name: value for name, value in changes.items() if name not in AMENDED_FIELDS}
    # Not `touching` the licence: recording its document or commitment must stay possible while it
    # has an open finding (that is how some findings get fixed); only a new violation is refused.
    with guard(licence.holder):
        for name, value in changes.items():
            setattr(licence, name, value)
        return save_and_record(actor=actor, instance=licence, action="licence.updated", fields=sorted(changes))


def _comparable(value):
    """Coverage is a set of provinces: the same provinces in another order are no amendment."""
    return sorted(set(value)) if isinstance(value, list) else value


@transaction.atomic
def do_file_annual_report(*, actor, licence: Licence, year: int, filed_on: date) -> AnnualReport:
    if AnnualReport.objects.filter(licence=licence, year=year).exists():
        raise Conflict("annual_report_exists", _("The annual report for this year is already on file."))
    return save_and_record(actor=actor, instance=AnnualReport(licence=licence, year=year, filed_on=filed_on),
                           action="licence.annual_report_filed")


@transaction.atomic
def do_register_site(*, actor, licence: Licence, **fields) -> PlatformSite:
    with guard(licence.holder):
        return save_and_record(actor=actor, instance=PlatformSite(licence=licence, **fields), action="site.registered")


@transaction.atomic
def do_update_site(*, actor, instance: PlatformSite, **changes) -> PlatformSite:
    """Change a site, its state included: activating one is checked against its licence (TOP, COV, BR)."""
    site = PlatformSite.objects.select_for_update().select_related("licence__holder").get(pk=instance.pk)
    if "licence" in changes and changes["licence"] != site.licence:
        raise DomainError("invalid", _("Some fields are not valid."),
                          details={"licence": [_("A platform site cannot move to another licence.")]})
    # What an active site answers for is written in the licence (特别规定事项): amended by the workflow.
    if (site.state == PlatformSite.State.ACTIVE and "responsible_for" in changes
            and sorted(set(changes["responsible_for"])) != sorted(set(site.responsible_for))):
        raise TOPOLOGY_CHANGE.refuse(number=site.licence.number, fields=["responsible_for"])
    with guard(site.licence.holder, touching=[subject_of.of_site(site)]):
        for name, value in changes.items():
            setattr(site, name, value)
        return save_and_record(actor=actor, instance=site, action="site.updated", fields=sorted(changes))


@transaction.atomic
def do_register_entity(*, actor, licence: Licence, **fields) -> ResponsibleEntity:
    with guard(licence.holder):
        return save_and_record(actor=actor, instance=ResponsibleEntity(licence=licence, **fields),
                               action="entity.registered")


@transaction.atomic
def do_update_entity(*, actor, instance: ResponsibleEntity, **changes) -> ResponsibleEntity:
    entity = ResponsibleEntity.objects.select_for_update().select_related("licence__holder").get(pk=instance.pk)
    changes.pop("licence", None)
    with guard(entity.licence.holder):
        for name, value in changes.items():
            setattr(entity, name, value)
        return save_and_record(actor=actor, instance=entity, action="entity.updated", fields=sorted(changes))


@transaction.atomic
def do_set_rule_policy(*, actor, rule_id: str, policy: str) -> RulePolicy:
    spec = RULES.get(rule_id)
    if policy not in Policy.values:
        raise DomainError("invalid", _("Some fields are not valid."),
                          details={"policy": [_("Choose on, warn or off.")]})
    if spec is None or not spec.uncertain:
        raise Conflict("rule_not_configurable", _("Only rules on uncertain legal ground can be switched."))
    row, _created = RulePolicy.objects.update_or_create(rule_id=rule_id, defaults={"policy": policy})
    record(actor=actor, action="compliance.policy_set", target=row, data={"rule": rule_id, "policy": policy})
    return row


# --- Number resources --------------------------------------------------------------------------------

@transaction.atomic
def do_register_number(*, actor, number: str, tenant=None, province: str = "", **fields) -> NumberResource:
    """Register an access number, optionally allocated to a tenant at once. Its kind comes from its digits."""
    classified = classify(number)
    if classified is None:
        raise DomainError("invalid", _("Some fields are not valid."),
                          details={"number": [_("This is not a Chinese telephone number.")]})
    if NumberResource.objects.filter(number=classified.number).exists():
        raise Conflict("number_taken", _("This number is already registered on the platform."))
    resource = NumberResource(number=classified.number, kind=classified.kind, tenant=tenant,
                              province=province or classified.province, **fields)
    with guard(tenant, touching=_allocation_subjects(resource, tenant)):
        return save_and_record(actor=actor, instance=resource, action="number.registered")


@transaction.atomic
def do_allocate_number(*, actor, instance: NumberResource, tenant, **changes) -> NumberResource:
    """Allocate a number to a tenant, or take it back (tenant None) once the tenant no longer routes it."""
    number = NumberResource.objects.select_for_update().get(pk=instance.pk)
    if number.tenant_id and tenant != number.tenant and number.routed_queue:
        raise Conflict("number_routed", _("The tenant still routes this number to a queue."))
    with guard(tenant, touching=_allocation_subjects(number, tenant)):
        number.tenant = tenant
        for name, value in changes.items():
            setattr(number, name, value)
        return save_and_record(actor=actor, instance=number, action="number.allocated",
                               fields=["tenant", *sorted(changes)])


def _allocation_subjects(number: NumberResource, tenant) -> list[str]:
    """A number goes only to a tenant that may use it: a commercial tenant without a licence in force
    gets none (LIC-05), whatever the number."""
    return [subject_of.of_number(number), *([subject_of.of_tenant(tenant)] if tenant is not None else [])]


# --- Outbound calling ------------------------------------------------------------------------------------

@transaction.atomic
def do_set_outbound(*, actor, tenant, enabled: bool):
    """Switch a tenant's outbound calling; on only where its licence has the written commitment (OUT-01)."""
    with guard(tenant, touching=[f"{subject_of.of_tenant(tenant)}:outbound"]):
        tenant.outbound_enabled = enabled
        tenant.save(update_fields=["outbound_enabled"])
        record(actor=actor, action="tenant.outbound_set", target=tenant, tenant=tenant, data={"enabled": enabled})
    return tenant


# --- Topology change requests ----------------------------------------------------------------------

@transaction.atomic
def do_draft_topology_change(*, actor, licence: Licence, topology: str, coverage: list[str], issuer: str = "",
                             site_responsibilities: dict | None = None, reason: str = "") -> TopologyChange:
    coverage = sorted(set(coverage))
    if issuer and issuer != "MIIT" and issuer not in provinces.codes():
        raise DomainError("invalid", _("Some fields are not valid."),
                          details={"issuer": [_("MIIT, or the code of the issuing province.")]})
    if licence.topology_changes.exclude(state__in=[TopologyChange.State.APPLIED, TopologyChange.State.REJECTED]
                                        ).exists():
        raise Conflict("topology_change_open", _("This licence has a change request under way; finish or reject "
                                                 "it first."))
    change = TopologyChange(licence=licence, topology=topology, coverage=coverage,
                            issuer=issuer or expected_issuer(coverage), reason=reason,
                            site_responsibilities=_site_responsibilities(licence, site_responsibilities or {},
                                                                         coverage),
                            created_by=getattr(actor, "username", ""))
    return save_and_record(actor=actor, instance=change, action="topology_change.drafted")


def _site_responsibilities(licence: Licence, given: dict, coverage: list[str]) -> dict:
    """What each site will answer for: sites of this licence that are not retired, inside the new coverage."""
    known = {str(pk) for pk in licence.sites.exclude(state=PlatformSite.State.RETIRED).values_list("pk", flat=True)}
    unknown = sorted(set(map(str, given)) - known)
    outside = sorted({code for codes in given.values() for code in codes} - set(coverage))
    if unknown or outside:
        message = (_("These are not platform sites of this licence in service: %(sites)s")
                   % {"sites": ", ".join(unknown)}
                   if unknown else _("Sites can answer only for covered provinces: %(codes)s")
                   % {"codes": ", ".join(outside)})
        raise DomainError("invalid", _("Some fields are not valid."), details={"site_responsibilities": [message]})
    return {str(site): sorted(set(codes)) for site, codes in given.items()}


def _advance(actor, change: TopologyChange, *, to: str, allowed_from: tuple[str, ...], **fields) -> TopologyChange:
    change = TopologyChange.objects.select_for_update().select_related("licence__holder").get(pk=change.pk)
    if change.state not in allowed_from:
        raise Conflict("topology_change_state",
                       _("This change request is %(state)s; it cannot become %(to)s.")
                       % {"state": change.get_state_display(), "to": TopologyChange.State(to).label},
                       details={"state": change.state, "to": to})
    change.state = to
    for name, value in fields.items():
        setattr(change, name, value)
    return save_and_record(actor=actor, instance=change, action=f"topology_change.{to}", fields=sorted(fields))


@transaction.atomic
def do_file_topology_change(*, actor, change: TopologyChange, filing_reference: str = "",
                            filed_on: date | None = None) -> TopologyChange:
    return _advance(actor, change, to=TopologyChange.State.FILED, allowed_from=(TopologyChange.State.DRAFT,),
                    filing_reference=filing_reference, filed_on=filed_on or timezone.localdate())


@transaction.atomic
def do_approve_topology_change(*, actor, change: TopologyChange, approval_reference: str = "",
                               decided_on: date | None = None) -> TopologyChange:
    return _advance(actor, change, to=TopologyChange.State.APPROVED, allowed_from=(TopologyChange.State.FILED,),
                    approval_reference=approval_reference, decided_on=decided_on or timezone.localdate())


@transaction.atomic
def do_reject_topology_change(*, actor, change: TopologyChange, decided_on: date | None = None) -> TopologyChange:
    return _advance(actor, change, to=TopologyChange.State.REJECTED,
                    allowed_from=(TopologyChange.State.DRAFT, TopologyChange.State.FILED),
                    decided_on=decided_on or timezone.localdate())


@transaction.atomic
def do_apply_topology_change(*, actor, change: TopologyChange) -> TopologyChange:
    """Put an approved change into effect: the licence's topology, coverage and issuer, and what each
    site answers for. Refused (with the rule's id) if the network does not match the amended licence."""
    change = _advance(actor, change, to=TopologyChange.State.APPLIED, allowed_from=(TopologyChange.State.APPROVED,),
                      applied_at=timezone.now())
    licence = Licence.objects.select_for_update().get(pk=change.licence_id)
    sites = {str(site.pk): site for site in licence.sites.select_for_update()}
    change.previous = {**{name: getattr(licence, name) for name in AMENDED_FIELDS},
                       "site_responsibilities": {pk: site.responsible_for for pk, site in sites.items()}}
    change.save(update_fields=["previous"])
    with guard(licence.holder, touching=[subject_of.of_licence(licence)]):
        licence.topology, licence.coverage, licence.issuer = change.topology, change.coverage, change.issuer
        licence.save(update_fields=list(AMENDED_FIELDS))
        for pk, codes in change.site_responsibilities.items():
            sites[pk].responsible_for = codes
            sites[pk].save(update_fields=["responsible_for"])
        record(actor=actor, action="licence.amended", target=licence, tenant=licence.holder,
               data={"change": change.pk, "topology": change.topology, "coverage": change.coverage})
    return change


# --- Audit runs ------------------------------------------------------------------------------------

@transaction.atomic
def do_request_audit(*, actor, trigger: str = AuditRun.Trigger.MANUAL) -> AuditRun:
    """Queue an audit run for the worker (it starts after this transaction commits)."""
    run = AuditRun.objects.create(trigger=trigger, requested_by=getattr(actor, "username", "") or "system")
    record(actor=actor, action="compliance.audit_requested", target=run, data={"trigger": trigger})
    transaction.on_commit(lambda: enqueue("compliance.tasks.run_audit", run.pk,
                                          when_unreachable="the run stays queued until run again"))
    return run


def do_run_audit(*, run_id: int, today: date | None = None) -> AuditRun:
    """Evaluate every rule over every licence holder and reconcile the findings with the open ones:
    new findings open, findings seen again move their last-seen, findings not seen are resolved.
    Runs one at a time (an advisory lock); a run already finished is left as it is."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('compliance.audit'))")
            run = AuditRun.objects.select_for_update().get(pk=run_id)
            if run.state == AuditRun.State.FINISHED:
                return run
            run.state, run.started_at = AuditRun.State.RUNNING, timezone.now()
            run.as_of = today or timezone.localdate()
            _reconcile(run)
            run.state, run.finished_at = AuditRun.State.FINISHED, timezone.now()
            run.save()
            record(actor=None, action="compliance.audit_finished", target=run,
                   data={"open": run.open_findings, "new": run.new_findings, "resolved": run.resolved_findings})
    except Exception as error:
        AuditRun.objects.filter(pk=run_id).update(state=AuditRun.State.FAILED, error=repr(error)[:2000],
                                                  finished_at=timezone.now())
        raise
    return run


def _reconcile(run: AuditRun) -> None:
    found, context = selectors.holders(today=run.as_of)
    seen = {finding.key: finding for finding in evaluate(found, context=context)}
    open_rows = {(row.rule_id, row.subject): row for row in Finding.objects.filter(resolved_at=None)}
    now = run.started_at

    new = [Finding(rule_id=f.rule.id, severity=f.severity, subject=f.subject, holder_id=f.holder_id,
                   licence=f.hit.licence, provinces=list(f.hit.provinces), params=f.hit.params,
                   first_run=run, first_seen=now, last_run=run, last_seen=now)
           for key, f in seen.items() if key not in open_rows]
    again, again_as_they_were = [], []
    for key, row in open_rows.items():
        if key in seen:
            f = seen[key]
            if (row.severity, row.params, row.provinces) == (f.severity, f.hit.params, list(f.hit.provinces)):
                again_as_they_were.append(row.pk)
                continue
            row.severity, row.params, row.provinces = f.severity, f.hit.params, list(f.hit.provinces)
            row.last_run, row.last_seen = run, now
            again.append(row)
    resolved = [row.pk for key, row in open_rows.items() if key not in seen]

    Finding.objects.bulk_create(new, batch_size=2000)
    Finding.objects.bulk_update(again, ["severity", "params", "provinces", "last_run", "last_seen"], batch_size=2000)
    # Findings seen again exactly as they were (nearly all of them, night after night) only move their
    # last run and last seen: one UPDATE, the same values bulk_update would write. bulk_update writes a
    # CASE WHEN per row and field, which Django builds and PostgreSQL evaluates against the whole batch:
    # with 18,400 open findings the reconcile took 26.1 s of a 28.7 s run that way, 1.9 s of 4.6 s this
    # way (docs/benchmarks.md, compliance-audit).
    Finding.objects.filter(pk__in=again_as_they_were).update(last_run=run, last_seen=now)
    Finding.objects.filter(pk__in=resolved).update(resolved_at=now, resolved_run=run)
    run.holders, run.open_findings = len(found), len(seen)
    run.new_findings, run.resolved_findings = len(new), len(resolved)
