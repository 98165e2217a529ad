"""Coverage (业务覆盖范围): sites, site responsibilities and the provinces where seats are sold."""

from django.utils.translation import gettext_lazy as _

from compliance import provinces
from compliance.rules import subjects
from compliance.rules.registry import Hit, Severity, rule


@rule("COV-01", title=_("Every platform site is inside the coverage"), severity=Severity.VIOLATION,
      message=_("Platform site %(site)s of licence %(number)s is in %(province)s, outside the licence's coverage."),
      source="DOMAIN.md › Licence rules 3 (seed 000)", enforced_at=("activating a platform site",))
def sites_inside_coverage(holder, context):
    for licence in holder.licences:
        for site in subjects.active_sites(licence):
            if site.province not in licence.coverage:
                yield Hit(subjects.of_site(site), {"number": licence.number, "site": site.name,
                                                   "province": provinces.name(site.province)},
                          (site.province,), licence)


@rule("COV-02", title=_("The operator's licence covers every province where seats are sold"),
      severity=Severity.VIOLATION,
      message=_("Seats are sold in %(province)s (%(tenants)s), outside the coverage of the operator's licence "
                "%(number)s."),
      source="Issue #4: the platform operator's licence must cover every province where hosted seats are sold; "
             "LICENCE_FACTS.md › B24 includes renting out seats",
      enforced_at=("activating a seat",))
def seats_sold_inside_coverage(holder, context):
    if not holder.client.is_platform or not holder.licences:
        return
    covered = {code for licence in holder.licences for code in licence.coverage}
    licence = holder.licences[0]
    for code, tenants in sorted(context.seat_provinces.items()):
        if code not in covered:
            yield Hit(subjects.of_seats_sold_in(code),
                      {"number": licence.number, "province": provinces.name(code), "tenants": "、".join(tenants)},
                      (code,), licence)


@rule("COV-03", title=_("A platform site answers only for covered provinces"), severity=Severity.VIOLATION,
      message=_("Platform site %(site)s of licence %(number)s answers for %(provinces)s, outside the coverage."),
      source="LICENCE_FACTS.md › Topology: each platform responsible for a stated set of covered provinces",
      enforced_at=("activating a platform site", "applying a topology change"))
def site_responsibilities_inside_coverage(holder, context):
    for licence in holder.licences:
        for site in subjects.active_sites(licence):
            outside = set(site.responsible_for) - set(licence.coverage)
            if outside:
                yield Hit(subjects.of_site(site), {"number": licence.number, "site": site.name,
                                                   "provinces": subjects.names(outside)},
                          tuple(sorted(outside)), licence)
