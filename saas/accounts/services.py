"""Login, tokens and users. Failed logins are counted per host and username and per host and address."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name
from rest_framework import status

from saas.accounts.models import ApiToken, User
from saas.accounts.roles import PLATFORM_ROLES, TENANT_ROLES
from saas.api.errors import Conflict, DomainError
from saas.audit.services import record


class LoginThrottled(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, wait: int):
        super().__init__(
            "login_throttled",
            _("Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": max(1, wait // 60)},
        )
        self.wait = wait


def _failure_keys(username: str, address: str) -> list[str]:
    # The cache key function adds the schema, so the counters are per host.
    return [f"login-failures:user:{username.lower()}", f"login-failures:addr:{address}"]


def login_check(*, username: str, password: str, address: str) -> User:
    """The user for these credentials, or an error; refuses while too many recent failures."""
    keys = _failure_keys(username, address)
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    if any((cache.get(key) or 0) >= settings.LOGIN_FAILURE_LIMIT for key in keys):
        raise LoginThrottled(wait=window)
    user = authenticate(username=username, password=password)
    if user is None:
        for key in keys:
            if not cache.add(key, 1, timeout=window):
                cache.incr(key)
        raise DomainError(
            "invalid_credentials", _("The username or password is wrong."), status_code=status.HTTP_400_BAD_REQUEST
        )
    cache.delete_many(keys)
    return user


def do_issue_token(*, user: User) -> tuple[ApiToken, str]:
    """A new token; the key is returned once and never stored."""
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            digest=ApiToken.digest_of(key),
            expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
        record(actor=user, action="auth.token_issued", target=token)
    return token, key


def allowed_roles_here() -> frozenset[str]:
    return PLATFORM_ROLES if connection.schema_name == get_public_schema_name() else TENANT_ROLES


def do_create_user(*, actor, username: str, password: str, role: str, display_name: str = "", email: str = "") -> User:
    """A user in the current schema; platform roles only on the platform, tenant roles only in tenants."""
    if role not in allowed_roles_here():
        raise DomainError("role_not_allowed_here", _("This role cannot be given on this host."))
    if User.objects.filter(username=username).exists():
        raise Conflict("username_taken", _("This username is already taken."), details={"username": username})
    with transaction.atomic():
        user = User(username=username, role=role, display_name=display_name, email=email)
        user.set_password(password)
        user.save()
        record(actor=actor, action="user.created", target=user, data={"username": username, "role": role})
    return user
