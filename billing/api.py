"""Billing API. Platform host: plans, subscriptions, invoice runs and invoices (finance writes, platform
admins read). Tenant host: a client admin reads the tenant's own issued invoices."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors, services
from billing.documents import pdf_response
from billing.models import Invoice, InvoiceLine, InvoiceRun, Plan, PlanTier, Subscription
from billing.pricing import Period
from saas.accounts.roles import Role
from saas.api.actions import action_view
from saas.api.permissions import Roles
from saas.api.resources import invalid_filter, resource_views
from tenants.models import Client

FINANCE = Roles(read={Role.PLATFORM_ADMIN}, write={Role.FINANCE})
TENANT_ADMIN = Roles(read={Role.TENANT_ADMIN})


# --- Plans ---------------------------------------------------------------------------------------------

class PlanTierSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanTier
        fields = ["from_seat", "unit_price_fen"]


class PlanSerializer(serializers.ModelSerializer):
    tiers = PlanTierSerializer(many=True, required=False, source="price_tiers",
                               help_text="Graduated prices: from the n-th seat on (n ≥ 2), each seat costs this.")

    class Meta:
        model = Plan
        fields = ["id", "code", "name", "mode", "unit_price_fen", "vat_rate", "tax_inclusive", "currency",
                  "is_default", "active", "tiers", "changed_at"]
        validators = []  # uniqueness is the service's (409), not a 400 here

    def validate(self, data):
        if "price_tiers" in data:
            data["tiers"] = data.pop("price_tiers")
        return data


PlanListView, PlanDetailView = resource_views(
    name="Plan", serializer=PlanSerializer, roles=FINANCE,
    queryset=lambda request: Plan.objects.prefetch_related("price_tiers"),
    create=services.do_create_plan, update=services.do_change_plan, filters=("mode", "active"),
)
PlanListView = extend_schema_view(post=extend_schema(examples=[OpenApiExample(
    "Outsourced seats, cheaper from the 21st", request_only=True,
    value={"code": "outsourced-2027", "name": "外包座席 2027", "mode": "outsourced", "unit_price_fen": 680000,
           "vat_rate": "0.0600", "tax_inclusive": False, "tiers": [{"from_seat": 21, "unit_price_fen": 620000}]})],
))(PlanListView)


# --- Subscriptions ---------------------------------------------------------------------------------------

class SubscriptionSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", queryset=Client.objects.exclude(schema_name="public")
                                          .exclude(status=Client.Status.ARCHIVED))
    plan = serializers.SlugRelatedField(slug_field="code", queryset=Plan.objects.filter(active=True),
                                        required=False, allow_null=True)

    class Meta:
        model = Subscription
        fields = ["id", "tenant", "mode", "quantity", "plan", "changed_at"]
        validators = []  # one per tenant and mode: the service answers 409 subscription_exists

    def validate(self, data):
        if self.instance is not None and {"tenant", "mode"} & {
                key for key, value in data.items() if value != getattr(self.instance, key)}:
            raise serializers.ValidationError("Only the quantity and the plan of a subscription change.")
        return data


SubscriptionListView, SubscriptionDetailView = resource_views(
    name="Subscription", serializer=SubscriptionSerializer, roles=FINANCE,
    queryset=lambda request: Subscription.objects.select_related("tenant", "plan"),
    create=services.do_subscribe, update=services.do_change_subscription, filters=("mode",),
)
SubscriptionListView = extend_schema_view(post=extend_schema(examples=[OpenApiExample(
    "20 hosted seats for acme", request_only=True, value={"tenant": "acme", "mode": "hosted", "quantity": 20})],
))(SubscriptionListView)


# --- Invoice runs ----------------------------------------------------------------------------------------

class InvoiceRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceRun
        fields = ["id", "period", "state", "trigger", "requested_by", "requested_at", "started_at", "heartbeat_at",
                  "finished_at", "tenants_total", "tenants_done", "invoices_created", "already_invoiced", "error"]
        read_only_fields = fields


class RunRequestSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="The month to invoice, YYYY-MM; it must have ended.")


class InvoiceRunListView(generics.ListAPIView):
    """Invoice runs, newest first: the monthly ones (the 1st, 02:00 Shanghai time) and those started here."""

    roles = FINANCE
    serializer_class = InvoiceRunSerializer
    queryset = InvoiceRun.objects.all()

    @extend_schema(request=RunRequestSerializer, responses={202: InvoiceRunSerializer},
                   examples=[OpenApiExample("October 2026", request_only=True, value={"period": "2026-10"})],
                   description="Draft last month's invoices on the worker. A run already queued or running for "
                               "the period is answered instead of a new one; a finished period drafts only what is "
                               "missing. Poll the run (`Location`) until its state is `finished`.")
    def post(self, request):
        data = RunRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.do_request_invoice_run(actor=request.user, period=data.validated_data["period"])
        location = reverse("api:invoice-run-detail", kwargs={"pk": run.pk})
        return Response(InvoiceRunSerializer(run).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": location})


class InvoiceRunDetailView(generics.RetrieveAPIView):
    roles = FINANCE
    serializer_class = InvoiceRunSerializer
    queryset = InvoiceRun.objects.all()


# --- Invoices --------------------------------------------------------------------------------------------

class InvoiceLineSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code")

    class Meta:
        model = InvoiceLine
        fields = ["position", "mode", "plan", "from_seat", "to_seat", "seat_days", "days_in_period",
                  "unit_price_fen", "vat_rate", "tax_inclusive", "amount_fen"]


class InvoiceSerializer(serializers.ModelSerializer):
    tenant = serializers.CharField(source="tenant.slug")
    tenant_name = serializers.CharField(source="tenant.legal_name")
    credits = serializers.CharField(source="credits.number", default=None)
    replaces = serializers.PrimaryKeyRelatedField(read_only=True)
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = ["id", "number", "kind", "status", "tenant", "tenant_name", "period", "currency", "subtotal_fen",
                  "vat_fen", "total_fen", "credits", "replaces", "created_at", "finalized_at", "paid_at",
                  "voided_at", "payment_failed_at", "pdf"]
        read_only_fields = fields

    def get_pdf(self, invoice) -> str:
        return reverse("api:invoice-pdf", kwargs={"pk": invoice.pk})


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines"]
        read_only_fields = fields


def _filtered_invoices(request, rows):
    params = request.query_params
    for name, choices in (("status", Invoice.Status.values), ("kind", Invoice.Kind.values)):
        if (value := params.get(name)) and value not in choices:
            raise invalid_filter(name, value)
    if period := params.get("period"):
        try:
            Period.parse(period)
        except ValueError:
            raise invalid_filter("period", period) from None
    return rows.filter(**{key: params[key] for key in ("period", "status", "kind") if params.get(key)})


INVOICE_FILTERS = [
    OpenApiParameter("period", str, description="YYYY-MM"),
    OpenApiParameter("status", str, enum=Invoice.Status.values),
    OpenApiParameter("kind", str, enum=Invoice.Kind.values),
]


@extend_schema_view(get=extend_schema(parameters=[*INVOICE_FILTERS, OpenApiParameter(
    "tenant", str, description="A tenant's slug")]))
class InvoiceListView(generics.ListAPIView):
    """Every tenant's invoices and credit notes, newest period first."""

    roles = FINANCE
    serializer_class = InvoiceSerializer

    def get_queryset(self):
        rows = _filtered_invoices(self.request, selectors.invoice_list())
        if slug := self.request.query_params.get("tenant"):
            rows = rows.filter(tenant__slug=slug)
        return rows


