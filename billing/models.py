"""Per-seat billing: plans and their prices, subscriptions (the seat caps), the seat ledger, invoice runs,
invoices with their lines, gapless invoice numbers, and what Stripe knows of them.

Money is integer fen everywhere (CNY has two decimals); a VAT rate is an exact decimal fraction.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

PERIOD = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", _("A period is a month written YYYY-MM."), code="invalid_period")


class SeatMode(models.TextChoices):
    HOSTED = "hosted", _("Hosted seat (托管座席)")
    OUTSOURCED = "outsourced", _("Outsourced staffed seat (外包座席)")


class Plan(models.Model):
    """The price of one delivery mode: a monthly price per seat, optionally cheaper from some seat count
    on (graduated tiers, `PlanTier`). One plan per mode is the default, used by subscriptions that name none."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    mode = models.CharField(_("mode"), max_length=16, choices=SeatMode.choices)
    unit_price_fen = models.PositiveBigIntegerField(_("monthly price per seat (fen)"))
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=4, default="0.0600",
                                   validators=[MinValueValidator(0), MaxValueValidator(1)])
    tax_inclusive = models.BooleanField(_("prices include VAT"), default=True)
    currency = models.CharField(max_length=3, default="CNY", editable=False)
    is_default = models.BooleanField(_("default for its mode"), default=False)
    active = models.BooleanField(_("active"), default=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["mode", "code"]
        constraints = [models.UniqueConstraint(fields=["mode"], condition=Q(is_default=True),
                                               name="one_default_plan_per_mode")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def tiers(self) -> list[tuple[int, int]]:
        """(first seat, monthly price) from seat 1 on, in order."""
        return [(1, self.unit_price_fen), *((t.from_seat, t.unit_price_fen) for t in self.price_tiers.all())]


class PlanTier(models.Model):
    """From the `from_seat`-th seat of a mode on (counted per day), each seat costs `unit_price_fen` a month."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="price_tiers")
    from_seat = models.PositiveIntegerField(_("from seat"), validators=[MinValueValidator(2)])
    unit_price_fen = models.PositiveBigIntegerField(_("monthly price per seat (fen)"))

    class Meta:
        ordering = ["plan", "from_seat"]
        constraints = [models.UniqueConstraint(fields=["plan", "from_seat"], name="one_tier_per_seat_count")]

    def __str__(self) -> str:
        return f"{self.plan.code} ≥{self.from_seat}: {self.unit_price_fen}"


class Subscription(models.Model):
    """How many seats of one mode a tenant may run: the cap the workspace enforces, and the plan it pays."""

    tenant = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="subscriptions")
    mode = models.CharField(_("mode"), max_length=16, choices=SeatMode.choices)
    quantity = models.PositiveIntegerField(_("seats"))
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="subscriptions",
                             help_text=_("Empty: the default plan of the mode."))
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant__slug", "mode"]
        constraints = [models.UniqueConstraint(fields=["tenant", "mode"], name="subscription_per_mode")]

    def __str__(self) -> str:
        return f"{self.tenant.slug} {self.mode} × {self.quantity}"


class SubscriptionChange(models.Model):
    """Every quantity or plan a subscription has had, with its time: the history finance answers questions from."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="changes")
    tenant = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=16, choices=SeatMode.choices)
    quantity = models.PositiveIntegerField()
    previous_quantity = models.PositiveIntegerField(null=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.tenant_id}:{self.mode} {self.previous_quantity} → {self.quantity} at {self.at:%Y-%m-%d %H:%M}"


class SeatLedgerEntry(models.Model):
    """One seat switched on or off, written in the same transaction as the seat itself, so that billing
    can count seat-days exactly from this table alone. Never updated or deleted."""

    class Event(models.TextChoices):
        ACTIVATED = "activated", _("Activated")
        DEACTIVATED = "deactivated", _("Deactivated")

    tenant = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="seat_ledger")
    seat_id = models.BigIntegerField()  # the seat's id in the tenant's schema
    seat_code = models.CharField(max_length=32)
    mode = models.CharField(max_length=16, choices=SeatMode.choices)
    event = models.CharField(max_length=16, choices=Event.choices)
    at = models.DateTimeField(db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "at"]),
                   # The state of every seat at a period's start: DISTINCT ON (tenant, seat, mode) … at DESC.
                   models.Index(fields=["tenant", "seat_id", "mode", "at"], name="ledger_seat_history")]

    def __str__(self) -> str:
        return f"{self.tenant_id}:{self.seat_code} {self.event} {self.at:%Y-%m-%d %H:%M}"


