"""Responsible entities (责任主体) and branch offices (分支机构)."""

from django.utils.translation import gettext_lazy as _

from compliance.models import ResponsibleEntity
from compliance.rules import subjects
from compliance.rules.registry import Hit, Policy, Severity, rule


@rule("BR-01", title=_("Every covered province has a responsible entity"), severity=Severity.VIOLATION,
      message=_("Licence %(number)s designates no responsible entity for %(provinces)s."),
      source="信部电函〔2004〕288号: for each covered province the operator designates itself, a branch or a "
             "subsidiary; LICENCE_FACTS.md › Topology")
def every_province_answered_for(holder, context):
    for licence in holder.licences:
        answered = {code for entity in licence.entities.all() for code in entity.answers_for}
        missing = set(licence.coverage) - answered
        if missing:
            yield Hit(f"{subjects.of_licence(licence)}:entities", {"number": licence.number,
                                                                   "provinces": subjects.names(missing)},
                      tuple(sorted(missing)), licence)


@rule("BR-02", title=_("Every platform province has a branch office or the head office"),
      severity=Severity.VIOLATION,
      message=_("Platform site %(site)s of licence %(number)s is in %(province)s, where the holder has neither "
                "its head office nor a branch office."),
      source="Seed 000 第二篇 (every platform site needs a branch office); 288号 does not say so [?]",
      enforced_at=("activating a platform site",), uncertain=True, default_policy=Policy.ON)
def branch_in_every_platform_province(holder, context):
    for licence in holder.licences:
        present = {entity.province for entity in licence.entities.all()
                   if entity.kind in (ResponsibleEntity.Kind.HEAD_OFFICE, ResponsibleEntity.Kind.BRANCH)}
        for site in subjects.active_sites(licence):
            if site.province not in present:
                yield Hit(f"{subjects.of_site(site)}:branch", {"number": licence.number, "site": site.name,
                                                              "province": subjects.names([site.province])},
                          (site.province,), licence)
