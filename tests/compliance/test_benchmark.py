"""The compliance-audit benchmark's fleet builder and timed audit, on a handful of tenants: the same
code `python3 dev.py bench compliance-audit` runs on 2,000."""

from collections import defaultdict
from datetime import timedelta

from compliance import benchmarks
from compliance.models import Finding, Licence
from compliance.rules import evaluate
from compliance.selectors import audited_clients, holders
from tenants.models import Client


def test_five_tenants_audited_then_unchanged_then_changed(db):
    # given: five synthetic tenants, two of them broken on purpose
    audited_before = audited_clients().count()
    fleet = benchmarks.build_fleet(5, forced={0: ("freephone",), 1: ("expired",)}, show_progress=False)
    tenants = list(fleet.clients.values())

    # when
    first = benchmarks.timed_audit()
    faulty_first = benchmarks.holders_with_findings(tenants)
    second = benchmarks.timed_audit()

    # then: every holder checked; exactly the broken tenants have findings; nothing changed, nothing new
    assert first["holders"] == second["holders"] == audited_before + 5 == audited_clients().count()
    assert faulty_first == fleet.faulty and len(fleet.faulty) >= 2
    assert first["new"] == first["open"] > 0
    assert (second["new"], second["resolved"], second["open"]) == (0, 0, first["open"])
    assert first["facts_s"] + first["evaluate_s"] <= first["seconds"] and first["queries"] > 0

    # when: one broken tenant fixed, one sound tenant broken
    changed = benchmarks.change_fleet(fleet, percent=40)
    third = benchmarks.timed_audit()

    # then
    assert len(changed["fixed"]) == len(changed["broken"]) == 1
    assert benchmarks.holders_with_findings(tenants) == fleet.faulty
    assert fleet.faulty == (faulty_first - set(changed["fixed"])) | set(changed["broken"])
    assert third["new"] > 0 and third["resolved"] > 0 and third["holders"] == first["holders"]


def test_every_fault_breaks_its_rule_and_a_sound_tenant_breaks_none(db):
    # given: each fault on three tenants it applies to (so on different topologies), the rest sound
    business_types = {index: benchmarks.plan(index, seed=2026, prefix="bench").client["business_type"]
                      for index in range(120)}
    forced, unused = {}, sorted(business_types)
    # The faults of self-use tenants first: they are one in ten.
    for fault in sorted(benchmarks.FAULTS, key=lambda fault: fault not in benchmarks.SELF_USE_ONLY):
        for _ in range(3):
            index = next(index for index in unused if benchmarks.applicable(fault, business_types[index]))
            forced[index] = (fault,)
            unused.remove(index)
    sound = unused[:10]
    forced.update({index: () for index in sound})
    fleet = benchmarks.build_fleet(max(forced) + 1, forced=forced, faulty_percent=0, show_progress=False)

    # when
    clients = list(Client.objects.filter(pk__in=[fleet.clients[index] for index in forced]))
    found, context = holders(clients=clients, today=benchmarks.TODAY)
    rules = defaultdict(set)
    for finding in evaluate(found, context=context):
        rules[finding.holder_id].add(finding.rule.id)

    # then
    for index, faults in forced.items():
        expected = {rule for fault in faults for rule in benchmarks.FAULTS[fault]}
        got = rules[fleet.clients[index]]
        assert (got & expected) if faults else not got, (index, faults, got, fleet.plans[index].licence["topology"])


def test_findings_seen_again_move_their_last_run_and_take_new_parameters(db):
    # given: a licence due for renewal (LIC-02) among other findings, audited once
    fleet = benchmarks.build_fleet(3, forced={0: ("renewal",), 1: ("freephone",), 2: ()}, show_progress=False)
    first = benchmarks.timed_audit()
    licence = Licence.objects.get(pk=fleet.licences[0])
    renewal = Finding.objects.get(rule_id="LIC-02", subject=f"licence:{licence.number}", resolved_at=None)

    # when: its expiry moves, still inside the 90 days, and nothing else changes
    licence.valid_until = benchmarks.TODAY + timedelta(days=89)
    licence.save(update_fields=["valid_until"])
    second = benchmarks.timed_audit()

    # then: the same finding, with the new date; every open finding was last seen by the second run
    renewal.refresh_from_db()
    assert (second["new"], second["resolved"]) == (0, 0) and renewal.resolved_at is None
    assert renewal.params["date"] == licence.valid_until.isoformat() and renewal.first_run_id == first["run_id"]
    assert set(Finding.objects.filter(resolved_at=None).values_list("last_run", flat=True)) == {second["run_id"]}
    assert fleet.faulty <= set(Finding.objects.filter(resolved_at=None).values_list("holder", flat=True))
