"""A compliance officer in Chromium: runs an audit, finds the demo's TOP-02 on the map and in the list,
fixes it through the topology change workflow, and watches the next run resolve it."""

import time

import pytest
from playwright.sync_api import expect

from compliance.models import AuditRun, Finding, Licence, PlatformSite, TopologyChange
from saas.audit.models import AuditEvent
from saas.demo import DEMO_PASSWORD

OPERATOR_LICENCE = "B2-20230158"


@pytest.fixture
def operator_licence_restored(committed):
    """The test amends the demo's operator licence for real (a worker and a server must see it):
    put it, its sites, runs, findings and change requests back as they were."""
    licence = Licence.objects.get(number=OPERATOR_LICENCE)
    sites = {site.pk: site.responsible_for for site in licence.sites.all()}
    runs_before = set(AuditRun.objects.values_list("pk", flat=True))
    events_before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    yield licence
    new_runs = AuditRun.objects.exclude(pk__in=runs_before)
    Finding.objects.filter(first_run__in=new_runs).delete()
    new_runs.delete()
    TopologyChange.objects.filter(licence=licence).delete()
    Licence.objects.filter(pk=licence.pk).update(topology=licence.topology, coverage=licence.coverage,
                                                 issuer=licence.issuer)
    for pk, responsible_for in sites.items():
        PlatformSite.objects.filter(pk=pk).update(responsible_for=responsible_for)
    AuditEvent.objects.filter(pk__gt=events_before or 0).delete()


def _run_audit(page, base: str) -> None:
    page.goto(f"{base}/console/compliance/")
    before = AuditRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    page.click("form.run-audit button")
    deadline = time.monotonic() + 10
    while (run := AuditRun.objects.filter(pk__gt=before).first()) is None:
        assert time.monotonic() < deadline, "the button queued no run"
        time.sleep(0.1)
    # The new run's card polls itself until the worker has finished it.
    expect(page.locator(f"#run-{run.pk}[data-state=finished]")).to_be_visible(timeout=30_000)


def test_a_compliance_officer_fixes_a_finding_through_the_topology_change_workflow(
        operator_licence_restored, worker, site, page):
    licence = operator_licence_restored
    base = site("platform")

    # given: logged in as the compliance officer, a first audit run
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "compliance")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    _run_audit(page, base)

    # then: the map colours 29 provinces as violations, and the list names TOP-02
    expect(page.locator(".province-map canvas").first).to_be_visible()
    page.goto(f"{base}/console/compliance/findings/?rule=TOP-02")
    expect(page.locator("table")).to_contain_text(OPERATOR_LICENCE)

    # when: the officer drafts a change to hybrid (coverage and site responsibilities prefilled), files
    # it, gets it approved and applies it
    page.goto(f"{base}/console/compliance/licences/{licence.pk}/")
    page.click("details#change summary")
    page.select_option("select[name=change-topology]", "hybrid")
    page.fill("textarea[name=change-reason]", "按实际组网变更为集中分布式")
    page.click("details#change form button.primary")
    page.wait_for_url("**/console/compliance/changes/*/**")
    page.fill("input[name=file-filing_reference]", "工信部电管函〔2026〕101号")
    page.click("form[action$='/file/'] button")
    page.fill("input[name=approve-approval_reference]", "B2-20230158（变更）")
    page.click("form[action$='/approve/'] button")
    page.click("form[action$='/apply/'] button")
    expect(page.locator(".status-change-applied").first).to_be_visible()

    # and runs the audit again
    _run_audit(page, base)

    # then: TOP-02 is resolved, and nothing about the topology is open on this licence
    assert Licence.objects.get(pk=licence.pk).topology == "hybrid"
    assert Finding.objects.get(rule_id="TOP-02", licence=licence).resolved_at is not None
    page.goto(f"{base}/console/compliance/findings/?rule=TOP-02&state=resolved")
    expect(page.locator("table")).to_contain_text(OPERATOR_LICENCE)
