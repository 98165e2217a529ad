from django.urls import include, path

from frontend import views

app_name = "frontend"

urlpatterns = [
    path("", views.home, name="home"),
    path("console/tenants/", views.tenants, name="tenants"),
    path("console/compliance/", include("frontend.compliance.urls")),
    path("users/", views.users, name="users"),
    path("audit/", views.audit, name="audit"),
    path("", include("frontend.urls_auth")),
]
