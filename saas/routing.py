from django.urls import path

from tenants.consumers import PlatformTenantsConsumer

platform_routes = [path("ws/platform/tenants/", PlatformTenantsConsumer.as_asgi())]
tenant_routes: list = []
