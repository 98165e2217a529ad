"""Audit runs: every holder checked, findings reconciled run after run, nightly and on demand."""

import time
from datetime import date

import pytest
from django.conf import settings
from django.db.models import F

from compliance import services
from compliance.models import AuditRun, Finding, Licence, NumberResource
from saas.audit.models import AuditEvent


def _run(today=None) -> AuditRun:
    run = services.do_request_audit(actor=None)
    return services.do_run_audit(run_id=run.pk, today=today)


def _open() -> set[tuple[str, str]]:
    return set(Finding.objects.filter(resolved_at=None).values_list("rule_id", "subject"))


def test_the_demo_data_has_the_findings_it_was_built_with(db):
    # when
    run = _run()

    # then: the operator's licence says distributed but runs two platforms; bpo uses a fixed line
    # and renews soon; acme's 400 number is a warning
    assert {rule for rule, _subject in _open()} >= {"TOP-02", "NUM-01", "LIC-02", "NUM-07"}
    top = Finding.objects.get(rule_id="TOP-02", resolved_at=None)
    assert top.licence.number == "B2-20230158" and top.severity == "violation"
    assert len(top.provinces) == 29 and "11" not in top.provinces and "31" not in top.provinces
    assert run.state == AuditRun.State.FINISHED and run.holders >= 3 and run.new_findings == run.open_findings


def test_a_second_run_opens_nothing_new_and_keeps_first_seen(db):
    # given
    first = _run()
    seen_first = dict(Finding.objects.values_list("subject", "first_seen"))

    # when
    second = _run()

    # then
    assert (second.new_findings, second.resolved_findings) == (0, 0)
    assert second.open_findings == first.open_findings
    assert dict(Finding.objects.values_list("subject", "first_seen")) == seen_first
    assert not Finding.objects.exclude(last_run=second).filter(resolved_at=None).exists()


def test_what_is_fixed_is_resolved_and_what_breaks_is_opened(db):
    # given
    _run()
    NumberResource.objects.filter(number="02584561234").update(tenant=None)  # bpo gives the fixed line back
    Licence.objects.filter(number="苏B2-20210456").update(valid_until=date(2020, 1, 1))  # and lets its licence lapse

    # when
    run = _run()

    # then
    resolved = Finding.objects.get(rule_id="NUM-01", subject="number:02584561234")
    assert resolved.resolved_run == run and resolved.resolved_at is not None
    assert ("LIC-01", "licence:苏B2-20210456") in _open()
    assert run.new_findings >= 1 and run.resolved_findings >= 1


def test_the_topology_change_workflow_fixes_the_demo_finding_on_the_next_run(db):
    # given: the open TOP-02 of the operator's licence
    _run()
    licence = Licence.objects.get(number="B2-20230158")

    # when: the operator files the hybrid network it really runs, gets it approved and applies it
    change = services.do_draft_topology_change(actor=None, licence=licence, topology="hybrid",
                                               coverage=licence.coverage, reason="按实际组网变更为集中分布式")
    services.do_file_topology_change(actor=None, change=change, filing_reference="工信部电管函〔2026〕1号")
    services.do_approve_topology_change(actor=None, change=change, approval_reference="B2-20230158 变更")
    assert Licence.objects.get(pk=licence.pk).topology == "distributed"  # nothing changes before applying
    services.do_apply_topology_change(actor=None, change=change)
    run = _run()

    # then
    assert Licence.objects.get(pk=licence.pk).topology == "hybrid"
    fixed = Finding.objects.get(rule_id="TOP-02", licence=licence)
    assert fixed.resolved_run == run
    assert not Finding.objects.filter(licence=licence, resolved_at=None, rule_id__startswith="TOP").exists()
    assert AuditEvent.objects.filter(action="licence.amended", target_id=str(licence.pk)).exists()


def test_the_nightly_run_is_scheduled_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["compliance-nightly-audit"]
    assert entry["task"] == "compliance.tasks.nightly_audit"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})


@pytest.fixture
def audit_rows_cleaned(committed):
    """Runs and findings a worker committed are removed after the test, like its tenants."""
    before = set(AuditRun.objects.values_list("pk", flat=True))
    yield
    new_runs = AuditRun.objects.exclude(pk__in=before)
    Finding.objects.filter(first_run__in=new_runs).delete()
    Finding.objects.filter(resolved_run__in=new_runs).update(resolved_run=None, resolved_at=None)
    Finding.objects.filter(last_run__in=new_runs).update(last_run=F("first_run"))
    AuditEvent.objects.filter(target_type="AuditRun", target_id__in=[str(pk) for pk in new_runs.values_list(
        "pk", flat=True)]).delete()
    new_runs.delete()


def test_a_run_requested_on_demand_is_carried_out_by_the_worker(audit_rows_cleaned, worker):
    # when
    run = services.do_request_audit(actor=None)

    # then
    deadline = time.monotonic() + 30
    while AuditRun.objects.get(pk=run.pk).state != AuditRun.State.FINISHED and time.monotonic() < deadline:
        time.sleep(0.2)
    finished = AuditRun.objects.get(pk=run.pk)
    assert finished.state == AuditRun.State.FINISHED, finished.error
    assert Finding.objects.filter(first_run=finished, rule_id="TOP-02").exists()
