"""Navigation per role: each person sees only the pages their role can use."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saas.accounts.roles import Role

TENANTS = ("frontend:tenants", _("Client enterprises"))
OVERVIEW = ("frontend:home", _("Overview"))
USERS = ("frontend:users", _("Users"))
WORKSPACE = ("frontend:resource-list", _("Call centre setup"), {"resource": "seats"})
AUDIT = ("frontend:audit", _("Audit log"))

NAVIGATION = {
    Role.PLATFORM_ADMIN: [TENANTS, USERS, AUDIT],
    Role.COMPLIANCE_OFFICER: [TENANTS, AUDIT],
    Role.FINANCE: [TENANTS],
    Role.TENANT_ADMIN: [OVERVIEW, WORKSPACE, USERS, AUDIT],
    Role.SUPERVISOR: [OVERVIEW, WORKSPACE, USERS],
    Role.AGENT: [OVERVIEW],
}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = []
    for name, label, *kwargs in NAVIGATION.get(user.role, []):
        url = reverse(name, kwargs=kwargs[0] if kwargs else None)
        # The setup entry stays lit on every workspace page.
        active = request.path == url or (name == WORKSPACE[0] and request.path.startswith("/workspace/"))
        items.append({"url": url, "label": label, "active": active})
    return {"navigation": items, "api_docs_url": "/api/docs/"}
