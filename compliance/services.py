"""Writes on the licence registry. The compliance rules (the licence issue) hook in here."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from compliance.models import NumberResource
from compliance.numbers import classify
from saas.api.errors import Conflict, DomainError
from saas.api.resources import save_and_record


@transaction.atomic
def do_register_number(*, actor, number: str, tenant=None, province: str = "") -> NumberResource:
    """Register an access number, optionally allocated to a tenant at once. Its kind comes from its digits."""
    classified = classify(number)
    if classified is None:
        raise DomainError("invalid", _("Some fields are not valid."),
                          details={"number": [_("This is not a Chinese telephone number.")]})
    if NumberResource.objects.filter(number=classified.number).exists():
        raise Conflict("number_taken", _("This number is already registered on the platform."))
    resource = NumberResource(number=classified.number, kind=classified.kind, tenant=tenant,
                              province=province or classified.province)
    return save_and_record(actor=actor, instance=resource, action="number.registered")


@transaction.atomic
def do_allocate_number(*, actor, instance: NumberResource, tenant=None, **changes) -> NumberResource:
    """Allocate a number to a tenant, or take it back (tenant None) once the tenant no longer routes it."""
    if instance.tenant_id and tenant != instance.tenant and instance.routed_queue:
        raise Conflict("number_routed", _("The tenant still routes this number to a queue."))
    instance.tenant = tenant
    for field, value in changes.items():
        setattr(instance, field, value)
    return save_and_record(actor=actor, instance=instance, action="number.allocated",
                           fields=["tenant", *sorted(changes)])
