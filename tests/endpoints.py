"""Every API endpoint of both hosts, read from the URL configuration itself, so that a new endpoint is
covered by the role and isolation tests without anyone remembering to add it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from saas.api.permissions import PUBLIC

SAMPLE_ARGUMENTS = {"slug": "acme", "pk": "1", "id": "1", "period": "2026-10", "kind": "seats", "rule_id": "BR-02"}
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Endpoint:
    host_kind: str  # "platform" or "tenant"
    path: str
    view_class: type
    methods: tuple[str, ...]

    @property
    def public(self) -> bool:
        return getattr(self.view_class, "roles", None) == PUBLIC

    def __str__(self) -> str:
        return f"{self.host_kind}:{self.path}"


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def concrete(route: str) -> str:
    """A URL route (`<slug:slug>`) or an OpenAPI path (`{slug}`) with sample arguments filled in."""
    path = re.sub(r"<(?:\w+:)?(\w+)>|\{(\w+)\}", lambda m: SAMPLE_ARGUMENTS[m.group(1) or m.group(2)], route)
    return path if path.startswith("/") else "/" + path


def api_endpoints() -> list[Endpoint]:
    endpoints = []
    for host_kind, urlconf in (("platform", "saas.urls_platform"), ("tenant", "saas.urls_tenant")):
        for route, callback in _walk(get_resolver(urlconf).url_patterns):
            view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
            if not route.startswith("api/v1/") or view_class is None:
                continue
            methods = tuple(method for method in HTTP_METHODS if hasattr(view_class, method))
            endpoints.append(Endpoint(host_kind, concrete(route), view_class, methods))
    return endpoints
