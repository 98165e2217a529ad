"""Navigation per role: each person sees only the pages their role can use."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saas.accounts.roles import Role

TENANTS = ("frontend:tenants", _("Client enterprises"))
OVERVIEW = ("frontend:home", _("Overview"))
USERS = ("frontend:users", _("Users"))
AUDIT = ("frontend:audit", _("Audit log"))

NAVIGATION = {
    Role.PLATFORM_ADMIN: [TENANTS, USERS, AUDIT],
    Role.COMPLIANCE_OFFICER: [TENANTS, AUDIT],
    Role.FINANCE: [TENANTS],
    Role.TENANT_ADMIN: [OVERVIEW, USERS, AUDIT],
    Role.SUPERVISOR: [OVERVIEW, USERS],
    Role.AGENT: [OVERVIEW],
}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    current = request.path
    items = []
    for name, label in NAVIGATION.get(user.role, []):
        url = reverse(name)
        items.append({"url": url, "label": label, "active": current == url})
    return {"navigation": items, "api_docs_url": "/api/docs/"}
