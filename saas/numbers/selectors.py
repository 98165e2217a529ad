from compliance.models import NumberResource
from saas.numbers.models import NumberRoute
from tenants.context import current_tenant


def tenant_numbers():
    """The numbers the platform allocated to this tenant, each with its route (`.route`, or None)."""
    numbers = list(NumberResource.objects.filter(tenant=current_tenant()))
    routes = {route.number_id: route for route in
              NumberRoute.objects.select_related("queue", "closed_queue").filter(number__in=numbers)}
    for number in numbers:
        number.route = routes.get(number.pk)
    return numbers
