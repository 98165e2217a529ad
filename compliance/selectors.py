from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from compliance.models import PlatformSite
from saas.api.errors import Conflict


def default_site() -> PlatformSite:
    """The platform operator's first active site: where seats connect unless told otherwise."""
    site = (
        PlatformSite.objects.filter(licence__holder__schema_name=get_public_schema_name(),
                                    state=PlatformSite.State.ACTIVE)
        .order_by("pk")
        .first()
    )
    if site is None:
        raise Conflict("no_platform_site", _("The platform operator has no active platform site yet."))
    return site
