"""Writes on seat subscriptions. Plans, prices and invoices arrive with the billing issue."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from billing.models import Subscription
from compliance.enforcement import guard
from compliance.rules.subjects import of_tenant
from saas.api.errors import Conflict
from saas.api.resources import save_and_record
from saas.audit.services import record


@transaction.atomic
def do_subscribe(*, actor, tenant, mode: str, quantity: int) -> Subscription:
    if Subscription.objects.filter(tenant=tenant, mode=mode).exists():
        raise Conflict("subscription_exists",
                       _("This tenant already subscribes seats of this kind; change its quantity."))
    # A self-use tenant subscribing outsourced seats is refused here (SELF-01).
    with guard(tenant, touching=[of_tenant(tenant)]):
        return save_and_record(actor=actor, instance=Subscription(tenant=tenant, mode=mode, quantity=quantity),
                               action="subscription.created")


@transaction.atomic
def do_change_subscription(*, actor, instance: Subscription, quantity: int | None = None,
                           **_unchanged) -> Subscription:
    """A new seat quantity; active seats above it stay active (they are billed) but no more can be added."""
    subscription = Subscription.objects.select_for_update().get(pk=instance.pk)
    if quantity is None or quantity == subscription.quantity:
        return subscription
    previous = subscription.quantity
    with guard(subscription.tenant, touching=[of_tenant(subscription.tenant)]):
        subscription.quantity = quantity
        subscription.full_clean()
        subscription.save()
    record(actor=actor, action="subscription.changed", target=subscription, tenant=subscription.tenant,
           data={"mode": subscription.mode, "from": previous, "to": quantity})
    return subscription
