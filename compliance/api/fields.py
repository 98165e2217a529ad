"""What the compliance resources share: roles, holder and province fields, filters."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema_field,
)
from rest_framework import serializers

from compliance import provinces
from compliance.rules.licence import issuer_name
from saas.accounts.roles import Role
from saas.api.permissions import Roles
from saas.api.resources import invalid_filter
from tenants.models import Client

COMPLIANCE_ROLES = Roles(read={Role.PLATFORM_ADMIN}, write={Role.COMPLIANCE_OFFICER})
TENANT_COMPLIANCE_ROLES = Roles(read={Role.TENANT_ADMIN, Role.SUPERVISOR})

# How the API names the platform operator as a licence or number holder (its row's schema is public).
PLATFORM = "platform"


# --- Fields shared by the resources ------------------------------------------------------------------

def holder_by_slug(slug: str) -> Client | None:
    """The platform operator for "platform", else the live (not archived) tenant with this slug."""
    public = get_public_schema_name()
    if slug == PLATFORM:
        return Client.objects.filter(schema_name=public).first()
    return Client.objects.exclude(schema_name=public).exclude(status=Client.Status.ARCHIVED).filter(slug=slug).first()


def holder_slug(client: Client | None) -> str | None:
    if client is None:
        return None
    return PLATFORM if client.is_platform else client.slug


@extend_schema_field(OpenApiTypes.STR)
class HolderField(serializers.Field):
    """A licence or number holder by its tenant slug; "platform" is the platform operator."""

    default_error_messages = {
        "does_not_exist": _('No client enterprise "%(value)s"; give a tenant\'s slug, or "platform" for the '
                            "platform operator."),
    }

    def to_internal_value(self, data):
        client = holder_by_slug(str(data))
        if client is None:
            raise serializers.ValidationError(self.error_messages["does_not_exist"] % {"value": data})
        return client

    def to_representation(self, client):
        return holder_slug(client)


PROVINCE_CHOICES = [(code, provinces.name(code)) for code in provinces.codes()]


def province_field(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=PROVINCE_CHOICES, **kwargs)


class ProvinceListField(serializers.ListField):
    """GB/T 2260 province codes, stored sorted and without repeats."""

    def __init__(self, **kwargs):
        super().__init__(child=province_field(), **kwargs)

    def to_internal_value(self, data):
        return sorted(set(super().to_internal_value(data)))


def issuer_field(**kwargs) -> serializers.ChoiceField:
    choices = [("MIIT", issuer_name("MIIT")), *((code, issuer_name(code)) for code in provinces.codes())]
    return serializers.ChoiceField(choices=choices, help_text='"MIIT", or the GB/T 2260 code of the issuing '
                                                              "province's communications administration.", **kwargs)


def unchanged(serializer, data: dict, names: tuple[str, ...], message) -> None:
    """On an update, refuse a change of these fields (giving the same value again is fine)."""
    instance = serializer.instance
    if instance is None:
        return
    changed = {name: [message] for name in names if name in data and data[name] != getattr(instance, name)}
    if changed:
        raise serializers.ValidationError(changed)


def check_choices(model, request, names: tuple[str, ...]) -> None:
    """`?field=value` on a field with choices: a value that is not one of them is a 400, not an empty list."""
    for name in names:
        raw = request.query_params.get(name)
        choices = model._meta.get_field(name).choices
        if raw is not None and choices and raw not in {value for value, _label in choices}:
            raise invalid_filter(name, raw)


def with_checked_choices(view, model, names: tuple[str, ...]):
    class Checked(view):
        def get_queryset(self):
            check_choices(model, self.request, names)
            return super().get_queryset()

    Checked.__name__ = Checked.__qualname__ = view.__name__
    return Checked


def not_in_future(value) -> None:
    if value > timezone.localdate():
        raise serializers.ValidationError(_("This date is in the future."))


def choice_parameter(name: str, choices, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(name, str, enum=[value for value, _label in choices], description=description)


