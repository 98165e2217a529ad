"""List/create and retrieve/update endpoints for a model whose writes go through `do_*` services.

Deactivation is an update (`{"active": false}`) or a named action: configuration rows are never
deleted, because calls, KPIs and the audit log keep pointing at them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import generics

from saas.api.errors import DomainError
from saas.audit.services import record


def full_clean_or_400(instance, **kwargs) -> None:
    """Model validation, answered as the product's 400 with every field's messages."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        raise DomainError("invalid", _("Some fields are not valid."), details=error.message_dict) from error


def resource_views(*, name: str, serializer, roles, queryset: Callable, create: Callable, update: Callable,
                   delete: Callable | None = None, filters: tuple[str, ...] = ()) -> tuple[type, type]:
    """(list view, detail view) for one resource.

    `queryset(request)` scopes what the caller may see; `create(actor=…, **data)`,
    `update(actor=…, instance=…, **changes)` and, for the few rows that may go, `delete(actor=…,
    instance=…)` are the services.
    """

    class ListView(generics.ListCreateAPIView):
        serializer_class = serializer
        filterset_fields = filters

        def get_queryset(self):
            return filtered(queryset(self.request), self.request, filters)

        def perform_create(self, serializer):
            serializer.instance = create(actor=self.request.user, **serializer.validated_data)

    class DetailView(generics.RetrieveUpdateDestroyAPIView):
        serializer_class = serializer
        http_method_names = ["get", "patch", "head", "options", *(["delete"] if delete else [])]

        def get_queryset(self):
            return queryset(self.request)

        def perform_update(self, serializer):
            serializer.instance = update(actor=self.request.user, instance=serializer.instance,
                                         **serializer.validated_data)

        def perform_destroy(self, instance):
            delete(actor=self.request.user, instance=instance)

    for view, suffix in ((ListView, "ListView"), (DetailView, "DetailView")):
        view.roles = roles
        view.__name__ = view.__qualname__ = f"{name}{suffix}"
    return ListView, DetailView


def filtered(rows, request, names: tuple[str, ...]):
    """Apply `?field=value` filters, each parsed by its model field; a value that does not parse is a 400."""
    for name in names:
        raw = request.query_params.get(name)
        if raw is None:
            continue
        field = rows.model._meta.get_field(name)
        try:
            value = _BOOLEANS[raw.lower()] if isinstance(field, models.BooleanField) else field.to_python(raw)
        except (KeyError, ValidationError) as error:
            raise invalid_filter(name, raw) from error
        rows = rows.filter(**{name: value})
    return rows


def invalid_filter(name: str, raw: str) -> DomainError:
    return DomainError("invalid_filter", _("This filter value is not valid."), details={name: [raw]})


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def save_and_record(*, actor, instance, action: str, fields: list[str] | None = None):
    """Validate, save and audit one row: the body of every simple create or update service."""
    full_clean_or_400(instance)
    instance.save()
    record(actor=actor, action=action, target=instance, data={"fields": fields} if fields else None)
    return instance


def update_and_record(*, actor, instance, changes: dict, action: str):
    for field, value in changes.items():
        setattr(instance, field, value)
    return save_and_record(actor=actor, instance=instance, action=action, fields=sorted(changes))
