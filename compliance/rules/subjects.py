"""How findings name their subjects, and the helpers that several rule families share."""

from __future__ import annotations

from collections.abc import Iterable

from compliance import provinces
from compliance.models import Licence, PlatformSite


def of_licence(licence: Licence) -> str:
    return f"licence:{licence.number}"


def of_site(site: PlatformSite) -> str:
    return f"site:{site.pk}"


def of_number(number) -> str:
    return f"number:{number.number}"


def of_tenant(client) -> str:
    return f"tenant:{client.slug}"


def of_seats_sold_in(code: str) -> str:
    """Seats sold in a province: what the operator's coverage answers for (COV-02)."""
    return f"seats-sold:{code}"


def names(codes: Iterable[str]) -> str:
    return "、".join(provinces.name(code) for code in sorted(codes))


def active_sites(licence: Licence) -> list[PlatformSite]:
    return [site for site in licence.sites.all() if site.state == PlatformSite.State.ACTIVE]


def is_commercial(client) -> bool:
    """Runs a commercial call centre on its own account: a commercial tenant (the operator's own
    licence is held by the platform row, which the licence rules check as any holder)."""
    return client.business_type == "commercial" and not client.is_platform
