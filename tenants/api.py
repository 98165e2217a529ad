from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.services import do_set_outbound
from saas.accounts.roles import PLATFORM_ROLES, Role
from saas.api.actions import action_view
from saas.api.pagination import Pagination
from saas.api.permissions import Roles
from tenants.models import Client
from tenants.selectors import client_get, client_list
from tenants.services import do_archive_tenant, do_request_tenant, do_resume_tenant, do_suspend_tenant

TENANT_ROLES = Roles(read=PLATFORM_ROLES, write={Role.PLATFORM_ADMIN})


class ClientInput(serializers.Serializer):
    slug = serializers.CharField(max_length=30)
    legal_name = serializers.CharField(max_length=200)
    uscc = serializers.CharField(max_length=18, min_length=18)
    business_type = serializers.ChoiceField(choices=Client.BusinessType.choices)
    admin_username = serializers.RegexField(r"^[\w.@+-]{3,150}$", default="admin",
                                            help_text="The first client admin; its password is in the answer, once.")


class ClientOutput(serializers.ModelSerializer):
    domain = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = [
            "slug", "legal_name", "uscc", "business_type", "status", "ready", "provisioning_error",
            "domain", "created_at", "status_changed_at", "status_url",
        ]

    def get_domain(self, client) -> str | None:
        domain = next(iter(client.domains.all()), None)
        return domain.domain if domain else None

    def get_status_url(self, client) -> str:
        return reverse("api:tenant-detail", kwargs={"slug": client.slug})


class InitialAdminOutput(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(help_text="Shown in this answer only; never stored in clear.")


class ClientCreatedOutput(ClientOutput):
    initial_admin = InitialAdminOutput(read_only=True)

    class Meta(ClientOutput.Meta):
        fields = [*ClientOutput.Meta.fields, "initial_admin"]


def _client_or_404(slug: str) -> Client:
    client = client_get(slug=slug)
    if client is None:
        raise NotFound()
    return client


class ClientListView(APIView):
    """Client enterprises. Creating one answers 202: poll `status_url` until `ready` is true."""

    roles = TENANT_ROLES

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=Client.Status.values)], responses=ClientOutput(many=True)
    )
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(client_list(status=request.query_params.get("status")), request, self)
        return paginator.get_paginated_response(ClientOutput(page, many=True).data)

    @extend_schema(
        request=ClientInput,
        responses={202: ClientCreatedOutput},
        examples=[
            OpenApiExample(
                "a self-use tenant",
                value={"slug": "acme", "legal_name": "艾克米科技有限公司",
                       "uscc": "91110000802100433B", "business_type": "self_use"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = ClientInput(data=request.data)
        data.is_valid(raise_exception=True)
        client = do_request_tenant(actor=request.user, **data.validated_data)
        body = {**ClientOutput(client).data, "initial_admin": {
            "username": data.validated_data["admin_username"], "password": client.initial_admin_password}}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]})


class ClientDetailView(APIView):
    roles = TENANT_ROLES

    @extend_schema(responses=ClientOutput)
    def get(self, request, slug):
        return Response(ClientOutput(_client_or_404(slug)).data)


def _client_action(action, summary: str):
    return action_view(action=action, roles=TENANT_ROLES, load=_client_or_404, argument="client",
                       output=ClientOutput, summary=summary)


ClientSuspendView = _client_action(do_suspend_tenant, "Suspend: keep data, refuse logins")
ClientResumeView = _client_action(do_resume_tenant, "Resume a suspended client enterprise")
ClientArchiveView = _client_action(do_archive_tenant, "Archive: keep the schema, free the domain")


class OutboundInput(serializers.Serializer):
    enabled = serializers.BooleanField()


class ClientOutboundOutput(ClientOutput):
    class Meta(ClientOutput.Meta):
        fields = [*ClientOutput.Meta.fields, "outbound_enabled"]


class ClientOutboundView(APIView):
    """Switch a client enterprise's outbound calling (外呼). Enabling it needs a licence it runs under with the
    written outbound commitment on file (工信部信管〔2020〕81号): otherwise 409 `OUT-01`, and nothing changes."""

    roles = Roles(write={Role.PLATFORM_ADMIN, Role.COMPLIANCE_OFFICER})

    @extend_schema(request=OutboundInput, responses=ClientOutboundOutput, summary="Enable or disable outbound calling",
                   examples=[OpenApiExample("enable", value={"enabled": True}, request_only=True)])
    def post(self, request, slug):
        data = OutboundInput(data=request.data)
        data.is_valid(raise_exception=True)
        client = do_set_outbound(actor=request.user, tenant=_client_or_404(slug), **data.validated_data)
        return Response(ClientOutboundOutput(client).data)