class InvoiceDetailView(generics.RetrieveAPIView):
    roles = FINANCE
    serializer_class = InvoiceDetailSerializer
    queryset = Invoice.objects.select_related("tenant", "credits").prefetch_related("lines__plan")


class InvoicePdfView(APIView):
    roles = FINANCE

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, summary="The invoice as a PDF")
    def get(self, request, pk: int):
        return pdf_response(get_object_or_404(selectors.invoice_list().prefetch_related("lines__plan"), pk=pk))


def _invoice(pk: int) -> Invoice:
    return get_object_or_404(Invoice, pk=pk)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    reissue = serializers.BooleanField(default=True, help_text="Draft a corrected invoice from today's ledger.")


class InvoicePaySerializer(serializers.Serializer):
    paid_at = serializers.DateTimeField(required=False, source="at",
                                        help_text="When the money arrived; now if left out.")


def _invoice_action(action, summary: str, **body) -> type[APIView]:
    return action_view(action=action, roles=FINANCE, load=_invoice, argument="invoice", output=InvoiceSerializer,
                       summary=summary, **body)


InvoiceFinalizeView = _invoice_action(services.do_finalize_invoice, "Number the draft and issue it")
InvoiceVoidView = _invoice_action(
    services.do_void_invoice, "Void an invoice: a finalized one gets a credit note (answered), a draft just goes",
    body=VoidSerializer, example={"reason": "座席数有误 wrong seat count", "reissue": True})
InvoicePayView = _invoice_action(services.do_mark_paid, "Record a payment received outside Stripe (a bank transfer)",
                                 body=InvoicePaySerializer)


# --- Tenant host -----------------------------------------------------------------------------------------

def _own_issued(request):
    return selectors.issued_invoices(request.tenant)


@extend_schema_view(get=extend_schema(parameters=INVOICE_FILTERS))
class TenantInvoiceListView(generics.ListAPIView):
    """This tenant's issued invoices and credit notes (drafts are not issued yet)."""

    roles = TENANT_ADMIN
    serializer_class = InvoiceSerializer

    def get_queryset(self):
        return _filtered_invoices(self.request, _own_issued(self.request))


class TenantInvoiceDetailView(generics.RetrieveAPIView):
    roles = TENANT_ADMIN
    serializer_class = InvoiceDetailSerializer

    def get_queryset(self):
        return _own_issued(self.request).prefetch_related("lines__plan")


class TenantInvoicePdfView(APIView):
    roles = TENANT_ADMIN

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, summary="The invoice as a PDF")
    def get(self, request, pk: int):
        return pdf_response(get_object_or_404(_own_issued(request).prefetch_related("lines__plan"), pk=pk))
