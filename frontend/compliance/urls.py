"""Compliance pages on the platform host, under /console/compliance/."""

from frontend.compliance import audit, registry

urlpatterns = [*audit.urlpatterns, *registry.urlpatterns]
