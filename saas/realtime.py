"""Websockets with tenancy. django-tenants only knows HTTP, so Host → tenant is resolved here.

The middleware puts the tenant and the logged-in user of that tenant's schema in the scope, and
picks the platform's or the tenants' routes. Consumers must wrap any database work in
`tenant_context(scope["tenant"])` and name their groups with the schema (see `group_name`).
"""

from __future__ import annotations

import json
from importlib import import_module
from types import SimpleNamespace

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer
from channels.routing import URLRouter
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.urls import re_path
from django.utils.crypto import constant_time_compare
from django_tenants.utils import get_public_schema_name, tenant_context

from saas.language import request_language
from tenants.models import Domain

CLOSE_NOT_FOUND = 4404
CLOSE_FORBIDDEN = 4403


def group_name(tenant, *parts: str) -> str:
    return ".".join([tenant.schema_name, *parts])


def _host(scope) -> str:
    headers = dict(scope.get("headers", []))
    return headers.get(b"host", b"").decode("latin-1").split(":")[0].lower()


def _cookies(scope) -> dict[str, str]:
    return parse_cookie(dict(scope.get("headers", [])).get(b"cookie", b"").decode("latin-1"))


def _session_key(scope) -> str | None:
    return _cookies(scope).get(settings.SESSION_COOKIE_NAME)


def scope_language(scope) -> str:
    """The language of the page that opened the socket (its language cookie, else Chinese): a socket's
    messages speak as the page does."""
    return request_language(SimpleNamespace(path=scope["path"], COOKIES=_cookies(scope)))


def _user_in_session(session) -> object:
    """The same checks as django.contrib.auth.get_user, without a request object."""
    try:
        user_id = session[SESSION_KEY]
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    user = load_backend(backend_path).get_user(user_id)
    if user is None or not constant_time_compare(session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return AnonymousUser()
    return user


@database_sync_to_async
def resolve(scope):
    domain = Domain.objects.select_related("tenant").filter(domain=_host(scope)).first()
    if domain is None or not domain.tenant.serving:
        return None, AnonymousUser()
    tenant = domain.tenant
    with tenant_context(tenant):
        session = import_module(settings.SESSION_ENGINE).SessionStore(_session_key(scope))
        return tenant, _user_in_session(session)


class BrowserConsumer(AsyncJsonWebsocketConsumer):
    """A page's socket: a frame that is not JSON reaches `receive_json` as None (to be answered as
    invalid), instead of an exception that would drop the connection."""

    async def receive(self, text_data=None, bytes_data=None):
        try:
            content = json.loads(text_data or "")
        except ValueError:
            content = None
        await self.receive_json(content)


class NoRouteConsumer(AsyncWebsocketConsumer):
    """Closes a websocket whose path this host does not serve (instead of an exception in the router)."""

    async def connect(self):
        await self.close(code=CLOSE_NOT_FOUND)


class TenantWebsocketMiddleware:
    def __init__(self, platform_routes: list, tenant_routes: list):
        fallback = re_path(r"", NoRouteConsumer.as_asgi())
        self.platform = URLRouter([*platform_routes, fallback])
        self.tenants = URLRouter([*tenant_routes, fallback])

    async def __call__(self, scope, receive, send):
        tenant, user = await resolve(scope)
        if tenant is None:
            await receive()  # the websocket.connect message
            await send({"type": "websocket.close", "code": CLOSE_NOT_FOUND})
            return None
        scope = {**scope, "tenant": tenant, "user": user}
        router = self.platform if tenant.schema_name == get_public_schema_name() else self.tenants
        return await router(scope, receive, send)
