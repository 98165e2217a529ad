"""Every API view says which roles it admits; a view that says nothing admits nobody."""

from __future__ import annotations

from dataclasses import dataclass, field

from rest_framework.permissions import SAFE_METHODS, BasePermission

from saas.accounts.roles import Role


@dataclass(frozen=True)
class Roles:
    """Roles allowed to read (safe methods) and to write. Writers may always read."""

    read: frozenset[Role] = field(default_factory=frozenset)
    write: frozenset[Role] = field(default_factory=frozenset)

    def __init__(self, *, read=(), write=()):
        object.__setattr__(self, "write", frozenset(write))
        object.__setattr__(self, "read", frozenset(read) | self.write)

    def admits(self, role: str, method: str) -> bool:
        return role in (self.read if method in SAFE_METHODS else self.write)


PUBLIC = "public"  # marks a view open without login (health, token); says so explicitly


class RolePermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        roles = getattr(view, "roles", None)
        if roles == PUBLIC:
            return True
        if not isinstance(roles, Roles):
            return False  # fail closed: a view must declare its roles
        user = request.user
        return bool(user and user.is_authenticated and roles.admits(user.role, request.method))
