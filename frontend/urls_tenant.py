from django.urls import include, path

from frontend import views, workspace
from frontend.billing import urls as billing
from frontend.compliance import audit as compliance_audit
from frontend.desktop import views as desktop
from frontend.wallboard import views as wallboard

app_name = "frontend"

urlpatterns = [
    path("", views.home, name="home"),
    path("users/", views.users, name="users"),
    path("workspace/numbers/", workspace.number_list, name="numbers"),
    path("workspace/numbers/<int:pk>/", workspace.number_route, name="number-route"),
    path("workspace/<slug:resource>/", workspace.resource_list, name="resource-list"),
    path("workspace/<slug:resource>/new/", workspace.resource_form, name="resource-new"),
    path("workspace/<slug:resource>/import/", workspace.resource_import, name="resource-import"),
    path("workspace/<slug:resource>/<int:pk>/", workspace.resource_form, name="resource-edit"),
    path("workspace/<slug:resource>/<int:pk>/on/", workspace.resource_switch, {"on": True}, name="resource-on"),
    path("workspace/<slug:resource>/<int:pk>/off/", workspace.resource_switch, {"on": False}, name="resource-off"),
    path("compliance/", compliance_audit.tenant_status, name="compliance-status"),
    path("billing/", include(billing.tenant)),
    path("telephony/", include("frontend.telephony.urls")),
    path("wallboard/", wallboard.page, name="wallboard"),
    path("desktop/", desktop.page, name="desktop"),
    path("audit/", views.audit, name="audit"),
    path("", include("frontend.urls_auth")),
]
