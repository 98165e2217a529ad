"""The registry side of the compliance console: licences, platform sites, responsible entities and
topology change requests, written by compliance officers in the browser and read by platform admins."""

import re

import pytest
from django.utils import translation

from compliance import services
from compliance.models import AnnualReport, Licence, PlatformSite, ResponsibleEntity, TopologyChange
from saas.accounts.models import User
from tenants.models import Client

LICENCES = "/console/compliance/licences/"
OPERATOR_LICENCE = "B2-20230158"


def _licence(number: str = OPERATOR_LICENCE) -> Licence:
    return Licence.objects.get(number=number)


def _site(name: str) -> PlatformSite:
    return PlatformSite.objects.get(licence__number=OPERATOR_LICENCE, name=name)


def _cells(row: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _alert(page: str) -> str:
    return page.split('role="alert"')[1].split("</div>")[0]


def _draft(licence: Licence, **fields) -> TopologyChange:
    return services.do_draft_topology_change(actor=User.objects.get(username="compliance"), licence=licence,
                                             **{"topology": licence.topology, "coverage": licence.coverage, **fields})


def _registration(**fields) -> dict:
    """The register form as a compliance officer fills it: a one-province licence for bpo."""
    return {"holder": Client.objects.get(slug="bpo").pk, "number": "浙B2-20260001", "scope": "domestic",
            "topology": "centralized", "issuer": "", "valid_from": "2026-01-01", "valid_until": "2031-01-01",
            "document": "DMS-2026-001", "outbound_commitment_on": "", "coverage": ["33"], **fields}


PAGES = [
    lambda: LICENCES,
    lambda: f"{LICENCES}{_licence().pk}/",
    lambda: f"/console/compliance/changes/{_draft(_licence(), topology='hybrid').pk}/",
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("role", "status"), [("compliance_officer", 200), ("platform_admin", 200), ("finance", 403)])
def test_registry_pages_open_for_compliance_officers_and_platform_admins_only(web, page, role, status):
    # when
    response = web("platform", role).get(page())

    # then
    assert response.status_code == status


def test_the_licence_list_shows_each_licence_with_its_coverage_validity_and_counts(web):
    # when
    page = web("platform", "platform_admin").get(LICENCES).content.decode()

    # then
    row = page.split(f'data-licence="{OPERATOR_LICENCE}"')[1].split("</tr>")[0]
    cells = _cells(row)
    assert OPERATOR_LICENCE in cells[0] and "云联呼叫中心平台有限公司" in cells[1]
    assert 'title="北京市、天津市' in row  # the provinces' names on hover
    assert "2023-03-01 – 2028-02-29" in cells[5]
    assert cells[6:] == ["3", "2"]
    bpo_row = page.split('data-licence="苏B2-20210456"')[1].split("</tr>")[0]
    assert "status-expiring" in bpo_row  # renewal due in 45 days


def test_platform_admins_read_the_registry_but_get_no_forms_and_may_not_post(web):
    # given
    client = web("platform", "platform_admin")
    licence = _licence()
    change = _draft(licence, topology="hybrid")

    # when
    pages = [client.get(LICENCES).content.decode(), client.get(f"{LICENCES}{licence.pk}/").content.decode(),
             client.get(f"/console/compliance/changes/{change.pk}/").content.decode()]
    posts = [client.post(LICENCES, _registration()),
             client.post(f"/console/compliance/sites/{_site('广州平台').pk}/state/", {"state": "active"}),
             client.post(f"{LICENCES}{licence.pk}/entities/", {"entity-name": "x", "entity-kind": "branch",
                                                                "entity-province": "44"}),
             client.post(f"/console/compliance/changes/{change.pk}/file/", {"file-filing_reference": "x",
                                                                            "file-filed_on": "2026-11-01"})]

    # then
    assert all('method="post" action="/console/compliance/' not in page for page in pages)
    assert [response.status_code for response in posts] == [403, 403, 403, 403]
    change.refresh_from_db()
    assert change.state == TopologyChange.State.DRAFT and _site("广州平台").state == PlatformSite.State.PLANNED
    assert not Licence.objects.filter(number="浙B2-20260001").exists()


def test_finance_may_not_post_either(web):
    # when
    response = web("platform", "finance").post(LICENCES, _registration())

    # then
    assert response.status_code == 403 and not Licence.objects.filter(number="浙B2-20260001").exists()


def test_a_compliance_officer_registers_a_licence_through_the_form(web):
    # when
    response = web("platform", "compliance_officer").post(LICENCES, _registration(coverage=["33", "32"]))

    # then: the issuer follows from the coverage when left to the form
    licence = _licence("浙B2-20260001")
    assert response.status_code == 302 and response.url == f"{LICENCES}{licence.pk}/"
    assert licence.coverage == ["32", "33"] and licence.issuer == "MIIT" and licence.holder.slug == "bpo"
    assert licence.document == "DMS-2026-001" and licence.outbound_commitment_on is None


def test_the_register_form_offers_the_operator_and_every_tenant_that_is_not_archived(web):
    # when
    page = web("platform", "compliance_officer").get(LICENCES).content.decode()

    # then
    holder = page.split('name="holder"')[1].split("</select>")[0]
    operator = Client.objects.get(schema_name="public")
    assert holder.index(f'value="{operator.pk}"') < holder.index(f'value="{Client.objects.get(slug="acme").pk}"')
    assert 'data-toggle="all"' in page  # the «all 31» switch of the coverage grid


@pytest.mark.parametrize(("fields", "field"), [
    ({"coverage": ["33", "99"]}, "coverage"),
    ({"coverage": []}, "coverage"),
    ({"valid_until": "2025-12-31"}, "valid_until"),
    ({"valid_from": "2026-02-30"}, "valid_from"),
    ({"number": OPERATOR_LICENCE}, "number"),
])
def test_an_invalid_registration_is_shown_next_to_its_field_and_stores_nothing(web, fields, field):
    # given
    before = Licence.objects.count()

    # when
    response = web("platform", "compliance_officer").post(LICENCES, _registration(**fields))

    # then
    page = response.content.decode()
    assert response.status_code == 400
    wrapper = re.search(rf'class="([^"]*)" data-field="{field}"', page)
    assert "invalid" in wrapper[1] and 'class="field-error"' in page
    assert Licence.objects.count() == before


def test_a_licence_issued_by_the_wrong_authority_is_refused_with_the_rule_id(web):
    # when: two provinces, issued by one province's administration (LIC-03)
    response = web("platform", "compliance_officer").post(LICENCES, _registration(coverage=["32", "33"],
                                                                                  issuer="33"))

    # then
    assert response.status_code == 409 and "LIC-03" in _alert(response.content.decode())
    assert not Licence.objects.filter(number="浙B2-20260001").exists()


def test_validity_and_documents_are_edited_on_the_licence_page(web):
    # given
    licence = _licence("苏B2-20210456")

    # when
    response = web("platform", "compliance_officer").post(f"{LICENCES}{licence.pk}/edit/", {
        "licence-valid_from": "2021-06-01", "licence-valid_until": "2031-05-31", "licence-document": "DMS-7",
        "licence-outbound_commitment_on": "2021-07-01"})

    # then
    licence.refresh_from_db()
    assert response.status_code == 302 and response.url == f"{LICENCES}{licence.pk}/#licence"
    assert licence.valid_until.isoformat() == "2031-05-31" and licence.document == "DMS-7"


def test_an_annual_report_is_filed_once_per_year(web):
    # given
    client = web("platform", "compliance_officer")
    licence = _licence()
    AnnualReport.objects.filter(licence=licence, year=2025).delete()
    form = {"report-year": "2025", "report-filed_on": "2026-03-10"}

    # when
    first = client.post(f"{LICENCES}{licence.pk}/annual-reports/", form)
    again = client.post(f"{LICENCES}{licence.pk}/annual-reports/", form)

    # then
    assert first.status_code == 302 and AnnualReport.objects.filter(licence=licence, year=2025).count() == 1
    assert again.status_code == 409 and 'role="alert"' in again.content.decode()


def test_the_change_form_is_prefilled_with_what_the_licence_says_now(web):
    # when
    page = web("platform", "compliance_officer").get(f"{LICENCES}{_licence().pk}/").content.decode()

    # then
    beijing = _site("北京平台")
    checked = set(re.findall(rf'name="change-site_{beijing.pk}" value="(\d\d)"[^>]*checked', page))
    assert checked == set(beijing.responsible_for) and len(checked) > 0
    assert len(re.findall(r'name="change-coverage" value="\d\d"[^>]*checked', page)) == 31


def test_the_demo_topology_finding_is_fixed_through_a_change_request_in_the_pages(web):
    # given: registered distributed while two platforms each answer for half the country (TOP-02)
    client = web("platform", "compliance_officer")
    licence = _licence()
    open_sites = licence.sites.exclude(state=PlatformSite.State.RETIRED)

    # when: drafted as the form comes prefilled, with the topology switched to hybrid
    drafted = client.post(f"{LICENCES}{licence.pk}/changes/", {
        "change-topology": "hybrid", "change-issuer": "", "change-coverage": licence.coverage,
        "change-reason": "两个平台各负责一半省份",
        **{f"change-site_{site.pk}": site.responsible_for for site in open_sites}})
    change = TopologyChange.objects.get(licence=licence)
    steps = {}
    for action, form in (("file", {"file-filing_reference": "工信部备案〔2026〕12号", "file-filed_on": "2026-10-01"}),
                         ("approve", {"approve-approval_reference": "B2-20230158（变更）",
                                      "approve-decided_on": "2026-11-01"}),
                         ("apply", {})):
        response = client.post(f"/console/compliance/changes/{change.pk}/{action}/", form)
        licence.refresh_from_db()
        steps[action] = (response.status_code, licence.topology)

    # then: the licence reads hybrid only once the change is applied
    assert drafted.status_code == 302 and drafted.url == f"/console/compliance/changes/{change.pk}/"
    assert steps == {"file": (302, "distributed"), "approve": (302, "distributed"), "apply": (302, "hybrid")}
    change.refresh_from_db()
    assert change.state == TopologyChange.State.APPLIED and change.filing_reference == "工信部备案〔2026〕12号"
    assert change.approval_reference == "B2-20230158（变更）" and change.previous["topology"] == "distributed"
    page = client.get(f"/console/compliance/changes/{change.pk}/").content.decode()
    assert "applied-hint" in page and 'action="/console/compliance/changes/' not in page


def test_the_change_page_shows_before_and_after_and_only_the_next_steps(web):
    # given: Hainan dropped, and 广州平台 no longer answering for it
    licence = _licence()
    guangzhou = _site("广州平台")
    change = _draft(licence, topology="hybrid", coverage=[code for code in licence.coverage if code != "46"],
                    site_responsibilities={str(guangzhou.pk): ["44", "45"]})

    # when
    page = web("platform", "compliance_officer").get(f"/console/compliance/changes/{change.pk}/").content.decode()

    # then
    compare = page.split('id="compare"')[1].split("</section>")[0]
    assert "− 海南省" in compare and compare.count("chip-removed") == 2
    actions = page.split('id="actions"')[1].split("</section>")[0]
    assert re.findall(r'id="action-(\w+)"', actions) == ["file", "reject"]


def test_activating_a_site_without_a_branch_in_its_province_is_refused_until_one_is_added(web):
    # given: the operator has its head office in Beijing and a branch in Shanghai, none in Guangdong
    client = web("platform", "compliance_officer")
    guangzhou = _site("广州平台")
    licence = guangzhou.licence

    # when
    refused = client.post(f"/console/compliance/sites/{guangzhou.pk}/state/", {"state": "active"})
    added = client.post(f"{LICENCES}{licence.pk}/entities/", {
        "entity-name": "云联呼叫中心平台有限公司广州分公司", "entity-kind": "branch", "entity-province": "44"})
    activated = client.post(f"/console/compliance/sites/{guangzhou.pk}/state/", {"state": "active"})

    # then
    assert refused.status_code == 409 and "BR-02" in _alert(refused.content.decode())
    assert re.search(r'data-site="广州平台" class="[^"]*refused', refused.content.decode())
    assert added.status_code == 302
    assert ResponsibleEntity.objects.get(licence=licence, province="44").kind == ResponsibleEntity.Kind.BRANCH
    assert activated.status_code == 302 and _site("广州平台").state == PlatformSite.State.ACTIVE


def test_a_refusal_through_htmx_comes_back_as_the_page_with_the_rule_id(web):
    # when
    response = web("platform", "compliance_officer").post(
        f"/console/compliance/sites/{_site('广州平台').pk}/state/", {"state": "active"}, HTTP_HX_REQUEST="true")

    # then: the page's script swaps 409 answers in like any other
    assert response.status_code == 409 and "<main>" in response.content.decode()
    assert "BR-02" in _alert(response.content.decode())


def test_an_action_out_of_order_shows_the_refusal_instead_of_failing(web):
    # given
    change = _draft(_licence(), topology="hybrid")

    # when: applied while still a draft
    response = web("platform", "compliance_officer").post(f"/console/compliance/changes/{change.pk}/apply/", {})

    # then
    with translation.override("zh-hans"):
        applied = str(TopologyChange.State.APPLIED.label)
    assert response.status_code == 409 and applied in _alert(response.content.decode())
    change.refresh_from_db()
    assert change.state == TopologyChange.State.DRAFT and _licence().topology == "distributed"
