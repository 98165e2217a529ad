"""Number resources (码号资源): which numbers a call centre may use, where, and under which licence."""

from django.utils.translation import gettext_lazy as _

from compliance import provinces
from compliance.numbers import NumberKind
from compliance.rules import subjects
from compliance.rules.registry import Hit, Policy, Severity, rule

ORDINARY = (NumberKind.FIXED, NumberKind.MOBILE)
CIRCULAR_81 = "工信部信管〔2020〕81号"


def _number_hit(holder, number, **params) -> Hit:
    """A finding about a number, on the licence it is used under, so it shows on that licence's map."""
    provinces_concerned = (number.province,) if number.province else ()
    licence = next((lic for lic in holder.governing if number.province in lic.coverage),
                   holder.governing[0] if holder.governing else None)
    return Hit(subjects.of_number(number), {"number": number.number, **params}, provinces_concerned, licence)


@rule("NUM-01", title=_("A commercial call centre uses dedicated numbers only"), severity=Severity.VIOLATION,
      message=_("%(number)s (%(kind)s) is an ordinary number; a commercial call centre must use dedicated "
                "number resources (码号资源)."),
      source="DOMAIN.md › Licence rules 5 (seed 000)", enforced_at=("allocating a number",),
      labels=(("kind", lambda kind: NumberKind(kind).label),))
def dedicated_numbers_only(holder, context):
    # A self-use tenant may bring its own ordinary number (its own customer service needs no
    # licence); a number the operator holds is used under the operator's commercial licence.
    commercial = holder.client.business_type == "commercial"
    for number in holder.numbers:
        if number.kind in ORDINARY and (commercial or number.holder_id == context.operator_id):
            yield _number_hit(holder, number, kind=number.kind)


@rule("NUM-02", title=_("Carrier service numbers are not given to clients"), severity=Severity.VIOLATION,
      message=_("%(number)s is a 100xx carrier customer-service number and cannot be allocated to a client."),
      source="LICENCE_FACTS.md › Number resources: 100xx is the carriers' own customer service",
      enforced_at=("allocating a number",))
def no_carrier_numbers(holder, context):
    for number in holder.numbers:
        if number.kind == NumberKind.CARRIER_100 and not holder.client.is_platform:
            yield _number_hit(holder, number)


@rule("NUM-03", title=_("An SMS access code is never a voice access number"), severity=Severity.VIOLATION,
      message=_("%(number)s is a 106 SMS access code and cannot be routed to a voice queue."),
      source="LICENCE_FACTS.md › Number resources: 106x is SMS only", enforced_at=("routing a number",))
def sms_codes_not_routed(holder, context):
    for number in holder.numbers:
        if number.kind == NumberKind.SMS_106 and number.routed_queue:
            yield _number_hit(holder, number)


@rule("NUM-04", title=_("A 96 number is used only where its licence covers its province"),
      severity=Severity.VIOLATION,
      message=_("%(number)s is a 96 number of %(province)s, which no licence it runs under (%(licences)s) covers."),
      source="LICENCE_FACTS.md › Number resources: 96 allocated by a province, works inside it only",
      enforced_at=("allocating a number", "routing a number"))
def provincial_numbers_inside_coverage(holder, context):
    covered = {code for licence in holder.governing for code in licence.coverage}
    for number in holder.numbers:
        if number.kind == NumberKind.SHORT_96 and number.province not in covered:
            yield _number_hit(holder, number, province=provinces.name(number.province) if number.province else "?",
                              licences="、".join(licence.number for licence in holder.governing) or "—")


@rule("NUM-05", title=_("A commercial tenant uses numbers it holds itself"), severity=Severity.VIOLATION,
      message=_("%(number)s is allocated to %(tenant)s, a commercial call centre, but is held by someone else; it "
                "must use its own allocated numbers."),
      source="DOMAIN.md › Licence rules 8; LICENCE_FACTS.md › Conduct (own numbers); " + CIRCULAR_81 + " (no "
             "transfer or lease of numbers)",
      enforced_at=("allocating a number",))
def commercial_tenant_holds_its_numbers(holder, context):
    if not subjects.is_commercial(holder.client):
        return
    for number in holder.numbers:
        if number.kind not in ORDINARY and number.holder_id != holder.client.pk:
            yield _number_hit(holder, number, tenant=holder.client.legal_name)


@rule("NUM-06", title=_("A number is filed in the national system before use"), severity=Severity.VIOLATION,
      message=_("%(number)s is routed but was not filed in the national number-resource system (码号资源管理系统)."),
      source=CIRCULAR_81 + ": record every access number in the national system before use",
      enforced_at=("routing a number",))
def numbers_filed_before_use(holder, context):
    for number in holder.numbers:
        if number.routed_queue and number.kind not in ORDINARY and (
                number.filed_on is None or number.filed_on > context.today):
            yield _number_hit(holder, number)


@rule("NUM-07", title=_("400/800 numbers are not authority-allocated access numbers"), severity=Severity.WARNING,
      message=_("%(number)s is a carrier's 400/800 number, not a number allocated to the call centre by the "
                "authority."),
      source="LICENCE_FACTS.md › Number resources: 400/800 not allocated by the authority [?]; " + CIRCULAR_81,
      uncertain=True, default_policy=Policy.WARN)
def freephone_numbers(holder, context):
    for number in holder.numbers:
        if number.kind in (NumberKind.FREEPHONE_400, NumberKind.FREEPHONE_800):
            yield _number_hit(holder, number)
