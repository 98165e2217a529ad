from django.urls import include, path

from frontend import views
from frontend.billing import urls as billing

app_name = "frontend"

urlpatterns = [
    path("", views.home, name="home"),
    path("console/tenants/", views.tenants, name="tenants"),
    path("console/compliance/", include("frontend.compliance.urls")),
    path("console/billing/", include(billing.platform)),
    path("users/", views.users, name="users"),
    path("audit/", views.audit, name="audit"),
    path("", include("frontend.urls_auth")),
]
