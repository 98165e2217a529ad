"""The telephony gateway page: the tenant's gateway integrations, whether a gateway is connected now,
and a new integration's key (shown once). Client admins change them; supervisors look."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from frontend.presentation import attach_refusal
from frontend.telephony.forms import GatewayForm
from frontend.views import role_required
from saas.accounts.roles import Role
from saas.acd import gateway
from saas.acd.integrations import (
    do_create_gateway_integration,
    do_rotate_gateway_token,
    do_update_gateway_integration,
)
from saas.acd.models import GatewayIntegration
from saas.api.errors import DomainError

READERS = (Role.TENANT_ADMIN, Role.SUPERVISOR)
REVEAL = "telephony_gateway_credentials"  # session key: a new key and secret, until the next page load


def _reveal(request, integration: GatewayIntegration, key: str) -> None:
    request.session[REVEAL] = {"name": integration.name, "key": key, "webhook_secret": integration.webhook_secret}


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def gateways(request):
    if request.GET.get("as") == "presence":  # the page's badge polls itself
        return render(request, "frontend/telephony/_presence.html", _presence(request))
    can_write = request.user.role == Role.TENANT_ADMIN
    form = GatewayForm(request.POST or None)
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        if form.is_valid():
            try:
                integration, key = do_create_gateway_integration(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                attach_refusal(form, error)
            else:
                _reveal(request, integration, key)
                return redirect("frontend:telephony")
    return render(request, "frontend/telephony/gateways.html", {
        "integrations": GatewayIntegration.objects.order_by("name"), "form": form if can_write else None,
        "can_write": can_write, "revealed": request.session.pop(REVEAL, None), **_presence(request),
    }, status=400 if request.method == "POST" else 200)


def _presence(request) -> dict:
    host = request.get_host()
    return {"connected": gateway.connected(connection.schema_name),
            "socket_url": f"{'wss' if request.is_secure() else 'ws'}://{host}/ws/telephony/gateway/",
            "events_url": request.build_absolute_uri("/api/v1/telephony/events/")}


@role_required(Role.TENANT_ADMIN)
@require_http_methods(["GET", "POST"])
def gateway_edit(request, pk: int):
    integration = get_object_or_404(GatewayIntegration, pk=pk)
    name = integration.name  # the form writes what was typed onto the instance, even when refused
    form = GatewayForm(request.POST or None, instance=integration)
    if request.method == "POST" and form.is_valid():
        try:
            do_update_gateway_integration(actor=request.user, integration=form.instance,
                                          **{name: form.cleaned_data[name] for name in form.changed_data})
        except DomainError as error:
            attach_refusal(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:telephony")
    return render(request, "frontend/telephony/gateway_form.html", {"form": form, "name": name},
                  status=400 if request.method == "POST" else 200)


@require_POST
@role_required(Role.TENANT_ADMIN)
def gateway_rotate(request, pk: int):
    integration = get_object_or_404(GatewayIntegration, pk=pk)
    _reveal(request, integration, do_rotate_gateway_token(actor=request.user, integration=integration))
    return redirect("frontend:telephony")
