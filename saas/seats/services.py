"""Seats. Activation is capped by the tenant's subscription per kind, and every activation and
deactivation writes the public seat ledger in the same transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import SeatLedgerEntry, SeatMode, Subscription
from compliance.enforcement import guard, refuse_if
from compliance.models import PlatformSite
from compliance.rules import RULES
from compliance.rules.conduct import SEAT_SITE
from compliance.rules.subjects import of_seats_sold_in, of_tenant
from compliance.selectors import default_site
from saas.api.errors import Conflict, DomainError
from saas.audit.services import record
from saas.seats.models import Seat
from tenants.context import current_tenant

LOCKED_WHILE_ACTIVE = ("kind", "site")


def do_create_seat(*, actor, code: str, name: str, kind: str, extension: str,
                   site: PlatformSite | None = None, active: bool = False) -> Seat:
    with transaction.atomic():
        seat = Seat(code=code, name=name, kind=kind, extension=extension, site=site or default_site(current_tenant()))
        _refuse_outsourced_for_self_use(seat)
        _validate(seat)
        seat.save()
        record(actor=actor, action="seat.created", target=seat, data={"code": code, "kind": kind})
        if active:
            _activate(actor, seat)
    return seat


def do_update_seat(*, actor, seat: Seat, **changes) -> Seat:
    """Change a seat's fields; its kind and site only while it is inactive (billing and compliance
    count an active seat under the kind and site it was activated with)."""
    with transaction.atomic():
        seat = Seat.objects.select_for_update().get(pk=seat.pk)
        moved = [field for field in LOCKED_WHILE_ACTIVE if field in changes and changes[field] != getattr(seat, field)]
        if moved and seat.status == Seat.Status.ACTIVE:
            raise Conflict("seat_active", _("Deactivate the seat before changing its kind or platform site."),
                           details={"fields": moved})
        for field, value in changes.items():
            setattr(seat, field, value)
        _refuse_outsourced_for_self_use(seat)
        _validate(seat)
        seat.save()
        record(actor=actor, action="seat.updated", target=seat, data={"fields": sorted(changes)})
    return seat


def do_activate_seat(*, actor, seat: Seat) -> Seat:
    with transaction.atomic():
        seat = Seat.objects.select_for_update().get(pk=seat.pk)
        if seat.status != Seat.Status.ACTIVE:
            _activate(actor, seat)
    return seat


def do_deactivate_seat(*, actor, seat: Seat) -> Seat:
    with transaction.atomic():
        seat = Seat.objects.select_for_update().get(pk=seat.pk)
        # A login locks the seat too: logged-in seats never outnumber active ones.
        if seat.sessions.filter(ended_at__isnull=True).exists():
            raise Conflict("seat_in_use", _("An agent is logged into this seat. Log them out first."))
        if seat.status == Seat.Status.ACTIVE:
            seat.status = Seat.Status.INACTIVE
            seat.save(update_fields=["status", "updated_at"])
            _ledger(actor, seat, SeatLedgerEntry.Event.DEACTIVATED)
            record(actor=actor, action="seat.deactivated", target=seat)
    return seat


def _activate(actor, seat: Seat) -> None:
    tenant = current_tenant()
    site = seat.site
    usable = site.state == PlatformSite.State.ACTIVE and (site.licence.holder.is_platform
                                                           or site.licence.holder_id == tenant.pk)
    refuse_if(not usable, SEAT_SITE, site=site.name, state=site.get_state_display())
    # The seat ledger is what compliance reads: whether the operator's licence covers the tenant's
    # province (COV-02), and whether a self-use tenant now runs outsourced seats (SELF-01).
    with guard(tenant, touching=[of_tenant(tenant), of_seats_sold_in(tenant.province)]):
        _activate_within_subscription(actor, seat)


def _activate_within_subscription(actor, seat: Seat) -> None:
    # Locking the subscription row serialises activations of one kind in one tenant, so two
    # concurrent requests cannot both take the last seat.
    subscription = Subscription.objects.select_for_update().filter(tenant=current_tenant(), mode=seat.kind).first()
    subscribed = subscription.quantity if subscription else 0
    active = Seat.objects.filter(kind=seat.kind, status=Seat.Status.ACTIVE).count()
    if active >= subscribed:
        raise Conflict(
            "seat_limit_reached",
            _("All %(subscribed)d subscribed seats of this kind are active. Deactivate one or subscribe to more.")
            % {"subscribed": subscribed},
            details={"kind": seat.kind, "subscribed": subscribed, "active": active},
        )
    seat.status = Seat.Status.ACTIVE
    seat.save(update_fields=["status", "updated_at"])
    _ledger(actor, seat, SeatLedgerEntry.Event.ACTIVATED)
    record(actor=actor, action="seat.activated", target=seat)


def _ledger(actor, seat: Seat, event: str) -> None:
    SeatLedgerEntry.objects.create(
        tenant=current_tenant(), seat_id=seat.pk, seat_code=seat.code, mode=seat.kind, event=event,
        at=timezone.now(), actor_username=getattr(actor, "username", ""),
    )


def _refuse_outsourced_for_self_use(seat: Seat) -> None:
    tenant = current_tenant()
    refuse_if(seat.kind == SeatMode.OUTSOURCED and tenant.business_type == tenant.BusinessType.SELF_USE,
              RULES["SELF-01"], tenant=tenant.legal_name, seats=1)


def _validate(seat: Seat) -> None:
    try:
        seat.full_clean()
    except ValidationError as error:
        raise DomainError("invalid", _("Some fields are not valid."), details=error.message_dict) from error
