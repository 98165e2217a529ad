"""The audit side of the compliance console (map, runs, findings, exports) and a tenant's own
compliance page. Findings come from a real audit run over the demo data: the operator's licence
B2-20230158 is registered distributed with two active sites (TOP-02 over 29 provinces), bpo routes an
ordinary fixed line (NUM-01), acme a 400 number (NUM-07, a warning)."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from compliance.models import AuditRun, Finding, Licence
from compliance.services import do_request_audit, do_run_audit

OPERATOR_LICENCE = "B2-20230158"
PLATFORM_PAGES = ["/console/compliance/", "/console/compliance/runs/", "/console/compliance/findings/",
                  "/console/compliance/findings/export.csv", "/console/compliance/findings/export.xlsx"]


@pytest.fixture
def audited(db):
    """The demo data audited once, synchronously (as the worker would)."""
    run = do_request_audit(actor=None)
    return do_run_audit(run_id=run.pk)


def json_script(page: str, element_id: str):
    return json.loads(page.split(f'id="{element_id}" type="application/json">')[1].split("</script>")[0])


def data_rules(page: str) -> set[str]:
    return {chunk.split('"')[0] for chunk in page.split('data-rule="')[1:]}


# --- Who may see what ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", PLATFORM_PAGES)
def test_finance_may_not_open_the_platform_compliance_pages(web, url):
    assert web("platform", "finance").get(url).status_code == 403


@pytest.mark.parametrize("url", PLATFORM_PAGES)
def test_the_platform_compliance_pages_send_anonymous_visitors_to_log_in(web, url):
    # when
    response = web("platform").get(url)

    # then
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(("role", "status"), [("tenant_admin", 200), ("supervisor", 200), ("agent", 403)])
def test_the_tenant_compliance_page_is_for_admins_and_supervisors(web, role, status):
    assert web("acme", role).get("/compliance/").status_code == status


def test_the_tenant_compliance_page_sends_anonymous_visitors_to_log_in(web):
    # when
    response = web("acme").get("/compliance/")

    # then
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(("slug", "role", "url", "shown"), [
    ("platform", "platform_admin", "/console/compliance/", True),
    ("platform", "compliance_officer", "/console/compliance/", True),
    ("platform", "finance", "/console/compliance/", False),
    ("acme", "tenant_admin", "/compliance/", True),
    ("acme", "supervisor", "/compliance/", True),
    ("acme", "agent", "/compliance/", False),
])
def test_the_compliance_entry_is_in_the_navigation_of_those_who_may_use_it(web, slug, role, url, shown):
    # when
    page = web(slug, role).get("/", follow=True).content.decode()
    nav = page.split("<nav>")[1].split("</nav>")[0]

    # then
    assert (f'href="{url}"' in nav) is shown


def test_the_compliance_entry_stays_lit_on_every_console_compliance_page(web):
    # when
    page = web("platform", "compliance_officer").get("/console/compliance/findings/").content.decode()

    # then
    assert 'href="/console/compliance/" class="active"' in page


# --- Overview -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["compliance_officer", "platform_admin"])
def test_the_overview_maps_the_operators_licence_with_its_findings(web, audited, role):
    # when
    page = web("platform", role).get("/console/compliance/").content.decode()

    # then: every mainland province, Tianjin red (TOP-02: no active site), Beijing covered (its site)
    data = {province["code"]: province for province in json_script(page, "coverage-map-data")}
    assert len(data) == 31
    assert data["12"]["value"] == 3 and data["11"]["value"] == 1
    assert "北京平台" in data["11"]["tooltip"]
    pieces = json_script(page, "coverage-map-pieces")
    assert [piece["value"] for piece in pieces] == [0, 1, 2, 3]
    assert OPERATOR_LICENCE in page


def test_the_overview_shows_the_chosen_licence(web, audited):
    # given
    licence = Licence.objects.get(number="苏B2-20210456")

    # when
    page = web("platform", "compliance_officer").get(f"/console/compliance/?licence={licence.pk}").content.decode()

    # then: bpo's licence covers Jiangsu only, with the LIC-02 renewal warning and, worse, the NUM-01
    # violation of bpo's Nanjing fixed line
    data = {province["code"]: province["value"] for province in json_script(page, "coverage-map-data")}
    assert data["32"] == 3
    assert set(data.values()) - {3} == {0}
    assert f'href="/console/compliance/findings/?licence={licence.pk}&amp;severity=warning"' in page


def test_the_overview_counts_open_findings_with_links_into_the_list(web, audited):
    # given
    licence = Licence.objects.get(number=OPERATOR_LICENCE)

    # when
    page = web("platform", "compliance_officer").get("/console/compliance/").content.decode()

    # then
    assert f'href="/console/compliance/findings/?licence={licence.pk}&amp;severity=violation">1</a>' in page


@pytest.mark.parametrize("query", ["licence=abc", "licence=999999"])
def test_the_overview_refuses_an_unknown_licence_with_400(web, query):
    # when
    response = web("platform", "compliance_officer").get(f"/console/compliance/?{query}")

    # then
    assert response.status_code == 400 and "<code>invalid</code>" in response.content.decode()


@pytest.mark.parametrize(("role", "offered"), [("compliance_officer", True), ("platform_admin", False)])
def test_the_overview_offers_the_run_button_to_compliance_officers_only(web, role, offered):
    # when
    page = web("platform", role).get("/console/compliance/").content.decode()

    # then
    assert ('name="as" value="card"' in page) is offered


# --- Runs -----------------------------------------------------------------------------------------------

def test_a_compliance_officer_runs_an_audit_and_sees_it_queued_and_polling(web):
    # given
    before = AuditRun.objects.count()

    # when
    response = web("platform", "compliance_officer").post("/console/compliance/runs/", {"as": "card"},
                                                          HTTP_HX_REQUEST="true")

    # then
    run = AuditRun.objects.first()
    part = response.content.decode()
    assert response.status_code == 200 and AuditRun.objects.count() == before + 1
    assert run.state == AuditRun.State.QUEUED and run.requested_by == "compliance"
    assert f'id="run-{run.pk}"' in part and 'hx-trigger="every 1s"' in part and "<progress" in part


def test_the_run_button_answers_a_runs_table_row_on_the_runs_page(web):
    # when
    part = web("platform", "compliance_officer").post("/console/compliance/runs/", {"as": "row"},
                                                      HTTP_HX_REQUEST="true").content.decode()

    # then
    assert part.startswith("<tr") and "?as=row" in part


def test_a_platform_admin_may_not_run_an_audit(web):
    # given
    before = AuditRun.objects.count()

    # when
    response = web("platform", "platform_admin").post("/console/compliance/runs/", {"as": "card"})

    # then
    assert response.status_code == 403 and AuditRun.objects.count() == before


def test_the_run_status_of_a_queued_run_keeps_polling(web):
    # given
    run = do_request_audit(actor=None)

    # when
    part = web("platform", "platform_admin").get(f"/console/compliance/runs/{run.pk}/status/?as=row").content.decode()

    # then
    assert 'data-state="queued"' in part and 'hx-trigger="every 1s"' in part


def test_the_run_status_of_a_finished_run_stops_polling_and_links_its_findings(web, audited):
    # when
    response = web("platform", "compliance_officer").get(f"/console/compliance/runs/{audited.pk}/status/?as=card",
                                                         HTTP_HX_REQUEST="true")

    # then: the overview reloads once, for the new map
    part = response.content.decode()
    assert 'data-state="finished"' in part and "hx-trigger" not in part
    assert f"/console/compliance/findings/?run={audited.pk}&amp;state=all" in part
    assert response["HX-Refresh"] == "true"


def test_the_run_status_of_an_unknown_run_is_404(web):
    assert web("platform", "compliance_officer").get("/console/compliance/runs/999999/status/").status_code == 404


def test_the_runs_page_lists_runs_with_their_counts(web, audited):
    # when
    page = web("platform", "platform_admin").get("/console/compliance/runs/").content.decode()

    # then
    row = page.split(f'id="run-{audited.pk}"')[1].split("</tr>")[0]
    assert f'<a href="/console/compliance/findings/?state=open">{audited.open_findings}</a>' in row
    assert f'<a href="/console/compliance/findings/?run={audited.pk}&amp;state=all">{audited.new_findings}</a>' in row
    assert 'name="as" value="row"' not in page  # no run button for platform admins


def test_only_the_latest_finished_runs_open_count_links_to_the_open_findings(web, audited):
    # given: a second run that finds the same
    later = do_run_audit(run_id=do_request_audit(actor=None).pk)

    # when
    page = web("platform", "platform_admin").get("/console/compliance/runs/").content.decode()

    # then: the earlier run's open findings are not today's, so its count is plain
    earlier_row = page.split(f'id="run-{audited.pk}"')[1].split("</tr>")[0]
    later_row = page.split(f'id="run-{later.pk}"')[1].split("</tr>")[0]
    assert "?state=open" in later_row and "?state=open" not in earlier_row
    assert f"?run={audited.pk}&amp;state=all" in earlier_row


# --- Findings -----------------------------------------------------------------------------------------------

def test_the_findings_list_shows_every_open_finding_by_default(web, audited):
    # when
    page = web("platform", "compliance_officer").get("/console/compliance/findings/").content.decode()

    # then
    assert {"TOP-02", "NUM-01", "NUM-07"} <= data_rules(page)


def test_the_findings_filter_narrows_the_list(web, audited):
    # when
    page = web("platform", "compliance_officer").get("/console/compliance/findings/?rule=TOP-02").content.decode()

    # then
    assert data_rules(page) == {"TOP-02"}
    assert '<option value="TOP-02" selected>' in page


@pytest.mark.parametrize(("query", "rules"), [
    ("holder=acme", {"NUM-07"}),
    ("severity=warning&holder=bpo", {"LIC-02"}),
    ("province=12", {"TOP-02"}),
    ("state=resolved", set()),
])
def test_the_findings_filters_combine(web, audited, query, rules):
    # when
    page = web("platform", "compliance_officer").get(f"/console/compliance/findings/?{query}").content.decode()

    # then
    assert data_rules(page) == rules


def test_the_findings_of_a_run_are_what_it_opened_or_resolved(web, audited):
    # when
    page = web("platform", "compliance_officer").get(
        f"/console/compliance/findings/?run={audited.pk}&state=all").content.decode()

    # then
    assert {"TOP-02", "NUM-01", "NUM-07"} <= data_rules(page)
    assert f"#{audited.pk}" in page


def test_the_findings_list_pages_by_fifty_keeping_its_filters(web, audited):
    # given: 60 more open TOP-02 findings
    template = Finding.objects.get(rule_id="TOP-02", resolved_at=None)
    Finding.objects.bulk_create([Finding(**{**{field.attname: getattr(template, field.attname)
                                               for field in Finding._meta.concrete_fields if not field.primary_key},
                                            "subject": f"licence:test-{number}"}) for number in range(60)])
    client = web("platform", "compliance_officer")

    # when
    first = client.get("/console/compliance/findings/?rule=TOP-02").content.decode()
    second = client.get("/console/compliance/findings/?rule=TOP-02&page=2").content.decode()

    # then
    assert first.count('data-rule="TOP-02"') == 50 and second.count('data-rule="TOP-02"') == 11
    assert 'href="?rule=TOP-02&amp;page=2"' in first


@pytest.mark.parametrize("query", ["rule=NOPE-1", "severity=fatal", "state=closed", "holder=nobody",
                                   "licence=abc", "province=99", "run=abc", "run=999999"])
@pytest.mark.parametrize("url", ["/console/compliance/findings/", "/console/compliance/findings/export.csv"])
def test_a_bad_filter_is_a_400_page_not_a_500(web, url, query):
    # when
    response = web("platform", "compliance_officer").get(f"{url}?{query}")

    # then
    assert response.status_code == 400
    assert "<code>invalid</code>" in response.content.decode()


def test_the_findings_messages_follow_the_page_language(web, audited):
    # given
    client = web("platform", "compliance_officer")

    # when
    chinese = client.get("/console/compliance/findings/?rule=TOP-02").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/console/compliance/findings/?rule=TOP-02").content.decode()

    # then
    assert f"许可证 {OPERATOR_LICENCE} 为分布式组网" in chinese and '<html lang="zh-hans">' in chinese
    assert f"Licence {OPERATOR_LICENCE} is distributed" in english and '<html lang="en">' in english


# --- Exports -----------------------------------------------------------------------------------------------

def test_the_csv_export_has_a_bom_and_the_filtered_rows(web, audited):
    # when
    response = web("platform", "compliance_officer").get("/console/compliance/findings/export.csv?rule=TOP-02")

    # then
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="findings-')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and len(rows[0]) == len(rows[1]) == 11
    assert rows[1][0] == "TOP-02" and rows[1][4] == OPERATOR_LICENCE and "天津市" in rows[1][7]


def test_the_xlsx_export_opens_with_the_header_and_rows(web, audited):
    # when
    response = web("platform", "platform_admin").get("/console/compliance/findings/export.xlsx")

    # then
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert response.status_code == 200 and len(rows[0]) == 11
    assert {"TOP-02", "NUM-01", "NUM-07"} <= {row[0] for row in rows[1:]}
    assert all(row[8] is not None and hasattr(row[8], "year") for row in rows[1:])  # first seen, a real date


def test_an_export_too_large_asks_to_narrow_the_filters(web, audited, monkeypatch):
    # given
    monkeypatch.setattr("frontend.compliance.audit.EXPORT_LIMIT", 1)

    # when
    response = web("platform", "compliance_officer").get("/console/compliance/findings/export.csv")

    # then
    assert response.status_code == 400 and "<code>export_too_large</code>" in response.content.decode()


def test_an_export_in_an_unknown_format_is_404(web):
    assert web("platform", "compliance_officer").get("/console/compliance/findings/export.pdf").status_code == 404


# --- The tenant's own page -------------------------------------------------------------------------------------

def test_a_self_use_tenant_sees_its_own_findings_and_the_operators_licence(web, audited):
    # when
    page = web("acme", "tenant_admin").get("/compliance/").content.decode()

    # then: acme's 400 number warning, never bpo's ordinary fixed line nor the operator's own finding
    assert data_rules(page) == {"NUM-07"}
    assert "4008208820" in page and "02584561234" not in page
    assert OPERATOR_LICENCE in page and "苏B2-20210456" not in page


def test_a_commercial_tenant_sees_its_own_licence_and_findings(web, audited):
    # when
    page = web("bpo", "supervisor").get("/compliance/").content.decode()

    # then
    assert data_rules(page) == {"NUM-01", "LIC-02"}
    assert "苏B2-20210456" in page and OPERATOR_LICENCE not in page


def test_the_tenant_page_before_any_audit_says_so(web):
    # when
    response = web("acme", "tenant_admin").get("/compliance/")

    # then
    assert response.status_code == 200 and not data_rules(response.content.decode())
