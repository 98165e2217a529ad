"""Topology (组网方式): what the licence's 特别规定事项 says against the platform sites that run."""

from django.utils.translation import gettext_lazy as _

from compliance.models import Licence
from compliance.rules import subjects
from compliance.rules.registry import Hit, Severity, guard_rule, rule

SOURCE = "DOMAIN.md › Licence rules 1 (seed 000); 信部电函〔2004〕288号"


@rule("TOP-01", title=_("A centralized licence runs exactly one platform"), severity=Severity.VIOLATION,
      message=_("Licence %(number)s is centralized (集中式) and must run exactly one platform site; "
                "%(count)d are active."),
      source=SOURCE, enforced_at=("activating a platform site",))
def centralized_has_one_platform(holder, context):
    for licence in holder.licences:
        active = subjects.active_sites(licence)
        if licence.topology == Licence.Topology.CENTRALIZED and len(active) != 1:
            yield Hit(subjects.of_licence(licence), {"number": licence.number, "count": len(active)},
                      tuple(licence.coverage), licence)


@rule("TOP-02", title=_("A distributed licence has a platform in every covered province"),
      severity=Severity.VIOLATION,
      message=_("Licence %(number)s is distributed (分布式) but has no active platform site in %(provinces)s."),
      source=SOURCE)
def distributed_covers_every_province(holder, context):
    for licence in holder.licences:
        if licence.topology != Licence.Topology.DISTRIBUTED:
            continue
        missing = set(licence.coverage) - {site.province for site in subjects.active_sites(licence)}
        if missing:
            yield Hit(subjects.of_licence(licence), {"number": licence.number, "provinces": subjects.names(missing)},
                      tuple(sorted(missing)), licence)


@rule("TOP-03", title=_("A hybrid licence has a platform answering for every covered province"),
      severity=Severity.VIOLATION,
      message=_("Licence %(number)s is hybrid (集中分布式 / 其他方式) but no active platform site answers for "
                "%(provinces)s."),
      source=SOURCE + "; LICENCE_FACTS.md › Topology: several platforms, each for a stated set of provinces")
def hybrid_assigns_every_province(holder, context):
    for licence in holder.licences:
        if licence.topology != Licence.Topology.HYBRID:
            continue
        answered = {code for site in subjects.active_sites(licence) for code in (site.province, *site.responsible_for)}
        missing = set(licence.coverage) - answered
        if missing:
            yield Hit(subjects.of_licence(licence), {"number": licence.number, "provinces": subjects.names(missing)},
                      tuple(sorted(missing)), licence)


TOPOLOGY_CHANGE = guard_rule(
    "TOP-04", title=_("Topology and coverage change only through an approved change request"),
    severity=Severity.VIOLATION,
    message=_("The topology, coverage and issuer of licence %(number)s change only by applying an approved "
              "topology change request (特别规定事项 amended before it takes effect)."),
    source="DOMAIN.md › Licence rules 2; LICENCE_FACTS.md › Topology: filed beforehand, amended before effect",
    enforced_at=("editing a licence",),
)
