from django.utils.translation import gettext_lazy as _
from django_tenants.middleware.main import TenantMainMiddleware

from saas.api.errors import error_response

HEALTH_PATH = "/api/v1/health/"


class TenantMiddleware(TenantMainMiddleware):
    """Host → tenant, as django-tenants does, plus our refusals.

    An unknown host is a 404 in the product's error shape, never a fall-back to another tenant.
    A tenant that is not serving (provisioning, suspended) keeps its data but answers nothing but health.
    """

    def no_tenant_found(self, request, hostname):
        return error_response(
            request, code="tenant_not_found", message=_("No client enterprise has this address."), status_code=404
        )

    def process_request(self, request):
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        if tenant.serving or request.path == HEALTH_PATH:
            return None
        if tenant.status == tenant.Status.SUSPENDED:
            return error_response(
                request,
                code="tenant_suspended",
                message=_("This client enterprise is suspended. Please contact the platform operator."),
                status_code=403,
            )
        return error_response(
            request,
            code="tenant_not_ready",
            message=_("This client enterprise is still being set up. Please try again shortly."),
            status_code=409,
        )
