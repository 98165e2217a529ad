"""What a tenant may do under the licence it runs under: seat modes, seat sites, outbound calling."""

from django.utils.translation import gettext_lazy as _

from billing.models import SeatMode
from compliance.rules import subjects
from compliance.rules.registry import Hit, Policy, Severity, guard_rule, rule


@rule("SELF-01", title=_("A self-use tenant buys no outsourced seats"), severity=Severity.VIOLATION,
      message=_("%(tenant)s runs self-use customer service (自用客服) and may not buy outsourced seats "
                "(%(seats)d subscribed or active)."),
      source="DOMAIN.md › Licence rules 7; LICENCE_FACTS.md › Conduct: self-use needs no licence [?], so it "
             "serves only its own customers",
      enforced_at=("subscribing seats", "creating or activating a seat"), uncertain=True,
      default_policy=Policy.ON)
def self_use_without_outsourcing(holder, context):
    client = holder.client
    if client.business_type != "self_use":
        return
    seats = max(holder.subscribed.get(SeatMode.OUTSOURCED, 0), holder.active_seats.get(SeatMode.OUTSOURCED, 0))
    if seats:
        yield Hit(subjects.of_tenant(client), {"tenant": client.legal_name, "seats": seats}, (client.province,))


@rule("OUT-01", title=_("Outbound calling only with a written commitment on file"), severity=Severity.VIOLATION,
      message=_("%(tenant)s has outbound calling enabled, but no licence it runs under has the written outbound "
                "commitment on file."),
      source="工信部信管〔2020〕81号: access numbers serve inbound; outbound needs a written commitment",
      enforced_at=("enabling outbound calling",))
def outbound_needs_commitment(holder, context):
    client = holder.client
    if client.outbound_enabled and not any(licence.outbound_commitment_on for licence in holder.governing):
        yield Hit(f"{subjects.of_tenant(client)}:outbound", {"tenant": client.legal_name}, (client.province,))


SEAT_SITE = guard_rule(
    "SEAT-01", title=_("A seat connects through an active platform site it may use"), severity=Severity.VIOLATION,
    message=_("Platform site %(site)s is %(state)s or belongs to another licence holder; seats connect through an "
              "active site of the platform operator or of the tenant's own licence."),
    source="DOMAIN.md › Licence rules 1 and 3: seats run on the registered platforms of the licence",
    enforced_at=("activating a seat",),
)
