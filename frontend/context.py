"""Navigation per role: each person sees only the pages their role can use."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saas.accounts.roles import Role

TENANTS = ("frontend:tenants", _("Client enterprises"))
OVERVIEW = ("frontend:home", _("Overview"))
USERS = ("frontend:users", _("Users"))
WORKSPACE = ("frontend:resource-list", _("Call centre setup"), {"resource": "seats"})
AUDIT = ("frontend:audit", _("Audit log"))
COMPLIANCE = ("frontend:compliance-overview", _("Compliance"))
TENANT_COMPLIANCE = ("frontend:compliance-status", _("Compliance"))
BILLING = ("frontend:billing-overview", _("Billing"))
TENANT_INVOICES = ("frontend:tenant-invoices", _("Invoices"))
TELEPHONY = ("frontend:telephony", _("Telephony gateway"))
WALLBOARD = ("frontend:wallboard", _("Wallboard"))
DESKTOP = ("frontend:desktop", _("Agent desktop"))

NAVIGATION = {
    Role.PLATFORM_ADMIN: [TENANTS, COMPLIANCE, BILLING, USERS, AUDIT],
    Role.COMPLIANCE_OFFICER: [TENANTS, COMPLIANCE, AUDIT],
    Role.FINANCE: [TENANTS, BILLING],
    Role.TENANT_ADMIN: [OVERVIEW, WALLBOARD, WORKSPACE, TELEPHONY, TENANT_COMPLIANCE, TENANT_INVOICES, USERS, AUDIT],
    Role.SUPERVISOR: [OVERVIEW, WALLBOARD, WORKSPACE, TELEPHONY, TENANT_COMPLIANCE, USERS],
    Role.AGENT: [OVERVIEW, DESKTOP],
}

# Entries that stay lit on every page of their section, not only on the page they link to.
SECTIONS = {WORKSPACE[0]: "/workspace/", COMPLIANCE[0]: "/console/compliance/", BILLING[0]: "/console/billing/",
            TENANT_INVOICES[0]: "/billing/", TELEPHONY[0]: "/telephony/"}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = []
    for name, label, *kwargs in NAVIGATION.get(user.role, []):
        url = reverse(name, kwargs=kwargs[0] if kwargs else None)
        active = request.path == url or (name in SECTIONS and request.path.startswith(SECTIONS[name]))
        items.append({"url": url, "label": label, "active": active})
    return {"navigation": items, "api_docs_url": "/api/docs/"}
