"""Pages. Thin: they call the same services and selectors as the API."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_tenants.utils import get_public_schema_name

from frontend.forms import ClientForm, ThrottledLoginForm
from frontend.presentation import from_htmx
from saas.accounts.models import User
from saas.accounts.roles import PLATFORM_ROLES, Role
from saas.api.errors import DomainError
from saas.audit.models import AuditEvent
from tenants.models import Client
from tenants.selectors import client_list
from tenants.services import do_request_tenant


def role_required(*roles):
    def decorator(view):
        @login_required
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator


class LoginView(auth_views.LoginView):
    template_name = "frontend/login.html"
    authentication_form = ThrottledLoginForm
    redirect_authenticated_user = True


def _on_platform(request) -> bool:
    return request.tenant.schema_name == get_public_schema_name()


@login_required
def home(request):
    if _on_platform(request) and request.user.role in PLATFORM_ROLES:
        return redirect("frontend:tenants")
    return render(request, "frontend/home.html", {"tenant": request.tenant})


def _initial_admin_message(client) -> str:
    return _("First client admin of %(tenant)s: %(username)s / %(password)s — shown only now.") % {
        "tenant": client.legal_name, "username": client.initial_admin_username or "admin",
        "password": client.initial_admin_password}


@role_required(*PLATFORM_ROLES)
@require_http_methods(["GET", "POST"])
def tenants(request):
    """The tenant list, with a form that provisions a new one (platform admins only)."""
    form = ClientForm(request.POST or None)
    can_provision = request.user.role == Role.PLATFORM_ADMIN
    if request.method == "POST":
        if not can_provision:
            raise PermissionDenied
        if form.is_valid():
            try:
                client = do_request_tenant(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if from_htmx(request):
                    return render(request, "frontend/_tenant_row.html", {"client": client, "new": True})
                messages.warning(request, _initial_admin_message(client))
                return redirect("frontend:tenants")
        if from_htmx(request):
            return render(request, "frontend/_tenant_form.html", {"form": form}, status=400)
    return render(
        request,
        "frontend/tenants.html",
        {
            "clients": client_list(),
            "form": ClientForm(),
            "can_provision": can_provision,
            "status_labels": {status.value: str(status.label) for status in Client.Status},
        },
    )


@role_required(Role.PLATFORM_ADMIN, Role.TENANT_ADMIN, Role.SUPERVISOR)
def users(request):
    """The people who log in on this host (the host's own schema only)."""
    return render(request, "frontend/users.html", {"users": User.objects.order_by("username")})


@role_required(Role.PLATFORM_ADMIN, Role.COMPLIANCE_OFFICER, Role.TENANT_ADMIN)
def audit(request):
    events = AuditEvent.objects.select_related("tenant")
    if not _on_platform(request):
        events = events.filter(tenant=request.tenant)
    return render(request, "frontend/audit.html", {"events": events[:200]})
