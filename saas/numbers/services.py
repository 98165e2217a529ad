from django.db import transaction
from django.utils import timezone

from compliance.enforcement import guard
from compliance.models import NumberResource
from compliance.rules.subjects import of_number
from saas.api.resources import full_clean_or_400
from saas.audit.services import record
from saas.numbers.models import NumberRoute
from tenants.context import current_tenant


@transaction.atomic
def do_route_number(*, actor, number: NumberResource, **routing) -> NumberRoute:
    """Route one of the tenant's numbers, and mirror the route on the public registry row. Refused if
    the number may not be used (an SMS code, a 96 number outside the licence, not yet filed: NUM-*)."""
    number = NumberResource.objects.select_for_update().get(pk=number.pk)
    route = NumberRoute.objects.filter(number=number).first() or NumberRoute(number=number)
    for field, value in routing.items():
        setattr(route, field, value)
    full_clean_or_400(route)
    with guard(current_tenant(), touching=[of_number(number)]):
        route.save()
        number.routed_queue = route.queue.name
        number.routed_at = timezone.now()
        number.save(update_fields=["routed_queue", "routed_at"])
    record(actor=actor, action="number.routed", target=number,
           data={"number": number.number, "queue": route.queue.name, "closed_action": route.closed_action})
    return route