class InvoiceRun(models.Model):
    """One pass over every tenant for a period. A run only ever adds missing invoices, so running a period
    again, two runs at once, or a run taken up again after its worker died, never bills anyone twice."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Manual")
        MONTHLY = "monthly", _("Monthly schedule")
        COMMAND = "command", _("Command line")

    period = models.CharField(_("period"), max_length=7, validators=[PERIOD], db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.CharField(max_length=150, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    heartbeat_at = models.DateTimeField(null=True)  # moves with every batch; a stale one means a dead worker
    finished_at = models.DateTimeField(null=True)
    tenants_total = models.PositiveIntegerField(default=0)  # tenants with seat-days in the period
    tenants_done = models.PositiveIntegerField(default=0)
    invoices_created = models.PositiveIntegerField(default=0)
    already_invoiced = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"invoice run #{self.pk} {self.period} {self.state}"

    @property
    def live(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


class Invoice(models.Model):
    """A tenant's bill for one month, or a credit note cancelling one. Drafts are recomputed freely;
    from finalization on nothing of it changes but its status (paid, or void with a credit note)."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINALIZED = "finalized", _("Finalized")
        PAID = "paid", _("Paid")
        VOID = "void", pgettext_lazy("invoice status", "Void")

    tenant = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="invoices")
    period = models.CharField(_("period"), max_length=7, validators=[PERIOD])
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INVOICE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)  # given at finalization
    currency = models.CharField(max_length=3, default="CNY")
    subtotal_fen = models.BigIntegerField(default=0)  # without VAT
    vat_fen = models.BigIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)  # what the tenant pays
    run = models.ForeignKey(InvoiceRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices")
    credits = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="credit_note")  # on a credit note: the invoice it cancels
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="replaced_by")  # on a corrected invoice: the voided one
    created_at = models.DateTimeField(auto_now_add=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    payment_failed_at = models.DateTimeField(null=True, blank=True)  # the last failed attempt, cleared by payment
    stripe_invoice_id = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_event_at = models.DateTimeField(null=True, blank=True)  # the newest Stripe event applied

    class Meta:
        ordering = ["-period", "tenant__slug", "-created_at"]
        indexes = [models.Index(fields=["period", "status"])]
        constraints = [
            # One live invoice per tenant and month. A voided one steps aside for its correction.
            models.UniqueConstraint(fields=["tenant", "period"], name="one_invoice_per_tenant_and_period",
                                    condition=Q(kind="invoice") & ~Q(status="void")),
            models.CheckConstraint(condition=Q(number__isnull=True) | ~Q(status="draft"),
                                   name="drafts_have_no_number"),
        ]

    def __str__(self) -> str:
        return self.number or f"draft #{self.pk} {self.period}"


class InvoiceLine(models.Model):
    """Seat-days of one mode in one price tier, and what they cost."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    mode = models.CharField(max_length=16, choices=SeatMode.choices)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    from_seat = models.PositiveIntegerField(default=1)
    to_seat = models.PositiveIntegerField(null=True, blank=True)  # empty: no upper bound
    seat_days = models.BigIntegerField()  # negative on a credit note
    days_in_period = models.PositiveSmallIntegerField()
    unit_price_fen = models.PositiveBigIntegerField()  # a month of one seat
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4)
    tax_inclusive = models.BooleanField()
    amount_fen = models.BigIntegerField()  # as the plan prices: with VAT when tax_inclusive

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="one_line_per_position")]

    def __str__(self) -> str:
        return f"{self.invoice_id}#{self.position} {self.mode} {self.seat_days} seat-days"


class InvoiceSeries(models.Model):
    """The last number given in a series and year. Finalization locks the row, so numbers are gapless:
    a number is taken in the same transaction that finalizes, and a rollback gives it back."""

    prefix = models.CharField(max_length=8, blank=True)  # "" for invoices, "CN" for credit notes
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="one_series_per_year")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.year}: {self.last_number}"


class StripeCustomer(models.Model):
    tenant = models.OneToOneField("tenants.Client", on_delete=models.PROTECT, related_name="stripe_customer")
    customer_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.tenant_id} → {self.customer_id}"


class StripeEvent(models.Model):
    """A webhook event processed once: its id is the key Stripe retries with."""

    event_id = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=80)
    created = models.DateTimeField()  # Stripe's time of the event, which orders out-of-order deliveries
    received_at = models.DateTimeField(auto_now_add=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.SET_NULL, null=True, related_name="stripe_events")
    outcome = models.CharField(max_length=40)

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}: {self.outcome}"
