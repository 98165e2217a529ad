from django.db.models import Count, Q

from billing.models import SeatMode, Subscription
from saas.seats.models import Seat
from tenants.context import current_tenant


def seat_usage() -> list[dict]:
    """Per kind: seats subscribed, active and defined, for the current tenant."""
    subscribed = dict(Subscription.objects.filter(tenant=current_tenant()).values_list("mode", "quantity"))
    counts = {
        row["kind"]: row
        for row in Seat.objects.values("kind").annotate(
            defined=Count("id"), active=Count("id", filter=Q(status=Seat.Status.ACTIVE))
        )
    }
    return [
        {
            "kind": mode.value,
            "kind_label": str(mode.label),
            "subscribed": subscribed.get(mode.value, 0),
            "active": counts.get(mode.value, {}).get("active", 0),
            "defined": counts.get(mode.value, {}).get("defined", 0),
        }
        for mode in SeatMode
    ]
